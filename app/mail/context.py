"""What each queued message says, read from the database when it leaves.

An outbox row holds ids and the secrets that exist nowhere else (the plain manage and calendar
tokens, kept until the message is sent, see `SECRET_KEYS`). Everything else is read at delivery
time, so a message shows the registration and the programme as they are when it goes out, in
the recipient's language, dates in the forum's time zone.

What each kind reads from the row's context:

=========================  =============================================================
registration_confirmed     registration_id, manage_token, calendar_token
registration_waitlisted    registration_id, manage_token, calendar_token
waitlist_promoted          registration_id, session_id (optional: one session promoted)
registration_cancelled     registration_id, cancelled_by ("self"), reason (optional)
manage_link                registration_id, manage_token
session_changed            registration_id, session_id, change_ids, note (optional)
reminder                   registration_id
announcement               registration_id (and the row's `announcement_id`)
certificate                registration_id (the PDF is made from the certificate row)
feedback_request           registration_id
comment_confirm            entry_id, confirm_token (a comment event's entry, no registration)
comment_thanks             entry_id
draw_won                   entry_id
=========================  =============================================================

Links. The manage page needs the plain manage token, which the database keeps only hashed:
kinds queued with one link to `{BASE_URL}/manage/<token>`; the others (promotion, change,
reminder, and any message whose token has since been replaced) point `manage_url` to the
forum's public page, since `notifications` requires a link for them. The personal calendar
link is given only with a current calendar token.

Messages that no longer make sense are not sent (`Obsolete`): a confirmation or reminder for a
registration cancelled meanwhile, a reminder that would arrive once the forum has begun, a
manage link replaced by a newer one. A row whose data is gone (`MessageDataError`) is dead.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import segno
from babel.dates import format_date
from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.db import db, utcnow
from app.core.i18n import pick
from app.core.presenters import clock, meeting_line, to_local, tz_abbrev
from app.core.tokens import checkin_qr, display_code, signed_manage_link, tokens_match
from app.feeds.calendars import (
    personal_calendar,
    personal_selection,
    session_calendar_for,
    speaker_calendar,
)
from app.models import (
    Announcement,
    Booking,
    Certificate,
    CommentEntry,
    Forum,
    ForumSession,
    OutboxMessage,
    Registration,
    Speaker,
    Venue,
)
from app.models.enums import AttendanceMode, ForumFormat, ForumStatus, PlaceStatus, SessionStatus
from app.models.staff import ProgrammeChange
from app.programme.checks import SPEAKER_KINDS
from app.programme.views import forum_path, main_venue, speaker_feed_path, speaker_path
from app.registration import certificates, feedback
from app.registration.access_requests import service_words
from app.registration.state import attendance_state
from app.registration.streams import Watchable, watchable_streams
from app.voices.common import VOICE_KINDS, comments_path, promised_streams
from notifications import Attachment, InlineImage, calendar_attachment
from notifications.messages import mailbox

#: Context keys that are secrets: removed from the stored row once it is sent or dead.
SECRET_KEYS = ("manage_token", "calendar_token", "confirm_token")

_ONLINE = {"ko": "온라인", "en": "Online"}
_TBA = {"ko": "미정", "en": "To be announced"}
_NO_MEETING = {"ko": "없음", "en": "None"}
_FORMATS = {
    "ko": {"in_person": "대면", "online": "온라인", "hybrid": "대면·온라인 병행"},
    "en": {"in_person": "In person", "online": "Online", "hybrid": "In person and online"},
}
_ROLES = {
    "ko": {
        "keynote": "기조연설자",
        "presenter": "발표자",
        "moderator": "좌장",
        "panelist": "패널",
        "host": "사회자",
        "guest": "초청 게스트",
    },
    "en": {
        "keynote": "Keynote speaker",
        "presenter": "Presenter",
        "moderator": "Moderator",
        "panelist": "Panelist",
        "host": "Host",
        "guest": "Guest",
    },
}
_LONG_DAY = {"ko": "y년 M월 d일 (E)", "en": "EEE, MMM d, y"}
_SHORT_DAY = {"ko": "M월 d일 (E)", "en": "EEE, MMM d"}


class MessageDataError(Exception):
    """The row can never become a message: what it refers to is gone or incomplete."""


class Obsolete(Exception):
    """The message should no longer go out; the reason is recorded on the row."""


@dataclass(frozen=True)
class Prepared:
    """Everything `notifications.build_message` needs besides the row's own fields."""

    kind: str  # usually the row's; a waitlist notice for someone since confirmed is upgraded
    context: dict[str, Any]
    to_name: str
    reply_to: str | None
    attachments: tuple[Attachment, ...]
    date: datetime  # the Date header: now, in the forum's time zone
    inline_images: tuple[InlineImage, ...] = ()


# -- formatting -------------------------------------------------------------------------------


def _day(value: date, locale: str, *, long: bool) -> str:
    patterns = _LONG_DAY if long else _SHORT_DAY
    return format_date(value, patterns[locale], locale=locale)


def span(start: datetime, end: datetime | None, tz: str, locale: str, *, long: bool) -> str:
    """'2025년 5월 14일 (수) 09:00–18:00 (KST)' (long) or 'Wed, May 14 10:00–11:30'."""
    a = to_local(start, tz)
    text = f"{_day(a.date(), locale, long=long)} {clock(a)}"
    if end is not None:
        b = to_local(end, tz)
        if b.date() == a.date():
            text += f"–{clock(b)}"
        else:
            text += f" – {_day(b.date(), locale, long=long)} {clock(b)}"
    if long:
        text += f" ({tz_abbrev(tz, start)})"
    return text


def forum_when(forum: Forum, locale: str) -> str:
    """The forum's dates and hours in its own zone, from its scheduled sessions."""
    sessions = [s for s in forum.sessions if s.status == SessionStatus.SCHEDULED] or list(
        forum.sessions
    )
    if sessions:
        start = min(s.starts_at for s in sessions)
        end = max(s.ends_at for s in sessions)
        return span(start, end, forum.timezone, locale, long=True)
    first = _day(forum.first_day, locale, long=True)
    if forum.last_day == forum.first_day:
        return first
    return f"{first} – {_day(forum.last_day, locale, long=True)}"


def _session_where(session: ForumSession, locale: str) -> str:
    if session.venue is not None:
        return pick(session.venue, "name", locale)
    return _ONLINE[locale] if session.format == ForumFormat.ONLINE else ""


def stream_item(stream: Watchable, locale: str) -> dict[str, Any]:
    """A stream for a message (notifications.messages.STREAM_KEYS): its label and its language
    named in the message's language."""
    return {
        "label": stream.label_in(locale),
        "url": stream.url,
        "registrants_only": stream.registrants_only,
        "kind": stream.kind,
        "language": stream.language_name(locale),
    }


def _http(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


QR_CID = "checkin-qr@madang"


def qr_image(code: str) -> InlineImage:
    """The check-in QR code as a PNG shown inline."""
    png = png_of(checkin_qr(current_app.config["SECRET_KEY"], code), scale=4, border=2)
    return InlineImage(QR_CID, png, "image/png", f"qr-{code}.png")


_DARK_BLACK = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # segno's 1 (dark) becomes black


def png_of(qr: segno.QRCode, *, scale: int, border: int) -> bytes:
    """A 1-bit PNG of `qr`, drawn by Pillow from segno's matrix: segno's own PNG writer is
    pure Python and cost more than building the rest of the message."""
    size = len(qr.matrix)
    image = Image.frombytes("L", (size, size), b"".join(qr.matrix).translate(_DARK_BLACK))
    side = (size + 2 * border) * scale
    image = ImageOps.expand(image, border=border, fill=255)
    image = image.resize((side, side), Image.Resampling.NEAREST).convert("1")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def calendar_attachment_for(
    registration: Registration, sessions: Iterable[ForumSession] | None = None
) -> bytes | None:
    """The registrant's sessions as an .ics (METHOD:PUBLISH), or None when there is none.

    The seam to the calendar builder: `app.feeds.calendars.personal_calendar` makes the same
    events, with the same UIDs, as the personal feed. `sessions` (the forum's, when the caller
    has them loaded) lets a registrant with nothing to put in a calendar skip building one.
    """
    if sessions is not None and not personal_selection(registration, sessions)[0]:
        return None
    ics = personal_calendar(registration)
    return ics if b"BEGIN:VEVENT" in ics else None


# -- the builder --------------------------------------------------------------------------------


class ContextBuilder:
    """Builds the messages of one batch; each forum is loaded once per batch."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = now or utcnow()
        self.base_url = current_app.config["BASE_URL"].rstrip("/")
        self._forums: dict[int, Forum] = {}
        self._registrations: dict[int, Registration | None] = {}
        self._announcements: dict[int, Announcement | None] = {}

    def prefetch(self, rows: Iterable[OutboxMessage]) -> None:
        """Load the registrations (with their bookings) of a whole batch in one go."""
        ids = {i for i in (_registration_id(row) for row in rows) if i is not None}
        ids -= set(self._registrations)
        if not ids:
            return
        found = db.session.scalars(
            select(Registration)
            .where(Registration.id.in_(ids))
            .options(selectinload(Registration.bookings).selectinload(Booking.session))
        ).all()
        self._registrations.update(dict.fromkeys(ids))
        self._registrations.update({r.id: r for r in found})

    # loading

    def _forum(self, forum_id: int) -> Forum:
        if forum_id not in self._forums:
            forum = db.session.scalars(
                select(Forum)
                .where(Forum.id == forum_id)
                .options(
                    selectinload(Forum.venues),
                    selectinload(Forum.streams),
                    selectinload(Forum.sessions).selectinload(ForumSession.venue),
                    selectinload(Forum.sessions).selectinload(ForumSession.streams),
                    selectinload(Forum.sessions).selectinload(ForumSession.speaker_links),
                )
            ).one_or_none()
            if forum is None:
                raise MessageDataError("the forum no longer exists")
            self._forums[forum_id] = forum
        return self._forums[forum_id]

    def _registration(self, row: OutboxMessage) -> Registration:
        self.prefetch([row])
        reg_id = _registration_id(row)
        registration = self._registrations.get(reg_id) if reg_id is not None else None
        if registration is None:
            raise MessageDataError("the registration no longer exists")
        if registration.anonymised_at is not None:
            raise Obsolete("the registration's personal data has been removed")
        return registration

    # pieces

    def _urls(
        self, row: OutboxMessage, registration: Registration
    ) -> tuple[str | None, str | None]:
        """The personal manage and calendar links, each only while its token is current."""
        manage = row.context.get("manage_token")
        calendar = row.context.get("calendar_token")
        manage_url = calendar_url = None
        if isinstance(manage, str) and tokens_match(manage, registration.manage_token_hash):
            manage_url = f"{self.base_url}/manage/{manage}"
        if isinstance(calendar, str) and tokens_match(calendar, registration.calendar_token_hash):
            calendar_url = f"{self.base_url}/calendar/{calendar}.ics"
        return manage_url, calendar_url

    def forum_url(self, forum: Forum) -> str:
        return self.base_url + forum_path(forum.slug)

    def _venue(self, forum: Forum, registration: Registration, locale: str) -> dict | None:
        """Where an in-person attendee goes: the forum's own venue (each booked session's room
        is listed with the session)."""
        if registration.attendance != AttendanceMode.IN_PERSON:
            return None
        venue = main_venue(forum)
        if venue is None:
            return None
        return {
            "name": pick(venue, "name", locale) or forum.slug,
            "building": pick(venue, "building", locale),
            "floor": pick(venue, "floor", locale),
            "room": pick(venue, "room", locale),
            "address": pick(venue, "address", locale),
            "access_notes": pick(venue, "accessibility_notes", locale),
            "map_url": venue.map_url if _http(venue.map_url) else "",
        }

    def _sessions(self, registration: Registration, forum: Forum, locale: str) -> list[dict]:
        items = []
        state = attendance_state(registration)
        bookings = sorted(
            (b for b in registration.bookings if b.status != PlaceStatus.CANCELLED),
            key=lambda b: (b.session.starts_at, b.session_id),
        )
        for booking in bookings:
            session = booking.session
            status = "cancelled" if session.status == SessionStatus.CANCELLED else booking.status
            items.append(
                {
                    "title": pick(session, "title", locale),
                    "when": span(
                        session.starts_at, session.ends_at, forum.timezone, locale, long=False
                    ),
                    "where": _session_where(session, locale),
                    "status": status,
                    "position": state.position_in(session.id)
                    if status == PlaceStatus.WAITLISTED
                    else None,
                    "meeting": meeting_line(session, forum.timezone, locale),
                    "meeting_note": pick(session, "meeting_note", locale),
                }
            )
        return items

    def _streams(self, registration: Registration, forum: Forum, locale: str) -> list[dict]:
        return [stream_item(s, locale) for s in watchable_streams(registration, forum, locale)]

    def _contact(self, forum: Forum, locale: str) -> tuple[str | None, str | None]:
        """(contact_email, Reply-To) from the forum's organiser, when the address is usable."""
        if not forum.organizer_email:
            return None, None
        try:
            address = mailbox(forum.organizer_email, pick(forum, "organizer_name", locale))
        except ValueError:
            return None, None
        return address.addr_spec, str(address)

    def _attending(
        self, row: OutboxMessage, registration: Registration, forum: Forum, locale: str
    ) -> dict[str, Any]:
        """The shared details of confirmed, waitlist_promoted and reminder."""
        manage_url, calendar_url = self._urls(row, registration)
        in_person = registration.attendance == AttendanceMode.IN_PERSON
        return {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "when": forum_when(forum, locale),
            "attendance_mode": registration.attendance,
            "confirmation_code": display_code(registration.confirmation_code),
            # None when the token was replaced since: the mail then says where the link is.
            "manage_url": manage_url,
            "forum_url": self.forum_url(forum),
            "calendar_url": calendar_url,
            "venue": self._venue(forum, registration, locale),
            "qr_src": f"cid:{QR_CID}" if in_person else None,  # see prepare()
            "streams": self._streams(registration, forum, locale),
            "sessions": self._sessions(registration, forum, locale),
        }

    # the kinds

    def prepare(self, row: OutboxMessage) -> Prepared:
        """Build one row's message data; raises MessageDataError, Obsolete or ValueError."""
        if row.kind in SPEAKER_KINDS:
            return self._prepare_speaker(row)
        if row.kind in VOICE_KINDS:
            return self._prepare_participant(row)
        registration = self._registration(row)
        forum = self._forum(registration.forum_id)
        locale = row.locale
        build = getattr(self, f"_kind_{row.kind}", None)
        if build is None:
            raise MessageDataError(f"unknown message kind {row.kind!r}")
        kind, context, attachments = build(row, registration, forum, locale)
        contact_email, reply_to = self._contact(forum, locale)
        context["contact_email"] = contact_email
        shows_qr = context.get("qr_src") == f"cid:{QR_CID}"
        return Prepared(
            kind=kind,
            context=context,
            to_name=registration.name,
            reply_to=reply_to,
            attachments=tuple(attachments),
            date=to_local(self.now, forum.timezone),
            inline_images=(qr_image(registration.confirmation_code),) if shows_qr else (),
        )

    # speakers' own mail: no registration, a speaker of the forum

    def _prepare_speaker(self, row: OutboxMessage) -> Prepared:
        speaker_id = (row.context or {}).get("speaker_id")
        speaker = db.session.get(Speaker, speaker_id) if isinstance(speaker_id, int) else None
        if speaker is None:
            raise MessageDataError("the speaker no longer exists")
        if not speaker.email:
            raise Obsolete("the speaker's address has been removed")
        forum = self._forum(speaker.forum_id)
        locale = row.locale
        build = getattr(self, f"_kind_{row.kind}")
        context = build(row, speaker, forum, locale)
        contact_email, reply_to = self._contact(forum, locale)
        context["contact_email"] = contact_email
        published = forum.status == ForumStatus.PUBLISHED
        context["feed_url"] = (
            self.base_url + speaker_feed_path(forum.slug, speaker.id) if published else None
        )
        context["forum_url"] = (
            self.base_url + speaker_path(forum.slug, speaker.id) if published else None
        )
        context["connection_details"] = speaker.connection_details or None
        ics = speaker_calendar(speaker.id, forum.id)
        filename = f"{forum.slug}-speaker-{speaker.id}.ics"
        return Prepared(
            kind=row.kind,
            context=context,
            to_name=pick(speaker, "name", locale),
            reply_to=reply_to,
            attachments=(calendar_attachment(ics, filename),) if ics else (),
            date=to_local(self.now, forum.timezone),
            inline_images=(),
        )

    # a comment event's participants: an entry, not a registration

    def _prepare_participant(self, row: OutboxMessage) -> Prepared:
        entry_id = (row.context or {}).get("entry_id")
        entry = db.session.get(CommentEntry, entry_id) if isinstance(entry_id, int) else None
        if entry is None:
            raise MessageDataError("the comment event's entry no longer exists")
        if not entry.email or entry.anonymised_at is not None:
            raise Obsolete("the participant's address has been removed")
        event = entry.event
        forum = self._forum(event.forum_id)
        locale = row.locale
        context: dict[str, Any] = {
            "recipient_name": entry.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
        }
        wall_url = self.base_url + comments_path(forum.slug)
        if row.kind == "draw_won":
            context["prize"] = pick(event, "prize", locale) or "-"
            context["draw_url"] = wall_url + "/draw"
        else:
            context["prompt"] = pick(event, "prompt", locale)
            context["comment"] = entry.text
            if row.kind == "comment_confirm":
                token = row.context.get("confirm_token")
                if entry.confirmed_at is not None:
                    raise Obsolete("the address is confirmed already")
                if (
                    not isinstance(token, str)
                    or not entry.confirm_token_hash
                    or not (tokens_match(token, entry.confirm_token_hash))
                ):
                    raise Obsolete("a newer confirmation link replaced this one")
                context["confirm_url"] = f"{wall_url}/confirm/{token}"
            else:
                context["wall_url"] = wall_url
                context["reward_note"] = pick(event, "reward_note", locale) or None
                context["streams"] = [
                    stream_item(s, locale) for s in promised_streams(event, forum)
                ]
        contact_email, reply_to = self._contact(forum, locale)
        context["contact_email"] = contact_email
        context["forum_url"] = self.forum_url(forum)
        return Prepared(
            kind=row.kind,
            context=context,
            to_name=entry.name,
            reply_to=reply_to,
            attachments=(),
            date=to_local(self.now, forum.timezone),
            inline_images=(),
        )

    def _speaker_sessions(self, speaker: Speaker, forum: Forum, locale: str) -> list[dict]:
        items = []
        for session in forum.sessions:
            link = next((li for li in session.speaker_links if li.speaker_id == speaker.id), None)
            if link is None:
                continue
            items.append(
                {
                    "title": pick(session, "title", locale) or f"#{session.id}",
                    "when": span(
                        session.starts_at, session.ends_at, forum.timezone, locale, long=True
                    ),
                    "where": _session_where(session, locale),
                    "role": _ROLES[locale].get(link.role, link.role),
                    "format": _FORMATS[locale].get(session.format, session.format),
                    "cancelled": session.status == SessionStatus.CANCELLED,
                    "meeting": meeting_line(session, forum.timezone, locale),
                }
            )
        return items

    def _kind_speaker_programme(self, row, speaker, forum, locale):
        sessions = self._speaker_sessions(speaker, forum, locale)
        if not sessions:
            raise Obsolete("the speaker is on no session any more")
        return {
            "recipient_name": pick(speaker, "name", locale),
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "when": forum_when(forum, locale),
            "speaker_sessions": sessions,
        }

    def _kind_speaker_session_changed(self, row, speaker, forum, locale):
        session_id = row.context.get("session_id")
        session = next((s for s in forum.sessions if s.id == session_id), None)
        if session is None:
            raise MessageDataError("the session no longer exists")
        if not any(li.speaker_id == speaker.id for li in session.speaker_links):
            raise Obsolete("the speaker is no longer on this session")
        cancelled = session.status == SessionStatus.CANCELLED
        changes = (
            []
            if cancelled
            else self._change_items(self._changes(row, session), session, forum, locale)
        )
        if not cancelled and not changes:
            raise Obsolete("nothing a speaker needs to know changed (or it changed back)")
        return {
            "recipient_name": pick(speaker, "name", locale),
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "session_title": pick(session, "title", locale) or f"#{session.id}",
            "cancelled": cancelled,
            "changes": changes,
            "note": row.context.get("note") or None,
        }

    def _changes(self, row: OutboxMessage, session: ForumSession) -> list[ProgrammeChange]:
        """The programme changes a notice carries (merged notices carry several)."""
        change_ids = [i for i in row.context.get("change_ids") or () if isinstance(i, int)]
        if not change_ids:
            return []
        return list(
            db.session.scalars(
                select(ProgrammeChange)
                .where(
                    ProgrammeChange.id.in_(change_ids),
                    ProgrammeChange.session_id == session.id,
                )
                .order_by(ProgrammeChange.created_at, ProgrammeChange.id)
            )
        )

    def _personal_ics(self, registration: Registration, forum: Forum) -> list[Attachment]:
        ics = calendar_attachment_for(registration, forum.sessions)
        return [calendar_attachment(ics, f"{forum.slug}.ics")] if ics else []

    def _kind_registration_confirmed(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration was cancelled before the confirmation went out")
        context = self._attending(row, registration, forum, locale)
        return "registration_confirmed", context, self._personal_ics(registration, forum)

    def _kind_registration_waitlisted(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration was cancelled before the notice went out")
        state = attendance_state(registration)
        if state.mail_kind != "registration_waitlisted":
            # The forum place came through before this notice left: say so instead.
            return self._kind_registration_confirmed(row, registration, forum, locale)
        position = state.forum_position
        manage_url, _ = self._urls(row, registration)
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "when": forum_when(forum, locale),
            "position": position,
            "manage_url": manage_url or self.forum_url(forum),
            "confirmation_code": display_code(registration.confirmation_code),
            "sessions": self._sessions(registration, forum, locale),
        }
        return "registration_waitlisted", context, []

    def _kind_waitlist_promoted(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration was cancelled before the notice went out")
        context = self._attending(row, registration, forum, locale)
        session_id = row.context.get("session_id")
        promoted = next((s for s in forum.sessions if s.id == session_id), None)
        context["promoted_session"] = pick(promoted, "title", locale) if promoted else None
        return "waitlist_promoted", context, self._personal_ics(registration, forum)

    def _kind_reminder(self, row, registration, forum, locale):
        if registration.status != PlaceStatus.CONFIRMED:
            raise Obsolete(f"the registration is {registration.status}")
        today = to_local(self.now, forum.timezone).date()
        if today >= forum.first_day:
            raise Obsolete("the forum has begun: a 'tomorrow' reminder would be wrong")
        return "reminder", self._attending(row, registration, forum, locale), []

    def _kind_announcement(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration was cancelled before the announcement went out")
        announcement_id = row.announcement_id
        if announcement_id not in self._announcements:
            self._announcements[announcement_id] = (
                db.session.get(Announcement, announcement_id) if announcement_id else None
            )
        announcement = self._announcements[announcement_id]
        if announcement is None:
            raise MessageDataError("the announcement no longer exists")
        context = self.announcement_context(
            announcement,
            forum,
            locale,
            recipient_name=registration.name,
            manage_url=self._signed_manage_url(registration),
        )
        return "announcement", context, []

    def _kind_feedback_request(self, row, registration, forum, locale):
        survey = feedback.survey_for_mail(registration)
        if survey is None:
            raise Obsolete("answered already, or no longer someone who attended")
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "survey_url": f"{self._signed_manage_url(registration)}/feedback",
            "forum_url": self.forum_url(forum),
        }
        return "feedback_request", context, []

    def _signed_manage_url(self, registration: Registration) -> str:
        """The person's manage page by a signed link (see `signed_manage_link`)."""
        link = signed_manage_link(
            current_app.config["SECRET_KEY"], registration.id, registration.manage_token_hash
        )
        return f"{self.base_url}/manage/{link}"

    def _kind_certificate(self, row, registration, forum, locale):
        certificate = db.session.scalar(
            select(Certificate).where(
                Certificate.forum_id == forum.id, Certificate.registration_id == registration.id
            )
        )
        if certificate is None:
            raise MessageDataError("the certificate no longer exists")
        code = certificates.display(certificate.code)
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "when": forum_when(forum, locale),
            "certificate_code": code,
            "verify_url": certificates.verify_url(code),
            "forum_url": self.forum_url(forum),
        }
        pdf = Attachment(
            filename=certificates.pdf_filename(forum, certificate),
            content=certificates.certificate_pdf(certificate),
            mimetype="application/pdf",
        )
        return "certificate", context, [pdf]

    def announcement_context(
        self,
        announcement: Announcement,
        forum: Forum,
        locale: str,
        *,
        recipient_name: str,
        manage_url: str,
    ) -> dict[str, Any]:
        """What an announcement says to one person (the organizer's preview shows the same)."""
        return {
            "recipient_name": recipient_name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "headline": announcement.subject(locale),
            "message": announcement.body(locale),
            "manage_url": manage_url,
            "forum_url": self.forum_url(forum),
        }

    def _kind_service_answer(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration was cancelled before the answer went out")
        session_id = row.context.get("session_id")
        session = next((s for s in forum.sessions if s.id == session_id), None)
        kind, language = row.context.get("kind"), row.context.get("language") or ""
        if session is None or not isinstance(kind, str):
            raise MessageDataError("the session or the service asked for no longer exists")
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "session_title": pick(session, "title", locale) or f"#{session.id}",
            "service": service_words(kind, language, locale),
            "answer": row.context.get("answer"),
            "when": span(session.starts_at, session.ends_at, forum.timezone, locale, long=True),
            "note": row.context.get("note") or None,
            "manage_url": self._signed_manage_url(registration),
            "forum_url": f"{self.forum_url(forum)}/sessions/{session.id}",
        }
        return "service_answer", context, []

    def _kind_registration_cancelled(self, row, registration, forum, locale):
        # Registering again with the same address brings a cancelled registration back.
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "when": forum_when(forum, locale),
            "cancelled_by": row.context.get("cancelled_by") or "self",
            "reason": row.context.get("reason") or None,
            "register_url": f"{self.forum_url(forum)}/register",
        }
        return "registration_cancelled", context, []

    def _kind_manage_link(self, row, registration, forum, locale):
        manage_url, _ = self._urls(row, registration)
        if manage_url is None:
            if not row.context.get("manage_token"):
                raise MessageDataError("no manage token in the message")
            raise Obsolete("a newer manage link has replaced this one")
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "manage_url": manage_url,
            "when": forum_when(forum, locale),
        }
        return "manage_link", context, []

    def _kind_session_changed(self, row, registration, forum, locale):
        if registration.status == PlaceStatus.CANCELLED:
            raise Obsolete("the registration has been cancelled")
        session_id = row.context.get("session_id")
        session = next((s for s in forum.sessions if s.id == session_id), None)
        if session is None:
            raise MessageDataError("the session no longer exists")
        changes = self._changes(row, session)
        cancelled = session.status == SessionStatus.CANCELLED
        items = [] if cancelled else self._change_items(changes, session, forum, locale)
        if not cancelled and not items:
            raise Obsolete("nothing a registrant needs to know changed (or it changed back)")
        _, calendar_url = self._urls(row, registration)
        context = {
            "recipient_name": registration.name,
            "forum_title": pick(forum, "title", locale) or forum.slug,
            "session_title": pick(session, "title", locale) or f"#{session.id}",
            # No manage token exists here: the mail says where the person's link is.
            "manage_url": None,
            "forum_url": f"{self.forum_url(forum)}/sessions/{session.id}",
            "cancelled": cancelled,
            "changes": items,
            "note": row.context.get("note") or None,
            "calendar_url": calendar_url,
        }
        ics = session_calendar_for(registration, session)
        filename = f"{forum.slug}-session-{session.id}.ics"
        attachments = [calendar_attachment(ics, filename)] if ics else []
        return "session_changed", context, attachments

    # programme changes: `before` / `after` hold the fields that changed

    def _change_items(
        self,
        changes: Sequence[ProgrammeChange],
        session: ForumSession,
        forum: Forum,
        locale: str,
    ) -> list[dict[str, str]]:
        """Old -> new per field (time, venue, format, title, status), from the first change's
        `before` to the last one's `after`; a field that ends where it started is left out."""
        first: dict[str, Any] = {}
        last: dict[str, Any] = {}
        for change in changes:
            for key, value in (change.before or {}).items():
                first.setdefault(key, value)
            last.update(change.after or {})
        items = []
        for field, keys in (
            ("time", ("starts_at", "ends_at")),
            ("venue", ("venue_id", "venue")),
            ("format", ("format",)),
            ("title", ("title_ko", "title_en")),
            ("meeting", ("meeting_point_ko", "meeting_point_en", "meeting_at")),
            ("status", ("status",)),
        ):
            if not any(k in first or k in last for k in keys):
                continue
            old = self._describe(field, first, session, forum, locale, side="before")
            new = self._describe(field, last, session, forum, locale, side="after")
            if old != new:
                items.append({"field": field, "old": old, "new": new})
        return items

    def _describe(
        self,
        field: str,
        values: Mapping[str, Any],
        session: ForumSession,
        forum: Forum,
        locale: str,
        *,
        side: str,
    ) -> str:
        if field == "meeting":
            return meeting_line(values, forum.timezone, locale) or _NO_MEETING[locale]
        if field == "time":
            start = _when(values.get("starts_at"))
            end = _when(values.get("ends_at"))
            if start is None and end is None:
                return ""
            if side == "after":  # fill an unchanged bound from the session as it is now
                start, end = start or session.starts_at, end or session.ends_at
            if start is None:
                return ""
            return span(start, end, forum.timezone, locale, long=False)
        if field == "venue":
            if "venue_id" in values:
                venue = (
                    db.session.get(Venue, values["venue_id"])
                    if isinstance(values["venue_id"], int)
                    else None
                )
                return pick(venue, "name", locale) if venue is not None else _TBA[locale]
            name = values.get("venue")
            if isinstance(name, Mapping):
                return str(name.get(f"name_{locale}") or name.get("name") or "")
            return str(name or "")
        if field == "title":
            ko, en = str(values.get("title_ko") or ""), str(values.get("title_en") or "")
            return (ko or en) if locale == "ko" else (en or ko)
        if field == "status":
            value = values.get("status")
            return _STATUSES[locale].get(str(value), str(value or ""))
        value = values.get("format")
        return _FORMATS[locale].get(str(value), str(value or ""))


_STATUSES = {
    "ko": {"scheduled": "예정대로 진행", "cancelled": "취소"},
    "en": {"scheduled": "back on the programme", "cancelled": "cancelled"},
}


def _registration_id(row: OutboxMessage) -> int | None:
    value = row.registration_id or (row.context or {}).get("registration_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def scrubbed(context: Mapping[str, Any], keys: Iterable[str] = SECRET_KEYS) -> dict[str, Any]:
    """The context without its secrets."""
    drop = set(keys)
    return {k: v for k, v in context.items() if k not in drop}


__all__ = [
    "SECRET_KEYS",
    "ContextBuilder",
    "MessageDataError",
    "Obsolete",
    "Prepared",
    "calendar_attachment_for",
    "forum_when",
    "qr_image",
    "scrubbed",
    "span",
]
