"""The comment event's public pages: the prompt, the form, the wall with its likes, the
confirmation link, and a registration's manage link standing in for the confirmation."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.bounds import parse_whole_number
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.i18n import current_locale, pick
from app.extensions import limiter
from app.forms.comments import ButtonForm, CommentForm
from app.models import CommentEvent, Forum, Registration
from app.registration import operations as registrations
from app.registration.certificates import mask_name
from app.security import no_store
from app.voices import comments
from app.voices.common import COMMENT_CONSENT_VERSION
from app.web.input_guard import answers_text_by_field
from app.web.voices import bp, post_limit, vote_limit
from app.web.voices.voter import browser_voter

PAGE = "voices/comments/page.html"


def _forum_and_event(slug: str) -> tuple[Forum, CommentEvent]:
    try:
        forum = registrations.published_forum(slug)
    except NotFound:
        abort(404)
    event = comments.event_for(forum)
    if event is None:
        abort(404)
    return forum, event


def _sort_and_page() -> tuple[str, int]:
    sort = request.args.get("sort", "new")
    page = parse_whole_number(request.args.get("page", "1")) or 1
    return (sort if sort in comments.SORTS else "new"), page


def _raw(form: CommentForm) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "email": form.email.data or "",
        "comment": form.comment.data or "",
        "consent": bool(form.consent.data),
        "locale": current_locale(),
    }


def _attach(form: CommentForm, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is not None and name != "locale":
            field.errors = list(messages)
        else:
            form.form_errors.extend(messages)


def _page(forum: Forum, event: CommentEvent, form: CommentForm, status: int = 200, **extra: Any):
    sort, page = _sort_and_page()
    context = {
        "forum": forum,
        "event": event,
        "state": comments.window_state(event),
        "prompt": pick(event, "prompt"),
        "form": form,
        "wall": comments.wall(event, sort=sort, page=page),
        "mask": mask_name,
        "like_form": ButtonForm(),
        "consent_version": COMMENT_CONSENT_VERSION,
        "retention_days": int(current_app.config["RETENTION_DAYS"]),
        "registration": None,
        "registration_cancelled": False,
        **extra,
    }
    return render_template(PAGE, **context), status


@bp.route("/forums/<slug>/comments", methods=["GET", "POST"])
@limiter.limit(post_limit, methods=["POST"])
@answers_text_by_field
def comment_event(slug: str):
    forum, event = _forum_and_event(slug)
    form = CommentForm()
    if request.method == "GET":
        return _page(forum, event, form)
    try:
        comments.submit(forum, _raw(form))
    except ValidationFailed as exc:
        _attach(form, exc.errors)
        return _page(forum, event, form, 422)
    except comments.CommentsClosed as exc:
        form.form_errors.append(exc.message)
        return _page(forum, event, form, 409)
    return redirect(url_for("voices.comment_sent", slug=slug), code=303)


@bp.get("/forums/<slug>/comments/sent")
def comment_sent(slug: str):
    """The same page whether the address is new, unconfirmed or confirmed already."""
    forum, event = _forum_and_event(slug)
    return render_template("voices/comments/sent.html", forum=forum, event=event)


@bp.route("/forums/<slug>/comments/confirm/<token>", methods=["GET", "POST"])
def confirm_comment(slug: str, token: str):
    """GET shows a button (mail scanners open links); the POST confirms."""
    forum, event = _forum_and_event(slug)
    form = ButtonForm()
    try:
        if request.method == "POST":
            entry = comments.confirm(forum, token)
            page = render_template(
                "voices/comments/confirmed.html", forum=forum, event=event, entry=entry
            )
            return no_store(current_app.make_response(page))
        entry = comments.pending_confirmation(forum, token)
    except DomainError as exc:
        page = render_template(
            "voices/comments/confirm.html",
            forum=forum,
            event=event,
            refusal=exc.message,
            form=form,
            entry=None,
        )
        return no_store(current_app.make_response((page, exc.status)))
    page = render_template(
        "voices/comments/confirm.html",
        forum=forum,
        event=event,
        refusal=None,
        form=form,
        entry=entry,
        prompt=pick(event, "prompt"),
    )
    return no_store(current_app.make_response(page))


@bp.post("/forums/<slug>/comments/<int:comment_id>/like")
@limiter.limit(vote_limit)
def like_comment(slug: str, comment_id: int):
    forum, _event = _forum_and_event(slug)
    try:
        result = comments.like(forum, comment_id, browser_voter())
    except NotFound:
        abort(404)
    if result.created:
        flash(_("Thank you: your like is counted."), "success")
    else:
        flash(_("You have liked this comment already."), "success")
    sort, page = _sort_and_page()
    target = url_for("voices.comment_event", slug=slug, sort=sort, page=page)
    return redirect(f"{target}#comment-{comment_id}", code=303)


# ------------------------------------------------------------------ through a manage link


def _registration_or_404(token: str) -> Registration:
    try:
        return registrations.registration_by_token(token)
    except NotFound:
        abort(404)


@bp.route("/manage/<token>/comments", methods=["GET", "POST"])
@limiter.limit(post_limit, methods=["POST"])
@answers_text_by_field
def manage_comment(token: str):
    """The comment form for a registrant: their address needs no confirming link."""
    registration = _registration_or_404(token)
    forum = registration.forum
    event = comments.event_for(forum)
    if event is None or registration.anonymised_at is not None:
        abort(404)
    form = CommentForm()
    status = 200
    if request.method == "GET":
        form.name.data = registration.name
    else:
        try:
            entry = comments.submit(forum, _raw(form), manage_token=token)
        except ValidationFailed as exc:
            _attach(form, exc.errors)
            status = 422
        except DomainError as exc:  # closed, or a cancelled registration
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            page = render_template(
                "voices/comments/confirmed.html", forum=forum, event=event, entry=entry
            )
            return no_store(current_app.make_response(page))
    cancelled = registration.cancelled_at is not None or registration.status == "cancelled"
    page, status = _page(
        forum,
        event,
        form,
        status,
        registration=registration,
        registration_cancelled=cancelled,
        token=token,
    )
    return no_store(current_app.make_response((page, status)))
