"""What the attendee pages show: form choices, the QR code, places with their positions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.core.i18n import pick
from app.core.presenters import fmt_day, fmt_time, label
from app.core.tokens import checkin_qr, display_code
from app.models import Booking, Forum, ForumSession, Registration
from app.models.enums import PlaceStatus
from app.programme.views import session_seats_left
from app.registration import certificates, feedback
from app.registration import operations as registrations
from app.registration.state import attendance_state
from app.registration.streams import watchable_streams


def attendance_choices(forum: Forum) -> list[SelectChoice]:
    return [
        SelectChoice(mode, label("attendance", mode))
        for mode in registrations.allowed_attendance(forum)
    ]


def _session_label(session: ForumSession) -> str:
    tz = session.forum.timezone
    when = f"{fmt_day(session.starts_at, tz)} {fmt_time(session.starts_at, tz)}"
    return f"{pick(session, 'title')} · {when}–{fmt_time(session.ends_at, tz)}"


def session_choices(forum: Forum, include: Registration | None = None) -> list[SelectChoice]:
    """The sessions to choose; a full one says so before the person submits (unless this
    person already holds a place in it)."""
    sessions = registrations.bookable_sessions(forum)
    held: set[int] = set()
    if include is not None:
        held = {b.session_id for b in include.bookings if b.status != PlaceStatus.CANCELLED}
        known = {s.id for s in sessions}
        sessions += [
            b.session
            for b in include.bookings
            if b.status != PlaceStatus.CANCELLED and b.session_id not in known
        ]
    return [SelectChoice(str(s.id), _choice_label(s, held=s.id in held)) for s in sessions]


def _choice_label(session: ForumSession, *, held: bool) -> str:
    text = _session_label(session)
    if held or session_seats_left(session) != 0:
        return text
    full = _("full — you will join the waiting list")
    return f"{text} ({full})"


def qr_svg(code: str) -> Markup:
    qr = checkin_qr(current_app.config["SECRET_KEY"], code)
    return Markup(qr.svg_inline(scale=5, border=2, svgclass="qr", omitsize=False))


def registration_page_context(forum: Forum, form, state: str) -> dict:
    return {
        "forum": forum,
        "form": form,
        "state": state,
        "consent_version": registrations.CONSENT_VERSION,
    }


@dataclass
class PlaceLine:
    title: str
    status: str
    position: int | None
    booking: Booking | None = None


def manage_page_context(
    registration: Registration, token: str, *, calendar_token: str | None = None, form=None
) -> dict:
    base = current_app.config["BASE_URL"]
    forum_place = attendance_state(registration)
    lines = [
        PlaceLine(
            title=pick(b.session, "title"),
            status=b.status,
            position=forum_place.position_in(b.session_id),
            booking=b,
        )
        for b in registration.bookings
        if b.status != PlaceStatus.CANCELLED
    ]
    calendar_url = f"{base}/calendar/{calendar_token}.ics" if calendar_token else None
    return {
        "registration": registration,
        "forum": registration.forum,
        "code": display_code(registration.confirmation_code),
        "qr": qr_svg(registration.confirmation_code),
        "forum_place": forum_place,
        "places": lines,
        "manage_url": f"{base}/manage/{token}",
        "token": token,
        "calendar_url": calendar_url,
        "webcal_url": calendar_url.replace("https://", "webcal://").replace("http://", "webcal://")
        if calendar_url
        else None,
        "form": form,
        "streams": watchable_streams(registration, registration.forum),
        "in_person": not forum_place.watches_online(),
        "certificates_given": certificates.given(registration.forum),
        "feedback_offered": feedback.offered(registration),
    }
