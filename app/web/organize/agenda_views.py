"""Organizer pages for the agenda: sessions, venues, speakers and stream links."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm

from app.core.bounds import parse_id
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale, pick
from app.forms.organize import (
    SPEAKER_LINES_EXTRA,
    DeleteForm,
    SessionForm,
    SpeakerForm,
    StreamForm,
    VenueForm,
)
from app.models import Forum, ForumSession
from app.programme import agenda, change_notices, checks, records, session_edits, speaker_mail
from app.registration import people
from app.web.organize import bp
from app.web.organize.common import (
    apply_errors,
    back,
    organizer_view,
    raw_from,
    refused,
    session_choices,
    speaker_choices,
    user,
    venue_choices,
)

# ============================================================================ sessions


@bp.get("/forums/<slug>/sessions")
@organizer_view
def sessions(forum: Forum):
    table = agenda.timetable(forum)
    return render_template(
        "organize/sessions.html",
        forum=table.forum,
        table=table,
        counts=people.session_counts(forum),
        locale=current_locale(),
    )


def _prepare_session_form(form: SessionForm, forum: Forum, session: ForumSession | None) -> None:
    locale = current_locale()
    form.venue_id.choices = venue_choices(forum, locale)
    form.parent_id.choices = session_choices(
        forum,
        locale,
        empty=_("None: a session of its own"),
        exclude=session.id if session else None,
    )
    if request.method == "GET":
        for _n in range(SPEAKER_LINES_EXTRA):
            form.speakers.append_entry()
    for entry in form.speakers:
        entry.form.speaker_id.choices = speaker_choices(forum, locale)
    form.notify_at_once.label.text = _(
        "Send the change notice at once (instead of after %(minutes)s minutes, to group "
        "further edits)",
        minutes=change_notices.notice_delay_minutes(),
    )


def _session_raw(form: SessionForm) -> dict[str, Any]:
    raw = raw_from(form, [n for n in checks.SESSION_FIELDS if n != "speakers"])
    raw["speakers"] = form.speaker_lines()
    return raw


def _saved_message(saved: session_edits.SessionSaved) -> None:
    flash(_("The session is saved."), "success")
    if saved.notices:
        flash(
            ngettext(
                "%(num)d person will be told of the change.",
                "%(num)d people will be told of the change.",
                saved.notices,
            ),
            "success",
        )
    open_ = [c for c in saved.conflicts if not c.accepted]
    if open_:
        flash(
            ngettext(
                "This session is part of %(num)d conflict; see below.",
                "This session is part of %(num)d conflicts; see below.",
                len(open_),
            ),
            "error",
        )


def _session_page(forum, form, session, status, *, conflicts=(), stale=None):
    return render_template(
        "organize/session_form.html",
        forum=forum,
        form=form,
        session=session,
        conflicts=conflicts,
        stale=stale,
        delete_form=DeleteForm(revision=session.revision) if session else None,
        tz=forum.timezone,
        locale=current_locale(),
        meeting_hours=checks.MEETING_LEAD_HOURS,
    ), status


@bp.route("/forums/<slug>/sessions/new", methods=["GET", "POST"])
@organizer_view
def new_session(forum: Forum):
    form = SessionForm()
    if request.method == "GET":
        day = forum.first_day.isoformat()
        form.starts_at.data, form.ends_at.data = f"{day}T09:00", f"{day}T10:00"
    _prepare_session_form(form, forum, None)
    status = 200
    if form.validate_on_submit():
        try:
            saved = session_edits.create_session(forum, _session_raw(form), user())
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            _saved_message(saved)
            return back("organize.edit_session", forum, session_id=saved.session.id)
    elif request.method == "POST":
        status = 422
    return _session_page(forum, form, None, status)


@bp.route("/forums/<slug>/sessions/<int:session_id>", methods=["GET", "POST"])
@organizer_view
def edit_session(forum: Forum, session_id: int):
    session = agenda.get_session(forum, session_id)
    if request.method == "GET":
        form = SessionForm(
            data={
                **session_edits.session_values(session, forum.timezone),
                "revision": session.revision,
                "fingerprint": session_edits.session_fingerprint(session),
            }
        )
    else:
        form = SessionForm()
    _prepare_session_form(form, forum, session)
    status = 200
    stale = None
    if form.validate_on_submit():
        try:
            saved = session_edits.update_session(
                forum,
                session_id,
                _session_raw(form),
                user(),
                revision=form.revision.data,
                fingerprint=form.fingerprint.data or None,
                notify_at_once=bool(form.notify_at_once.data),
            )
        except checks.StaleRevision as exc:
            form.form_errors.append(exc.message)
            stale = exc
            status = 409
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        else:
            _saved_message(saved)
            return back("organize.edit_session", forum, session_id=session_id)
    elif request.method == "POST":
        status = 422
    return _session_page(
        forum,
        form,
        session,
        status,
        conflicts=agenda.session_conflicts(forum, session_id),
        stale=stale,
    )


@bp.post("/forums/<slug>/sessions/<int:session_id>/delete")
@organizer_view
def delete_session(forum: Forum, session_id: int):
    form = DeleteForm()
    agenda.get_session(forum, session_id)
    if not form.validate_on_submit():
        return back("organize.edit_session", forum, session_id=session_id)
    try:
        session_edits.delete_session(forum, session_id, user(), revision=form.revision.data)
    except (DomainError, ValidationFailed) as exc:
        return refused(exc, "organize.edit_session", forum, session_id=session_id)
    flash(_("The session is deleted."), "success")
    return back("organize.sessions", forum)


# ============================================================================ simple records


def _record_pages(
    *,
    name: str,
    form_class,
    fields: tuple[str, ...],
    get,
    values,
    create,
    update,
    delete,
    saved: str,
    deleted: str,
    choices=None,
):
    """List, new, edit and delete pages for venues, speakers and stream links."""
    plural = f"{name}s"
    template = f"organize/{name}_form.html"

    def listing(forum: Forum):
        return render_template(
            f"organize/{plural}.html",
            forum=agenda.load_forum(forum.id),
            delete_form=DeleteForm(),
            locale=current_locale(),
        )

    def page(forum, form, item, status):
        return render_template(
            template,
            forum=forum,
            form=form,
            item=item,
            delete_form=DeleteForm(),
            locale=current_locale(),
        ), status

    def new(forum: Forum):
        form = form_class()
        if choices:
            choices(form, forum)
        status = 200
        if form.validate_on_submit():
            try:
                create(forum, raw_from(form, fields), user())
            except ValidationFailed as exc:
                apply_errors(form, exc.errors)
                status = 422
            else:
                flash(str(saved), "success")
                return back(f"organize.{plural}", forum)
        elif request.method == "POST":
            status = 422
        return page(forum, form, None, status)

    def edit(forum: Forum, item_id: int):
        item = get(forum, item_id)
        form = form_class(data=values(item) if request.method == "GET" else None)
        if choices:
            choices(form, forum)
        status = 200
        if form.validate_on_submit():
            try:
                update(forum, item_id, raw_from(form, fields), user())
            except ValidationFailed as exc:
                apply_errors(form, exc.errors)
                status = 422
            else:
                flash(str(saved), "success")
                return back(f"organize.{plural}", forum)
        elif request.method == "POST":
            status = 422
        return page(forum, form, item, status)

    def remove(forum: Forum, item_id: int):
        get(forum, item_id)
        if DeleteForm().validate_on_submit():
            try:
                delete(forum, item_id, user())
            except DomainError as exc:
                return refused(exc, f"organize.{plural}", forum)
            flash(str(deleted), "success")
        return back(f"organize.{plural}", forum)

    listing.__name__ = plural
    new.__name__ = f"new_{name}"
    edit.__name__ = f"edit_{name}"
    remove.__name__ = f"delete_{name}"
    base = f"/forums/<slug>/{plural}"
    bp.add_url_rule(base, view_func=organizer_view(listing), methods=["GET"])
    bp.add_url_rule(f"{base}/new", view_func=organizer_view(new), methods=["GET", "POST"])
    bp.add_url_rule(
        f"{base}/<int:item_id>/edit", view_func=organizer_view(edit), methods=["GET", "POST"]
    )
    bp.add_url_rule(
        f"{base}/<int:item_id>/delete", view_func=organizer_view(remove), methods=["POST"]
    )


def _stream_choices(form: StreamForm, forum: Forum) -> None:
    form.session_id.choices = session_choices(
        forum, current_locale(), empty=_("The whole forum (not one session)")
    )


_record_pages(
    name="venue",
    form_class=VenueForm,
    fields=checks.VENUE_FIELDS,
    get=agenda.get_venue,
    values=records.venue_values,
    create=records.create_venue,
    update=records.update_venue,
    delete=records.delete_venue,
    saved=_l("The venue is saved."),
    deleted=_l("The venue is deleted."),
)
_record_pages(
    name="speaker",
    form_class=SpeakerForm,
    fields=checks.SPEAKER_FIELDS,
    get=agenda.get_speaker,
    values=records.speaker_values,
    create=records.create_speaker,
    update=records.update_speaker,
    delete=records.delete_speaker,
    saved=_l("The speaker is saved."),
    deleted=_l("The speaker is deleted."),
)
_record_pages(
    name="stream",
    form_class=StreamForm,
    fields=checks.STREAM_FIELDS,
    get=agenda.get_stream,
    values=records.stream_values,
    create=records.create_stream,
    update=records.update_stream,
    delete=records.delete_stream,
    saved=_l("The stream link is saved."),
    deleted=_l("The stream link is deleted."),
    choices=_stream_choices,
)


@bp.post("/forums/<slug>/speakers/mail")
@organizer_view
def mail_speakers(forum: Forum):
    """Queue each speaker's own programme mail; say who gets none and why."""
    speaker_id = parse_id(request.form.get("speaker_id", ""))
    if FlaskForm().validate_on_submit():
        mailing = speaker_mail.mail_speakers(forum, user(), speaker_id)
        flash(
            ngettext(
                "%(num)d speaker's programme is on its way.",
                "%(num)d speakers' programmes are on their way.",
                len(mailing.queued),
            ),
            "success",
        )
        names = ", ".join(pick(s, "name") for s in mailing.without_address)
        if names:
            flash(_("No address, so no mail: %(names)s.", names=names), "error")
        names = ", ".join(pick(s, "name") for s in mailing.without_sessions)
        if names:
            flash(_("On no session yet, so no mail: %(names)s.", names=names), "error")
    return back("organize.speakers", forum)
