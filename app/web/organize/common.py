"""What every organizer page shares: who may open it, and mapping service answers to pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field

from app.accounts.access import can_organize
from app.core.errors import DomainError, NotFound
from app.core.i18n import pick
from app.extensions import login_manager
from app.models import Forum, User
from app.programme import agenda, csv_io
from app.web.organize import bp

ORGANIZER_ROLES = ("admin", "organizer")


def organizer_view(view: Callable | None = None, *, admin_only: bool = False):
    """Signed in (else the login page), admin or organizer (else 403); with a `slug` in the
    URL, the forum must exist (else 404) and be one the user organizes (else 403). The view
    then gets the forum as its first argument."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in ORGANIZER_ROLES:
                abort(403, _("This account works the desk; organizer pages need an organizer."))
            if admin_only and current_user.role != "admin":
                abort(403, _("Only an administrator can create forums. Ask one to create it."))
            slug = kwargs.pop("slug", None)
            if slug is None:
                return view(*args, **kwargs)
            try:
                forum = agenda.get_forum(slug)
            except NotFound:
                abort(404)
            if not can_organize(current_user, forum):
                abort(403, _("You are not an organizer of this forum."))
            return view(forum, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def user() -> User:
    return current_user._get_current_object()


def apply_errors(form: FlaskForm, errors: Mapping[str, Sequence[str]]) -> None:
    """Put a service's messages on the form's fields (the rest go above the form)."""
    for name, messages in errors.items():
        target = form._fields.get(name)
        if isinstance(target, Field):
            target.errors = list(messages)
        else:
            form.form_errors.extend(messages)


def uploaded_csv(form: FlaskForm) -> bytes:
    """The file of an import form: chosen now (the dry run), or carried back checked in its
    hidden `content` field (the confirming step); empty when neither holds one."""
    if form.confirm.data and form.content.data:
        try:
            return base64.b64decode(form.content.data.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return b""
    if form.file.data:
        return form.file.data.read(csv_io.MAX_BYTES + 1)
    return b""


def raw_from(form: FlaskForm, names: Sequence[str]) -> dict[str, Any]:
    return {name: form[name].data for name in names if name in form._fields}


def back(endpoint: str, forum: Forum, **values: Any):
    return redirect(url_for(endpoint, slug=forum.slug, **values), code=303)


def refused(exc: DomainError, endpoint: str, forum: Forum, **values: Any):
    flash(exc.message, "error")
    return back(endpoint, forum, **values)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    code = 404 if isinstance(exc, NotFound) else exc.status
    return render_template("errors/error.html", code=code, message=exc.message), code


def _name(row: Any, field: str, locale: str) -> str:
    other = "en" if locale == "ko" else "ko"
    return getattr(row, f"{field}_{locale}") or getattr(row, f"{field}_{other}") or f"#{row.id}"


def venue_choices(forum: Forum, locale: str) -> list[tuple[str, str]]:
    return [("", _("No venue (online only)"))] + [
        (str(v.id), _name(v, "name", locale)) for v in forum.venues
    ]


def _speaker_choice(speaker: Any, locale: str) -> str:
    affiliation = pick(speaker, "affiliation", locale)
    return _name(speaker, "name", locale) + (f" ({affiliation})" if affiliation else "")


def speaker_choices(forum: Forum, locale: str) -> list[tuple[str, str]]:
    return [("", _("(nobody)"))] + [(str(s.id), _speaker_choice(s, locale)) for s in forum.speakers]


def session_choices(forum: Forum, locale: str, *, empty: str, exclude: int | None = None):
    return [("", empty)] + [
        (str(s.id), _name(s, "title", locale)) for s in forum.sessions if s.id != exclude
    ]
