"""Organizer pages for personal data: what will be purged and when, a person's data exported
or erased on their request, and the audit log of who did what to personal data.

Every route sits under /organize/forums/<slug>/… behind `organizer_view`: a registration id of
another forum answers 404, a forum the user does not organize 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.bounds import parse_id
from app.core.db import utcnow
from app.core.errors import DomainError, NotFound
from app.forms.privacy import OrganizerEraseForm, OrganizerExportForm
from app.models import Forum
from app.privacy import operations as privacy
from app.privacy import retention
from app.programme import agenda
from app.web.attendee import export_filename, json_download
from app.web.organize import bp
from app.web.organize.common import back, organizer_view, user

# How each audit action reads; unknown actions show as recorded.
ACTION_LABELS = {
    "registration.export": _l("Exported a person's data"),
    "registration.erase": _l("Erased a registration"),
    "registrations.export": _l("Exported the registrations (CSV)"),
    "registration.cancel": _l("Cancelled a registration"),
    "registration.promote": _l("Promoted from the forum's waitlist"),
    "booking.promote": _l("Promoted from a session's waitlist"),
    "admitted_from_waitlist": _l("Admitted from the waitlist at the desk"),
    "admitted_over_capacity": _l("Admitted beyond capacity at the desk"),
    "walk_in_registered": _l("Registered a walk-in at the desk"),
    "desk_override": _l("Opened or closed the desk"),
    "kiosk_enabled": _l("Turned the kiosk on"),
    "kiosk_disabled": _l("Turned the kiosk off"),
    "comments.event_created": _l("Set up the comment event"),
    "comments.event_changed": _l("Changed the comment event"),
    "comments.publish": _l("Published a comment"),
    "comments.hide": _l("Hid a comment"),
    "comments.pick": _l("Put a comment on the reading list"),
    "comments.unpick": _l("Took a comment off the reading list"),
    "draw.commit": _l("Committed the prize draw's seed"),
    "draw.draw": _l("Drew the prize winners"),
    "draw.decline": _l("Recorded a declined prize"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _registration_or_404(forum: Forum, registration_id: int):
    try:
        return privacy.registration_for_organizer(forum, registration_id)
    except NotFound:
        abort(404)


@bp.get("/privacy")
@organizer_view
def privacy_overview():
    """Every forum the user organizes: when its personal data will be purged."""
    forums = agenda.forums_for(user())
    return render_template(
        "organize/privacy_overview.html",
        forum=None,
        lines=retention.retention_plan(forums),
        days=privacy.retention_days(),
        now=utcnow(),
    )


@bp.get("/forums/<slug>/privacy")
@organizer_view
def privacy_forum(forum: Forum):
    """The forum's retention date, a look-up by confirmation code, the latest audit entries."""
    code = request.args.get("code", "").strip()
    not_found = False
    if code:
        found = privacy.find_by_code(forum, code[:40])
        if found is not None:
            return redirect(
                url_for("organize.privacy_person", slug=forum.slug, registration_id=found.id),
                code=303,
            )
        not_found = True
    (line,) = retention.retention_plan([forum])
    return render_template(
        "organize/privacy.html",
        forum=forum,
        line=line,
        days=privacy.retention_days(),
        now=utcnow(),
        code=code,
        not_found=not_found,
        audit=retention.audit_log(forum, per_page=10),
        action_label=action_label,
    ), (404 if not_found else 200)


@bp.get("/forums/<slug>/privacy/audit")
@organizer_view
def privacy_audit(forum: Forum):
    """Who did what to personal data in this forum, newest first."""
    page = request.args.get("page", "1")
    raw_registration = request.args.get("registration", "")
    registration_id = parse_id(raw_registration) if raw_registration else None
    if raw_registration:
        _registration_or_404(forum, registration_id or 0)
    return render_template(
        "organize/privacy_audit.html",
        forum=forum,
        audit=retention.audit_log(
            forum,
            registration_id=registration_id,
            page=parse_id(page) or 1,
        ),
        registration_id=registration_id,
        action_label=action_label,
    )


@bp.get("/forums/<slug>/privacy/registrations/<int:registration_id>")
@organizer_view
def privacy_person(forum: Forum, registration_id: int):
    registration = _registration_or_404(forum, registration_id)
    return render_template(
        "organize/privacy_person.html",
        forum=forum,
        registration=registration,
        export_form=OrganizerExportForm(),
        erase_form=OrganizerEraseForm(),
        audit=retention.audit_log(forum, registration_id=registration_id, per_page=20),
        action_label=action_label,
    )


@bp.post("/forums/<slug>/privacy/registrations/<int:registration_id>/export")
@organizer_view
def privacy_export(forum: Forum, registration_id: int):
    """The person's data as a JSON file, for an organizer answering their request (audited)."""
    registration = _registration_or_404(forum, registration_id)
    form = OrganizerExportForm()
    if not form.validate_on_submit():
        flash(_("The request reference is too long."), "error")
        return back("organize.privacy_person", forum, registration_id=registration_id)
    data = privacy.export_for_organizer(forum, registration_id, user(), reason=form.reason.data)
    return json_download(data, export_filename(registration))


@bp.post("/forums/<slug>/privacy/registrations/<int:registration_id>/erase")
@organizer_view
def privacy_erase(forum: Forum, registration_id: int):
    """Erase a registration on the person's request: places go to the people waiting, the
    personal data is replaced, the links stop working (audited)."""
    registration = _registration_or_404(forum, registration_id)
    form = OrganizerEraseForm()
    if not form.validate_on_submit():
        return render_template(
            "organize/privacy_person.html",
            forum=forum,
            registration=registration,
            export_form=OrganizerExportForm(formdata=None),
            erase_form=form,
            audit=retention.audit_log(forum, registration_id=registration_id, per_page=20),
            action_label=action_label,
        ), 422
    try:
        privacy.erase_for_organizer(forum, registration_id, user(), reason=form.reason.data)
    except DomainError as exc:
        flash(exc.message, "error")
        return back("organize.privacy_person", forum, registration_id=registration_id)
    flash(
        _("The registration is erased; its places went to the people waiting."),
        "success",
    )
    return back("organize.privacy_person", forum, registration_id=registration_id)
