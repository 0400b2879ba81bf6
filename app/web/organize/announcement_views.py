"""The organizer's announcements: write in Korean and English, preview, send, and see how the
sent ones are delivered."""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.forms.announcements import AnnouncementForm
from app.mail import overview
from app.mail.previews import preview_announcement
from app.models import Forum
from app.registration import announcements
from app.web.organize import bp
from app.web.organize.common import apply_errors, back, organizer_view, raw_from, session_choices
from app.web.organize.common import user as current_organizer

DRAFT_FIELDS = ("segment", "session_id", *announcements.TEXT_FIELDS)


@bp.route("/forums/<slug>/announcements", methods=["GET", "POST"])
@organizer_view
def announcements_page(forum: Forum):
    form = AnnouncementForm()
    form.session_id.choices = session_choices(
        forum, current_locale(), empty=_("(choose a session)")
    )
    preview, refusal, status = None, None, 200
    if form.validate_on_submit():
        try:
            draft = announcements.check_draft(forum, raw_from(form, DRAFT_FIELDS))
            if form.send.data:
                sent = announcements.send(
                    forum,
                    draft,
                    current_organizer(),
                    previewed=form.previewed.data,
                    expected=form.expected.data,
                )
                flash(_queued(sent.recipients), "success")
                return back("organize.announcements_page", forum)
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
            status = 422
        except DomainError as exc:  # not previewed, nobody, or the group changed: look again
            refusal, status = exc.message, 409
        if status != 422:
            preview = preview_announcement(forum, draft)
            form.previewed.data = draft.fingerprint
            form.expected.data = str(preview.reach)
    elif form.is_submitted():
        status = 422
    sent = overview.sent_announcements(forum.id)
    page = render_template(
        "organize/announcements.html",
        forum=forum,
        form=form,
        preview=preview,
        refusal=refusal,
        sent=sent,
    )
    return page, status


def _queued(n: int) -> str:
    return ngettext(
        "The announcement is queued for %(num)d person.",
        "The announcement is queued for %(num)d people.",
        n,
    )
