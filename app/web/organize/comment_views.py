"""The comment event for organizers: its set-up, moderating the entries, and a session's
reading list (picked comments in order, large type, a "read" mark, printable)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.core.bounds import parse_id, parse_whole_number
from app.core.errors import ValidationFailed
from app.core.i18n import pick
from app.forms.comments import (
    STATUS_LABELS,
    ButtonForm,
    CommentEventForm,
    ModerationFilterForm,
    ModerationForm,
    PickForm,
)
from app.models import CommentEvent, Forum
from app.registration.certificates import mask_name
from app.voices import comments
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, raw_from, refused, user


def _filters() -> tuple[str | None, bool | None, int]:
    status = request.args.get("status") or None
    confirmed = {"yes": True, "no": False}.get(request.args.get("confirmed", ""))
    page = parse_whole_number(request.args.get("page", "1")) or 1
    return status, confirmed, page


def _session_choices(forum: Forum) -> list[SelectChoice]:
    return [
        SelectChoice(str(s.id), pick(s, "title") or f"#{s.id}")
        for s in comments.sessions_for_reading(forum)
    ]


def _page(
    forum: Forum,
    event: CommentEvent | None,
    form: CommentEventForm,
    status: int = 200,
    *,
    errors: dict[int, list[str]] | None = None,
):
    chosen_status, confirmed, page = _filters()
    filters = ModerationFilterForm(request.args)
    pick_form = PickForm()
    pick_form.session_id.choices = _session_choices(forum)
    return render_template(
        "organize/comments.html",
        forum=forum,
        event=event,
        form=form,
        listing=(
            comments.moderation_list(event, status=chosen_status, confirmed=confirmed, page=page)
            if event
            else None
        ),
        filters=filters,
        moderation_form=ModerationForm(),
        pick_form=pick_form,
        button=ButtonForm(),
        errors=errors or {},
        labels=STATUS_LABELS,
        list_args=_back_to_list(),
        mask=mask_name,
        tz=forum.timezone,
    ), status


@bp.route("/forums/<slug>/comments", methods=["GET", "POST"])
@organizer_view
def comments_page(forum: Forum):
    event = comments.event_for(forum)
    if request.method == "GET":
        form = CommentEventForm(data=comments.event_values(event, forum.timezone))
        return _page(forum, event, form)
    form = CommentEventForm()
    if not form.validate_on_submit():
        return _page(forum, event, form, 400)
    try:
        comments.save_event(forum, raw_from(form, comments.EVENT_FIELDS), user=user())
    except ValidationFailed as exc:
        apply_errors(form, exc.errors)
        return _page(forum, event, form, 422)
    except comments.EditedMeanwhile as exc:
        return refused(exc, "organize.comments_page", forum)
    flash(_("The comment event is saved."), "success")
    return back("organize.comments_page", forum)


def _back_to_list() -> dict[str, Any]:
    """The list's filters, carried through a moderation action."""
    return {k: v for k in ("status", "confirmed", "page") if (v := request.args.get(k))}


@bp.post("/forums/<slug>/comments/<int:entry_id>/moderate")
@organizer_view
def moderate_comment(forum: Forum, entry_id: int):
    form = ModerationForm()
    if not form.validate_on_submit():
        return back("organize.comments_page", forum, **_back_to_list())
    try:
        comments.moderate(
            forum, entry_id, form.action.data or "", reason=form.reason.data or "", user=user()
        )
    except ValidationFailed as exc:
        event = comments.event_for(forum)
        messages = [m for ms in exc.errors.values() for m in ms]
        setup = CommentEventForm(data=comments.event_values(event, forum.timezone))
        return _page(forum, event, setup, 422, errors={entry_id: messages})
    flash(
        _("The comment is published.")
        if form.action.data == "publish"
        else _("The comment is hidden."),
        "success",
    )
    target = url_for("organize.comments_page", slug=forum.slug, **_back_to_list())
    return redirect(f"{target}#entry-{entry_id}", code=303)


@bp.post("/forums/<slug>/comments/<int:entry_id>/pick")
@organizer_view
def pick_comment(forum: Forum, entry_id: int):
    form = PickForm()
    if not form.validate_on_submit():
        return back("organize.comments_page", forum)
    try:
        entry = comments.pick(forum, entry_id, form.session_id.data, user())
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return back("organize.comments_page", forum, **_back_to_list())
    flash(_("The comment is on the reading list."), "success")
    return back("organize.reading_list", forum, session=entry.reading_session_id)


@bp.post("/forums/<slug>/comments/<int:entry_id>/unpick")
@organizer_view
def unpick_comment(forum: Forum, entry_id: int):
    if ButtonForm().validate_on_submit():
        comments.unpick(forum, entry_id, user())
        flash(_("The comment is off the reading list."), "success")
    return _back_to_reading_list(forum)


def _back_to_reading_list(forum: Forum):
    session_id = parse_id(request.args.get("session"))
    return back("organize.reading_list", forum, **({"session": session_id} if session_id else {}))


@bp.post("/forums/<slug>/comments/<int:entry_id>/move/<any(up, down):direction>")
@organizer_view
def move_comment(forum: Forum, entry_id: int, direction: str):
    if ButtonForm().validate_on_submit():
        comments.move(forum, entry_id, direction, user())
    return _back_to_reading_list(forum)


@bp.post("/forums/<slug>/comments/<int:entry_id>/read")
@organizer_view
def mark_comment_read(forum: Forum, entry_id: int):
    if ButtonForm().validate_on_submit():
        comments.mark_read(forum, entry_id, user(), read=request.form.get("read") != "0")
    return _back_to_reading_list(forum)


@bp.get("/forums/<slug>/comments/reading-list")
@organizer_view
def reading_list(forum: Forum):
    event = comments.event_for(forum)
    session_id = parse_id(request.args.get("session"))
    sessions = comments.sessions_for_reading(forum)
    session = next((s for s in sessions if s.id == session_id), None)
    entries = comments.reading_list(event, session.id if session else None) if event else []
    return render_template(
        "organize/comments_reading_list.html",
        forum=forum,
        event=event,
        sessions=sessions,
        session=session,
        entries=entries,
        by_session={s.id: s for s in sessions},
        button=ButtonForm(),
        mask=mask_name,
    )
