"""The day of the forum: look-ups at the desk, check-ins, walk-ins, overrides, counts and the
now-and-next display at a venue's door.

Check-ins are taken like seats: one conditional UPDATE (`SET checked_in_at = now WHERE id = :id
AND checked_in_at IS NULL`) whose row count decides, inside a write transaction (BEGIN IMMEDIATE
on SQLite). Two desks scanning the same person at the same moment record one check-in; the
other is told when and by whom it was done. Every check-in (and check-out) is also a row of its
own in `checkins`: who, forum or session, when, which desk and operator, in or out.

A QR payload carries only the confirmation code and its HMAC: a forged, truncated or garbled
scan is refused by `parse_input` before the database is asked anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.db import ID_MAX, db, utcnow, write_transaction
from app.models import (
    AuditEntry,
    Booking,
    CheckIn,
    Forum,
    ForumSession,
    ProgrammeChange,
    Registration,
    SessionSpeaker,
    User,
    Venue,
)
from app.services import outbox
from app.services import registration as registrations
from app.services.access import can_organize
from app.services.errors import (
    AlreadyRegistered,
    DomainError,
    Forbidden,
    NotFound,
    RegistrationCancelled,
    ValidationFailed,
)
from app.services.tokens import (
    CODE_ALPHABET,
    CODE_LENGTH,
    QR_PREFIX,
    hash_token,
    is_well_formed_code,
    new_confirmation_code,
    new_token,
    normalise_code,
    verify_checkin_payload,
)

INPUT_MAX = 200
SEARCH_MIN = 2
SEARCH_LIMIT = 20
DESK_LABEL_MAX = 100
REASON_MAX = 500
KIOSK_DESK = "kiosk"
# MDG1:ABCDEFGH:0123456789abcdef
PAYLOAD_LENGTH = len(QR_PREFIX) + 1 + CODE_LENGTH + 1 + 16
_HEX = set("0123456789abcdefABCDEF")
_TYPED_CODE = re.compile(r"^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$")


# ------------------------------------------------------------------------------ errors


class InvalidInput(DomainError):
    """What was scanned or typed is no code, payload or search; refused before any look-up.

    `reason`: garbage, truncated, forged, malformed_code, empty, too_short, code_only.
    """

    status = 422
    code = "invalid_input"
    public_details = ("reason",)

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


class UnknownCode(NotFound):
    code = "unknown_code"


class OtherForum(DomainError):
    """A genuine code of another forum. Carries that forum's (public) title, nobody's data."""

    status = 409
    code = "other_forum"


class NotAdmitted(DomainError):
    """The person holds no place here. `reason`: waitlisted, online, not_booked,
    session_waitlisted, session_cancelled, not_checked_in."""

    status = 409
    code = "not_admitted"
    public_details = ("reason",)

    def __init__(self, reason: str, message: str, **details: object) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


class DeskClosed(DomainError):
    status = 409
    code = "desk_closed"


class OnsiteRegistrationClosed(DomainError):
    status = 409
    code = "onsite_registration_closed"


class ForumFull(DomainError):
    status = 409
    code = "forum_full"


# ------------------------------------------------------------------------- the desk itself


@dataclass(frozen=True)
class Desk:
    """Where a check-in happens: a forum, who operates it (None: the self check-in kiosk),
    the desk's name, and the session it checks people into (None: the forum's entrance)."""

    forum: Forum
    operator: User | None
    label: str = ""
    session: ForumSession | None = None

    @property
    def name(self) -> str:
        if self.operator is None:
            return KIOSK_DESK
        return clean_desk_label(self.label)


def clean_desk_label(raw: str | None) -> str:
    text = unicodedata.normalize("NFC", (raw or "").strip())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Zl", "Zp"))
    return text[:DESK_LABEL_MAX]


def forum_by_slug(slug: str) -> Forum | None:
    """Any forum, draft or published (desk staff prepare drafts too)."""
    if not slug or len(slug) > 80:
        return None
    return db.session.scalar(select(Forum).where(Forum.slug == slug))


def all_forums() -> list[Forum]:
    """Every forum, the latest first (the desk index filters by who may work each desk)."""
    return list(db.session.scalars(select(Forum).order_by(Forum.first_day.desc(), Forum.id)))


def published_forum(slug: str) -> Forum | None:
    forum = forum_by_slug(slug)
    return forum if forum is not None and forum.status == "published" else None


def operator_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.name or user.email


# ------------------------------------------------------------------------- the desk's hours


@dataclass(frozen=True)
class DeskState:
    """Whether the desk is open at a moment, and why: `forum_day` or `not_forum_day` (by
    itself), `opened` or `closed` (an organizer's override)."""

    is_open: bool
    why: Literal["forum_day", "not_forum_day", "opened", "closed"]
    local_day: date


def local_today(forum: Forum, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(forum.timezone)).date()


def desk_state(forum: Forum, now: datetime | None = None) -> DeskState:
    """Open by itself on the forum's days (in its time zone), unless an organizer opened it
    earlier (a tour the day before) or closed it."""
    today = local_today(forum, now)
    if forum.desk_override == "open":
        return DeskState(True, "opened", today)
    if forum.desk_override == "closed":
        return DeskState(False, "closed", today)
    if forum.first_day <= today <= forum.last_day:
        return DeskState(True, "forum_day", today)
    return DeskState(False, "not_forum_day", today)


def _require_open(forum: Forum, now: datetime) -> None:
    if not desk_state(forum, now).is_open:
        raise DeskClosed(
            _(
                "The desk is closed. It opens by itself on the forum's days; an organizer can"
                " open it earlier in the desk settings."
            )
        )


def walk_in_state(forum: Forum, now: datetime | None = None) -> str:
    """'open', or why walk-ins are refused: 'online_only', 'onsite_off', 'desk_closed'."""
    if forum.format == "online":
        return "online_only"
    if not forum.onsite_registration:
        return "onsite_off"
    if not desk_state(forum, now).is_open:
        return "desk_closed"
    return "open"


# ------------------------------------------------------------------- reading what was typed


@dataclass(frozen=True)
class ParsedInput:
    """A confirmation code (from a signed QR payload or typed), or a search."""

    kind: Literal["code", "search"]
    value: str
    scanned: bool = False
    # A typed code that might also be a name (PARKJUNE): searched when no code matches.
    could_be_name: bool = False


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def _garbage() -> InvalidInput:
    return InvalidInput(
        "garbage",
        _(
            "This is not a Madang QR code or confirmation code. Scan the QR code on the"
            " confirmation, or type the 8-character code."
        ),
    )


def _truncated() -> InvalidInput:
    return InvalidInput(
        "truncated",
        _("The QR code was read only in part. Scan it again, holding it steady."),
    )


def _forged() -> InvalidInput:
    return InvalidInput(
        "forged",
        _(
            "This QR code's signature is not valid: it was not issued by this site, or it was"
            " altered. Nobody was looked up. Ask for the confirmation code or search by name."
        ),
    )


def _classify_payload(text: str) -> InvalidInput:
    """Why a payload starting with the prefix failed: truncated, forged or garbage."""
    parts = text.split(":")
    if len(parts) > 3 or parts[0].upper() != QR_PREFIX:
        return _garbage()
    code = parts[1].upper() if len(parts) > 1 else ""
    signature = parts[2] if len(parts) > 2 else ""
    if any(ch not in CODE_ALPHABET for ch in code) or any(ch not in _HEX for ch in signature):
        return _garbage()
    if len(code) == CODE_LENGTH and len(signature) == 16:
        return _forged()
    if len(code) > CODE_LENGTH or len(signature) > 16:
        return _garbage()
    # A prefix of a well-shaped payload: the scanner stopped early.
    return _truncated()


def parse_input(raw: str | None, *, allow_search: bool = True, secret: str | None = None):
    """What the desk's one field holds: a signed QR payload, a typed code, or a search.

    Pure: nothing is looked up. Raises InvalidInput for garbage, a truncated or forged payload,
    a mistyped code, an empty or too short search, or a search where only codes are allowed
    (the kiosk).
    """
    secret = secret if secret is not None else current_app.config["SECRET_KEY"]
    text = unicodedata.normalize("NFC", raw or "").strip()
    if not text:
        raise InvalidInput(
            "empty", _("Scan a QR code, type a confirmation code or a name to search.")
        )
    if len(text) > INPUT_MAX or _has_controls(text):
        raise _garbage()
    if text[: len(QR_PREFIX)].upper() == QR_PREFIX and (
        len(text) == len(QR_PREFIX) or text[len(QR_PREFIX)] == ":"
    ):
        parts = text.split(":")
        canonical = (
            f"{QR_PREFIX}:{parts[1].upper()}:{parts[2].lower()}" if len(parts) == 3 else text
        )
        code = verify_checkin_payload(secret, canonical)
        if code is None:
            raise _classify_payload(text)
        return ParsedInput("code", code, scanned=True)
    if text[: len(QR_PREFIX)].upper() == QR_PREFIX and not text[len(QR_PREFIX)].isalnum():
        # Our prefix with another separator: a scanner on the wrong keyboard layout.
        raise _garbage()
    if ":" in text or not any(unicodedata.category(ch).startswith("L") for ch in text):
        # Another kind of QR code or barcode (a URL, an EAN number): not ours.
        raise _garbage()
    if _TYPED_CODE.match(text):
        code = normalise_code(text)
        letters_only = code.isalpha() and "-" not in text and " " not in text
        if is_well_formed_code(code):
            return ParsedInput("code", code, could_be_name=letters_only and allow_search)
        if not letters_only:
            raise InvalidInput(
                "malformed_code",
                _(
                    "This is not a valid confirmation code: codes have 8 characters, letters"
                    " and the digits 2 to 9 (there is no 0, O, 1, I or L). Check it and try"
                    " again."
                ),
            )
    if not allow_search:
        raise InvalidInput(
            "code_only",
            _("Scan your QR code, or type your 8-character confirmation code."),
        )
    if len(text) < SEARCH_MIN:
        raise InvalidInput(
            "too_short",
            _("Type at least %(n)d characters to search.", n=SEARCH_MIN),
        )
    return ParsedInput("search", text)


# ------------------------------------------------------------------------------ look-ups


def _registration_with_code(code: str) -> Registration | None:
    """The one look-up by code (any forum), with the sessions the desk shows."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.confirmation_code == code)
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
    )


def find_by_code(forum: Forum, code: str) -> Registration:
    registration = _registration_with_code(code)
    if registration is None:
        raise UnknownCode(_("No registration has this code. Check the code, or search by name."))
    if registration.forum_id != forum.id:
        other = db.session.get(Forum, registration.forum_id)
        raise OtherForum(
            _(
                "This code belongs to another forum (%(title)s), not to this one.",
                title=(other.title_en or other.title_ko) if other else "",
            ),
            forum_slug=other.slug if other else "",
        )
    return registration


def registration_for_desk(forum: Forum, registration_id: int) -> Registration:
    """A registration of this forum by id; NotFound for any other id."""
    registration = None
    if 0 < registration_id <= ID_MAX:
        registration = db.session.scalar(
            select(Registration)
            .where(Registration.id == registration_id, Registration.forum_id == forum.id)
            .options(selectinload(Registration.bookings).selectinload(Booking.session))
        )
    if registration is None:
        raise NotFound(_("There is no such registration at this forum."))
    return registration


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class SearchResult:
    text: str
    matches: list[Registration]
    more: bool


def search(forum: Forum, text: str, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    """People of this forum whose name (Korean or Latin, partial, with or without spaces),
    email or affiliation contains `text`. Bound parameters only; LIKE wildcards typed in the
    field are matched literally."""
    needle = unicodedata.normalize("NFC", text).strip()
    pattern = f"%{_escape_like(needle)}%"
    squeezed = f"%{_escape_like(needle.replace(' ', ''))}%"
    email_pattern = f"%{_escape_like(needle.casefold())}%"
    rows = db.session.scalars(
        select(Registration)
        .where(
            Registration.forum_id == forum.id,
            Registration.anonymised_at.is_(None),
            or_(
                Registration.name.ilike(pattern, escape="\\"),
                func.replace(Registration.name, " ", "").ilike(squeezed, escape="\\"),
                Registration.affiliation.ilike(pattern, escape="\\"),
                Registration.email_normalized.like(email_pattern, escape="\\"),
            ),
        )
        .order_by(Registration.name, Registration.id)
        .limit(limit + 1)
    ).all()
    return SearchResult(needle, list(rows[:limit]), len(rows) > limit)


# ------------------------------------------------------------------------------ check-in


@dataclass
class CheckInResult:
    """A check-in made now (`first`), or the one made before: when, by whom, at which desk."""

    registration: Registration
    first: bool
    at: datetime
    by: str
    desk: str
    session: ForumSession | None = None


@dataclass
class ScanResult:
    """What the desk's field led to: a check-in, or a list of people to choose from."""

    checked_in: CheckInResult | None = None
    search: SearchResult | None = None


def _claim_forum_checkin(registration_id: int, now: datetime) -> bool:
    """The guard: one conditional UPDATE. Two desks at once: exactly one sees a row count of 1
    (PostgreSQL re-checks the WHERE after the row lock; SQLite holds the write lock)."""
    result = db.session.execute(
        update(Registration)
        .where(
            Registration.id == registration_id,
            Registration.checked_in_at.is_(None),
            Registration.status == "confirmed",
            Registration.attendance == "in_person",
        )
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _claim_session_checkin(booking_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.checked_in_at.is_(None),
            Booking.status == "confirmed",
        )
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refuse_unless_admitted(desk: Desk, registration: Registration) -> Booking | None:
    """Raise the clear refusal for a person who holds no place here; the booking for a
    session desk."""
    if registration.status == "cancelled":
        raise RegistrationCancelled(
            _("This registration was cancelled. Do not check this person in with it."),
            registration_id=registration.id,
        )
    if desk.session is not None:
        booking = next((b for b in registration.bookings if b.session_id == desk.session.id), None)
        if booking is None:
            raise NotAdmitted(
                "not_booked",
                _("This person has no place in this session."),
                registration_id=registration.id,
            )
        if booking.status == "waitlisted":
            raise NotAdmitted(
                "session_waitlisted",
                _(
                    "This person is on the waiting list of this session (position %(n)s),"
                    " without a seat.",
                    n=registrations.booking_waitlist_position(booking) or "?",
                ),
                registration_id=registration.id,
            )
        if booking.status == "cancelled":
            raise NotAdmitted(
                "session_cancelled",
                _("This person cancelled their place in this session."),
                registration_id=registration.id,
            )
        return booking
    if registration.status == "waitlisted":
        position = registrations.forum_waitlist_position(registration)
        raise NotAdmitted(
            "waitlisted",
            _(
                "This person is only on the waiting list (position %(n)s) and has no"
                " in-person place. An organizer can admit them beyond capacity.",
                n=position or "?",
            ),
            position=position,
            registration_id=registration.id,
        )
    if registration.attendance != "in_person":
        raise NotAdmitted(
            "online",
            _(
                "This person registered to attend online and holds no in-person place."
                " Register them as a walk-in if places are left."
            ),
            registration_id=registration.id,
        )
    return None


def _first_checkin_row(registration_id: int, session_id: int | None) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn)
        .where(
            CheckIn.registration_id == registration_id,
            CheckIn.session_id.is_(None)
            if session_id is None
            else CheckIn.session_id == session_id,
            CheckIn.direction == "in",
        )
        .order_by(CheckIn.created_at, CheckIn.id)
        .limit(1)
    )


def check_in(desk: Desk, registration: Registration, *, now: datetime | None = None):
    """Check a person in at the desk (the forum, or the desk's session). The first desk gets
    `first=True`; any later or simultaneous one gets the earlier check-in's time and operator.
    Raises OtherForum, DeskClosed, RegistrationCancelled or NotAdmitted."""
    now = now or utcnow()
    forum = desk.forum
    if registration.forum_id != forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    _require_open(forum, now)
    booking = _refuse_unless_admitted(desk, registration)
    registration_id, forum_id = registration.id, forum.id
    session_id = desk.session.id if desk.session is not None else None
    booking_id = booking.id if booking is not None else None
    operator_id = desk.operator.id if desk.operator is not None else None

    with write_transaction():
        if booking_id is None:
            first = _claim_forum_checkin(registration_id, now)
        else:
            first = _claim_session_checkin(booking_id, now)
        if first:
            db.session.add(
                CheckIn(
                    registration_id=registration_id,
                    forum_id=forum_id,
                    session_id=session_id,
                    direction="in",
                    desk=desk.name,
                    operator_id=operator_id,
                    created_at=now,
                )
            )
        fresh = db.session.get(Registration, registration_id, populate_existing=True)
        if not first:
            # Lost the race, or the state changed since the look-up: say which.
            _refuse_unless_admitted(desk, fresh)
        if session_id is None:
            at = fresh.checked_in_at
        else:
            at = db.session.scalar(select(Booking.checked_in_at).where(Booking.id == booking_id))
        row = None if first else _first_checkin_row(registration_id, session_id)
        by = operator_name(desk.operator) if first else operator_name(row.operator if row else None)
        desk_name = desk.name if first else (row.desk if row else "")
    return CheckInResult(fresh, first, at or now, by, desk_name, desk.session)


def scan(
    desk: Desk,
    raw: str | None,
    *,
    allow_search: bool = True,
    now: datetime | None = None,
    secret: str | None = None,
) -> ScanResult:
    """The desk's one field: a QR payload or code checks the person in at once; anything else
    is a search. The kiosk and the API pass `allow_search=False`."""
    parsed = parse_input(raw, allow_search=allow_search, secret=secret)
    if parsed.kind == "code":
        try:
            registration = find_by_code(desk.forum, parsed.value)
        except UnknownCode:
            if not parsed.could_be_name:
                raise
            return ScanResult(search=search(desk.forum, raw or ""))
        return ScanResult(checked_in=check_in(desk, registration, now=now))
    return ScanResult(search=search(desk.forum, parsed.value))


def check_out(desk: Desk, registration: Registration, *, now: datetime | None = None) -> CheckIn:
    """Record that a checked-in person left (the forum, or the desk's session): a row of its
    own; the first check-in time stays."""
    now = now or utcnow()
    if registration.forum_id != desk.forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    _require_open(desk.forum, now)
    if desk.session is None:
        checked_in = registration.checked_in_at is not None
    else:
        checked_in = any(
            b.session_id == desk.session.id and b.checked_in_at is not None
            for b in registration.bookings
        )
    if not checked_in:
        raise NotAdmitted("not_checked_in", _("This person has not checked in yet."))
    with write_transaction():
        row = CheckIn(
            registration_id=registration.id,
            forum_id=desk.forum.id,
            session_id=desk.session.id if desk.session is not None else None,
            direction="out",
            desk=desk.name,
            operator_id=desk.operator.id if desk.operator is not None else None,
            created_at=now,
        )
        db.session.add(row)
    return row


def history(registration: Registration) -> list[CheckIn]:
    """Every pass through a door of this person, oldest first."""
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.registration_id == registration.id)
            .options(selectinload(CheckIn.operator))
            .order_by(CheckIn.created_at, CheckIn.id)
        )
    )


# ---------------------------------------------------------------------------- sessions


def desk_sessions(forum: Forum) -> list[ForumSession]:
    """Sessions with seats of their own (a tour, a site visit): the ones a desk can pick."""
    return list(
        db.session.scalars(
            select(ForumSession)
            .where(
                ForumSession.forum_id == forum.id,
                ForumSession.status == "scheduled",
                ForumSession.seats.is_not(None),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )


def desk_session(forum: Forum, session_id: int) -> ForumSession:
    session = next((s for s in desk_sessions(forum) if s.id == session_id), None)
    if session is None:
        raise NotFound(_("This session has no check-in of its own at this forum."))
    return session


# ---------------------------------------------------------------------------- walk-ins


@dataclass
class WalkInRequest:
    name: str
    affiliation: str = ""
    email: str = ""
    locale: str = "ko"
    consent_personal_data: bool = False
    # Only an organizer's reason admits a walk-in when the forum is full.
    over_capacity_reason: str = ""


@dataclass
class WalkInResult:
    registration: Registration
    manage_token: str
    calendar_token: str
    over_capacity: bool


def _clean_reason(errors: dict[str, list[str]], raw: str) -> str:
    return registrations._check_text(
        errors, "over_capacity_reason", raw, required=False, limit=REASON_MAX
    )


def _forum_full(forum_id: int) -> ForumFull:
    capacity = db.session.scalar(select(Forum.in_person_capacity).where(Forum.id == forum_id))
    return ForumFull(
        _(
            "The forum is full: all %(n)s in-person places are taken. Nothing was registered."
            " An organizer can admit a person beyond capacity with a reason.",
            n=capacity,
        )
    )


def register_walk_in(
    desk: Desk, req: WalkInRequest, *, now: datetime | None = None
) -> WalkInResult:
    """Register a walk-in at the desk, take an in-person place under the same seat rule as
    pre-registration, and check them in at once. When the forum is full, only an organizer's
    recorded reason admits them (beyond capacity); otherwise nothing is written."""
    now = now or utcnow()
    forum = desk.forum
    state = walk_in_state(forum, now)
    if state == "desk_closed":
        _require_open(forum, now)
    if state != "open":
        raise OnsiteRegistrationClosed(_("This forum does not take on-site registrations."))

    errors: dict[str, list[str]] = {}
    name = registrations._check_text(
        errors, "name", req.name, required=True, limit=registrations.NAME_MAX
    )
    affiliation = registrations._check_text(
        errors, "affiliation", req.affiliation, required=False, limit=registrations.AFFILIATION_MAX
    )
    email: tuple[str, str] | None = None
    if (req.email or "").strip():
        email = registrations.normalise_email(req.email)
        if email is None:
            errors.setdefault("email", []).append(
                _("Enter a valid email address, like name@example.org, or leave it empty.")
            )
    locale = req.locale if req.locale in ("ko", "en") else "ko"
    if req.consent_personal_data is not True:
        errors.setdefault("consent_personal_data", []).append(
            _("Registration needs the person's consent to the collection and use of personal data.")
        )
    reason = _clean_reason(errors, req.over_capacity_reason)
    if errors:
        raise ValidationFailed(errors)

    forum_id = forum.id
    operator_id = desk.operator.id if desk.operator is not None else None
    organizer = can_organize(desk.operator, forum)
    manage_token, calendar_token = new_token(), new_token()

    def existing_with_email() -> Registration | None:
        if email is None:
            return None
        return db.session.scalar(
            select(Registration).where(
                Registration.forum_id == forum_id, Registration.email_normalized == email[1]
            )
        )

    def already(found: Registration) -> AlreadyRegistered:
        return AlreadyRegistered(
            _("This email address is registered already: check that registration in instead."),
            registration_id=found.id,
        )

    try:
        with write_transaction():
            found = existing_with_email()
            if found is not None:
                raise already(found)
            over = False
            if not registrations.take_forum_place(forum_id):
                if not reason:
                    raise _forum_full(forum_id)
                if not organizer:
                    raise Forbidden(
                        _("Only an organizer can admit a person beyond the forum's capacity.")
                    )
                registrations.take_forum_place_beyond_capacity(forum_id)
                over = True
            registration = Registration(
                forum_id=forum_id,
                confirmation_code=new_confirmation_code(),
                name=name,
                email=email[0] if email else "",
                email_normalized=email[1] if email else None,
                affiliation=affiliation,
                attendance="in_person",
                locale=locale,
                status="confirmed",
                source="desk",
                manage_token_hash=hash_token(manage_token),
                calendar_token_hash=hash_token(calendar_token),
                consent_version=registrations.CONSENT_VERSION,
                consented_at=now,
                checked_in_at=now,
                over_capacity_reason=reason if over else "",
            )
            db.session.add(registration)
            db.session.flush()
            db.session.add(
                CheckIn(
                    registration_id=registration.id,
                    forum_id=forum_id,
                    direction="in",
                    desk=desk.name,
                    operator_id=operator_id,
                    created_at=now,
                )
            )
            _audit(desk, "walk_in_registered", registration.id, {"desk": desk.name}, now)
            if over:
                _audit(desk, "admitted_over_capacity", registration.id, {"reason": reason}, now)
            if email is not None:
                outbox.enqueue(
                    "registration_confirmed",
                    recipient=registration.email,
                    locale=locale,
                    context={
                        "registration_id": registration.id,
                        "manage_token": manage_token,
                        "calendar_token": calendar_token,
                    },
                    forum_id=forum_id,
                    registration_id=registration.id,
                )
    except IntegrityError:
        # Registered with the same address at the same moment at another desk (or, once in
        # a trillion, a code collision): nothing of ours was written.
        found = existing_with_email()
        if found is not None:
            raise already(found) from None
        raise
    return WalkInResult(registration, manage_token, calendar_token, over)


def _audit(desk: Desk, action: str, registration_id: int | None, details: dict, now) -> None:
    db.session.add(
        AuditEntry(
            user_id=desk.operator.id if desk.operator is not None else None,
            action=action,
            forum_id=desk.forum.id,
            registration_id=registration_id,
            details=details,
            created_at=now,
        )
    )


def admit_waitlisted(
    desk: Desk, registration: Registration, reason: str, *, now: datetime | None = None
) -> CheckInResult:
    """An organizer admits a person who is only on the waiting list, with a recorded reason:
    a free place if one is left, else a place beyond capacity; then checks them in."""
    now = now or utcnow()
    forum = desk.forum
    if registration.forum_id != forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    if not can_organize(desk.operator, forum):
        raise Forbidden(_("Only an organizer can admit a person beyond the forum's capacity."))
    _require_open(forum, now)
    errors: dict[str, list[str]] = {}
    reason = _clean_reason(errors, reason)
    if not reason and not errors:
        errors["over_capacity_reason"] = [_("Give the reason for admitting this person.")]
    if errors:
        raise ValidationFailed(errors)
    registration_id = registration.id
    with write_transaction():
        fresh = db.session.get(Registration, registration_id, populate_existing=True)
        if fresh.status == "cancelled":
            raise RegistrationCancelled(_("This registration was cancelled."))
        if fresh.status == "waitlisted":
            over = not registrations.take_forum_place(forum.id)
            if over:
                registrations.take_forum_place_beyond_capacity(forum.id)
                fresh.over_capacity_reason = reason
            fresh.status = "confirmed"
            fresh.waitlist_seq = None
            _audit(
                desk,
                "admitted_over_capacity" if over else "admitted_from_waitlist",
                registration_id,
                {"reason": reason},
                now,
            )
    return check_in(desk, fresh, now=now)


# ------------------------------------------------------------------- organizer settings


def set_desk_override(forum: Forum, value: str | None, user: User) -> None:
    """Open the desk now, close it, or let it open by itself on the forum's days (None)."""
    if not can_organize(user, forum):
        raise Forbidden(_("Only an organizer of this forum can open or close its desk."))
    if value not in (None, "open", "closed"):
        raise ValidationFailed({"desk": [_("Choose open, closed or automatic.")]})
    with write_transaction():
        fresh = db.session.get(Forum, forum.id, populate_existing=True)
        fresh.desk_override = value
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="desk_override",
                forum_id=forum.id,
                details={"desk_override": value},
            )
        )


def set_kiosk(forum: Forum, enabled: bool, user: User) -> None:
    if not can_organize(user, forum):
        raise Forbidden(_("Only an organizer of this forum can turn its kiosk on or off."))
    with write_transaction():
        fresh = db.session.get(Forum, forum.id, populate_existing=True)
        fresh.kiosk_enabled = bool(enabled)
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="kiosk_enabled" if enabled else "kiosk_disabled",
                forum_id=forum.id,
                details={},
            )
        )


# ------------------------------------------------------------------------------- badges


def badge_people(forum: Forum) -> list[Registration]:
    """Everyone pre-registered with a confirmed in-person place, by name: the batch to print."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.forum_id == forum.id,
                Registration.status == "confirmed",
                Registration.attendance == "in_person",
                Registration.source != "desk",
                Registration.anonymised_at.is_(None),
            )
            .order_by(Registration.name, Registration.id)
        )
    )


# ---------------------------------------------------------------------------- live counts


@dataclass
class SessionCount:
    session: ForumSession
    confirmed: int = 0
    waitlisted: int = 0
    checked_in: int = 0


@dataclass
class Counts:
    at: datetime
    capacity: int | None
    taken: int
    # Confirmed registrations and check-ins per attendance mode (walk-ins included).
    registered: dict[str, int] = field(default_factory=dict)
    checked_in: dict[str, int] = field(default_factory=dict)
    waitlisted: int = 0
    cancelled: int = 0
    walk_ins: int = 0
    over_capacity: int = 0
    sessions: list[SessionCount] = field(default_factory=list)

    @property
    def registered_total(self) -> int:
        return sum(self.registered.values())

    @property
    def checked_in_total(self) -> int:
        return sum(self.checked_in.values())

    @property
    def pre_registered(self) -> int:
        return self.registered_total - self.walk_ins


def live_counts(forum: Forum, *, now: datetime | None = None) -> Counts:
    fresh = db.session.get(Forum, forum.id, populate_existing=True)
    counts = Counts(
        at=now or utcnow(),
        capacity=fresh.in_person_capacity,
        taken=registrations.places_taken(fresh),
        registered={"in_person": 0, "online": 0},
        checked_in={"in_person": 0, "online": 0},
    )
    rows = db.session.execute(
        select(
            Registration.attendance,
            Registration.status,
            Registration.source,
            func.count(),
            func.count(Registration.checked_in_at),
        )
        .where(Registration.forum_id == forum.id)
        .group_by(Registration.attendance, Registration.status, Registration.source)
    ).all()
    for attendance, status, source, total, checked in rows:
        if status == "confirmed":
            counts.registered[attendance] = counts.registered.get(attendance, 0) + total
            counts.checked_in[attendance] = counts.checked_in.get(attendance, 0) + checked
            if source == "desk":
                counts.walk_ins += total
        elif status == "waitlisted":
            counts.waitlisted += total
        else:
            counts.cancelled += total
    counts.over_capacity = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum.id,
            Registration.status == "confirmed",
            Registration.over_capacity_reason != "",
        )
    )
    sessions = {s.id: SessionCount(s) for s in desk_sessions(forum)}
    if sessions:
        for session_id, status, total, checked in db.session.execute(
            select(
                Booking.session_id,
                Booking.status,
                func.count(),
                func.count(Booking.checked_in_at),
            )
            .where(Booking.session_id.in_(list(sessions)))
            .group_by(Booking.session_id, Booking.status)
        ):
            item = sessions[session_id]
            if status == "confirmed":
                item.confirmed += total
                item.checked_in += checked
            elif status == "waitlisted":
                item.waitlisted += total
    counts.sessions = list(sessions.values())
    return counts


# ------------------------------------------------------------------- now and next at a door


@dataclass
class DoorItem:
    session: ForumSession
    block: ForumSession | None = None
    new_time: bool = False
    moved_here: bool = False

    @property
    def cancelled(self) -> bool:
        return self.session.status == "cancelled"


@dataclass
class MovedAway:
    session: ForumSession


@dataclass
class DoorView:
    forum: Forum
    venue: Venue
    now: datetime
    current: list[DoorItem]
    next: list[DoorItem]
    later: list[DoorItem]
    moved_away: list[MovedAway]


def _before_venue(change: ProgrammeChange) -> int | None:
    before = change.before or {}
    value = before.get("venue_id", before.get("venue"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def door_view(slug: str, venue_id: int, *, now: datetime | None = None) -> DoorView | None:
    """What the screen at a venue's door shows: the session on now, what comes next (a
    cancelled session shown plainly, with the next one that does take place), the rest of the
    day, and sessions moved away from this room. None for an unknown forum or venue."""
    now = now or utcnow()
    forum = published_forum(slug)
    if forum is None or not 0 < venue_id <= ID_MAX:
        return None
    venue = db.session.scalar(select(Venue).where(Venue.id == venue_id, Venue.forum_id == forum.id))
    if venue is None:
        return None
    sessions = list(
        db.session.scalars(
            select(ForumSession)
            .where(ForumSession.forum_id == forum.id)
            .options(
                selectinload(ForumSession.venue),
                selectinload(ForumSession.parent),
                selectinload(ForumSession.speaker_links).selectinload(SessionSpeaker.speaker),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )
    here = [s for s in sessions if s.venue_id == venue.id]
    # A programme block whose parts take place in this room is shown through its parts.
    parents_here = {s.parent_id for s in here if s.parent_id is not None}
    leaves = [s for s in here if s.id not in parents_here]
    changes = list(
        db.session.scalars(
            select(ProgrammeChange)
            .where(ProgrammeChange.forum_id == forum.id, ProgrammeChange.session_id.is_not(None))
            .order_by(ProgrammeChange.created_at, ProgrammeChange.id)
        )
    )
    retimed = {c.session_id for c in changes if c.kind == "moved"}
    moved_in = {
        c.session_id
        for c in changes
        if c.kind == "venue" and _before_venue(c) not in (None, venue.id)
    }
    zone = ZoneInfo(forum.timezone)
    today = now.astimezone(zone).date()

    def item(s: ForumSession) -> DoorItem:
        block = s.parent if s.parent is not None and s.parent.id != s.id else None
        return DoorItem(s, block, s.id in retimed, s.id in moved_in)

    current = [item(s) for s in leaves if s.starts_at <= now < s.ends_at]
    upcoming = [item(s) for s in leaves if s.starts_at > now]
    nxt: list[DoorItem] = []
    for entry in upcoming:
        nxt.append(entry)
        if not entry.cancelled:
            break
    later = [
        entry
        for entry in upcoming[len(nxt) :]
        if entry.session.starts_at.astimezone(zone).date() == today
    ]
    by_id = {s.id: s for s in sessions}
    moved_away: dict[int, MovedAway] = {}
    for change in changes:
        moved = by_id.get(change.session_id)
        if (
            moved is not None
            and change.kind == "venue"
            and _before_venue(change) == venue.id
            and moved.venue_id != venue.id
            and moved.ends_at > now
        ):
            moved_away[moved.id] = MovedAway(moved)
    return DoorView(forum, venue, now, current, nxt, later, list(moved_away.values()))
