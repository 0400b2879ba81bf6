"""Organizer pages for invited people: the guests page (counts, reserves, the people), adding
one person or a guest list from CSV, and changing a person's category."""

from __future__ import annotations

import base64

from flask import flash, render_template
from flask_babel import gettext as _

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale, pick
from app.forms.organize import CategoryForm, GuestForm, GuestImportForm
from app.models import Forum
from app.programme import csv_io
from app.programme.views import forum_public_places, forum_seats_left
from app.registration import guests, operations, people
from app.registration.operations import RegistrationRequest
from app.web.organize import bp
from app.web.organize.common import (
    apply_errors,
    back,
    organizer_view,
    refused,
    uploaded_csv,
    user,
)
from app.web.organize.people_views import person_page


def _guest_form(forum: Forum) -> GuestForm:
    form = GuestForm()
    allowed = operations.allowed_attendance(forum)
    form.attendance.choices = [c for c in form.attendance.choices if c.value in allowed]
    form.session_ids.choices = [
        (str(s.id), pick(s, "title")) for s in operations.bookable_sessions(forum)
    ]
    return form


def _page(forum: Forum, form: GuestForm, import_form: GuestImportForm, status: int = 200, **extra):
    return render_template(
        "organize/guests.html",
        forum=forum,
        form=form,
        import_form=import_form,
        counts=guests.category_counts(forum.id),
        people=guests.invited_people(forum.id),
        public_places=forum_public_places(forum),
        public_left=forum_seats_left(forum),
        reserved_sessions=[s for s in forum.sessions if s.seats is not None],
        columns=guests.COLUMNS,
        locale=current_locale(),
        **extra,
    ), status


@bp.get("/forums/<slug>/guests")
@organizer_view
def guests_page(forum: Forum):
    return _page(forum, _guest_form(forum), GuestImportForm())


@bp.post("/forums/<slug>/guests")
@organizer_view
def add_guest(forum: Forum):
    form = _guest_form(forum)
    if not form.validate_on_submit():
        return _page(forum, form, GuestImportForm(), 422)
    req = RegistrationRequest(
        name=form.name.data or "",
        email=form.email.data or "",
        affiliation=form.affiliation.data or "",
        attendance=form.attendance.data or "",
        locale=form.locale.data or "ko",
        session_ids=list(form.session_ids.data or []),
        category=form.category.data or "",
    )
    try:
        result = guests.invite_one(forum, req, user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, form, GuestImportForm(), 422)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _page(forum, form, GuestImportForm(), 409)
    flash(
        _("%(name)s is registered; their mail is on its way.", name=result.registration.name),
        "success",
    )
    return back("organize.guests_page", forum)


@bp.post("/forums/<slug>/guests/import")
@organizer_view
def import_guests(forum: Forum):
    form = GuestImportForm()
    guest_form = _guest_form(forum)
    if not form.validate_on_submit():
        return _page(forum, guest_form, form, 422, refused=_("Choose a CSV file."))
    data = uploaded_csv(form)
    if not data:
        return _page(forum, guest_form, form, 422, refused=_("Choose a CSV file."))
    try:
        if form.confirm.data:
            result = guests.import_guests(forum, data, user())
            flash(
                _(
                    "%(added)d people registered (%(waiting)d of them waiting for a place);"
                    " their mail is on its way.",
                    added=result.added,
                    waiting=result.waitlisted,
                ),
                "success",
            )
            return back("organize.guests_page", forum)
        plan = guests.plan_guests(forum, data)
    except csv_io.CsvRefused as exc:
        return _page(forum, guest_form, form, 422, refused=exc.message)
    except ValidationFailed:
        plan = guests.plan_guests(forum, data)
    form.content.data = base64.b64encode(data).decode("ascii")
    return _page(forum, guest_form, form, 200 if plan.ok else 422, plan=plan)


@bp.post("/forums/<slug>/people/<int:registration_id>/category")
@organizer_view
def change_category(forum: Forum, registration_id: int):
    people.get_registration(forum, registration_id)
    form = CategoryForm()
    if not form.validate_on_submit():
        return person_page(forum, registration_id, form, 422)
    try:
        guests.change_category(forum, registration_id, form.category.data or "", user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return person_page(forum, registration_id, form, 422)
    except DomainError as exc:
        return refused(exc, "organize.person", forum, registration_id=registration_id)
    flash(_("The category is changed."), "success")
    return back("organize.person", forum, registration_id=registration_id)
