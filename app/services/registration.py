"""Pre-registration: the rules shared by the web form and the JSON API.

Seats are taken with one conditional UPDATE whose row count is checked, inside a write
transaction that starts with BEGIN IMMEDIATE on SQLite. Locks are always taken in the same
order (the forum row, then session rows by id), so concurrent registrations cannot deadlock.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.db import ID_MAX, db, utcnow, write_transaction
from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration
from app.models.enums import ACCESSIBILITY_NEEDS, ATTENDANCE_MODES, LOCALES
from app.services import outbox
from app.services.errors import (
    AlreadyRegistered,
    NotFound,
    RegistrationCancelled,
    RegistrationClosed,
    ValidationFailed,
)
from app.services.programme import forum_ends_at
from app.services.tokens import hash_token, new_confirmation_code, new_token

NAME_MAX = 200
AFFILIATION_MAX = 200
OTHER_NEEDS_MAX = 500
# The version of the consent text shown on the form; recorded with every registration.
CONSENT_VERSION = "2026-11-v1"


@dataclass
class RegistrationRequest:
    """What a person asks for, from the form or the API, before validation."""

    name: str
    email: str
    attendance: str
    session_ids: list[int] = field(default_factory=list)
    affiliation: str = ""
    locale: str = "ko"
    consent_personal_data: bool = False
    consent_marketing: bool = False
    consent_accessibility: bool = False
    accessibility_needs: list[str] = field(default_factory=list)
    accessibility_other: str = ""
    source: str = "web"


@dataclass
class RegistrationResult:
    registration: Registration
    manage_token: str
    calendar_token: str


@dataclass(frozen=True)
class PlaceView:
    """A place as the person sees it: confirmed, or waitlisted at a position."""

    status: str
    waitlist_position: int | None


# ----------------------------------------------------------------------------- lookups


def published_forum(slug: str) -> Forum:
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None or forum.status != "published":
        raise NotFound(_("There is no such forum."))
    return forum


def registration_by_token(token: str) -> Registration:
    """The registration a manage link opens; NotFound for an unknown or replaced token."""
    if not token or len(token) > 200:
        raise NotFound(_("This link is not valid."))
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.manage_token_hash == hash_token(token))
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
    )
    if registration is None:
        raise NotFound(_("This link is not valid."))
    return registration


def window_state(forum: Forum, now: datetime | None = None) -> str:
    """'not_open', 'open' or 'closed' for pre-registration.

    No opening date means pre-registration has not been announced. It closes at the deadline,
    and at the latest when the forum's last day ends in its own time zone.
    """
    now = now or utcnow()
    if forum.registration_opens_at is None or now < forum.registration_opens_at:
        return "not_open"
    if now >= registration_closes_at(forum):
        return "closed"
    return "open"


def registration_closes_at(forum: Forum) -> datetime:
    ends = forum_ends_at(forum)
    closes = forum.registration_closes_at
    return ends if closes is None else min(closes, ends)


def allowed_attendance(forum: Forum) -> tuple[str, ...]:
    if forum.format == "hybrid":
        return ATTENDANCE_MODES
    return (forum.format,)


def bookable_sessions(forum: Forum) -> list[ForumSession]:
    """Sessions with seats of their own that a person chooses on the form."""
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


# -------------------------------------------------------------------------- validation


def _has_control_characters(text: str) -> bool:
    # Cc: controls (CR, LF, NUL…); Zl/Zp: line and paragraph separators. Format characters
    # (Cf) are allowed: emoji sequences need the zero-width joiner.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def _check_text(
    errors: dict[str, list[str]], name: str, value: str, *, required: bool, limit: int
) -> str:
    value = unicodedata.normalize("NFC", (value or "").strip())
    if required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(value) > limit:
        errors.setdefault(name, []).append(_("Use at most %(limit)d characters.", limit=limit))
    elif _has_control_characters(value):
        errors.setdefault(name, []).append(_("Remove line breaks and control characters."))
    return value


def normalise_email(raw: str) -> tuple[str, str] | None:
    """(address as given but cleaned, normalised key) or None when the syntax is not valid."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 254 or _has_control_characters(raw):
        return None
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized, checked.normalized.casefold()


def _overlapping(sessions: Sequence[ForumSession]) -> tuple[ForumSession, ForumSession] | None:
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for earlier, later in itertools.pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            return earlier, later
    return None


def _session_title(session: ForumSession, locale: str) -> str:
    first, second = (
        (session.title_ko, session.title_en)
        if locale == "ko"
        else (session.title_en, session.title_ko)
    )
    return first or second


def _check_sessions(
    errors: dict[str, list[str]],
    forum: Forum,
    session_ids: Iterable[object],
    attendance: str,
    locale: str,
) -> list[ForumSession]:
    ids: list[int] = []
    for raw in session_ids:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            errors.setdefault("session_ids", []).append(_("Session ids must be numbers."))
            return []
        try:
            ids.append(int(raw))
        except ValueError:
            errors.setdefault("session_ids", []).append(_("Session ids must be numbers."))
            return []
    ids = sorted(set(ids))
    if not ids:
        return []
    # Ids outside the column's range match nothing; the database must not see them (SQLite
    # raises OverflowError past 64 bits, PostgreSQL "out of range" past 32).
    in_range = [i for i in ids if 0 < i <= ID_MAX]
    found = {
        s.id: s
        for s in db.session.scalars(
            select(ForumSession).where(
                ForumSession.id.in_(in_range), ForumSession.forum_id == forum.id
            )
        )
    }
    unknown = [i for i in ids if i not in found]
    if unknown:
        errors.setdefault("session_ids", []).append(
            _(
                "These sessions are not part of this forum: %(ids)s",
                ids=", ".join(map(str, unknown)),
            )
        )
        return []
    chosen = [found[i] for i in ids]
    for session in chosen:
        if session.status != "scheduled":
            errors.setdefault("session_ids", []).append(
                _("“%(title)s” has been cancelled.", title=_session_title(session, locale))
            )
        elif attendance == "online" and session.format == "in_person":
            errors.setdefault("session_ids", []).append(
                _(
                    "“%(title)s” takes place in person only;"
                    " choose in-person attendance to join it.",
                    title=_session_title(session, locale),
                )
            )
    clash = _overlapping(chosen)
    if clash:
        errors.setdefault("session_ids", []).append(
            _(
                "“%(first)s” and “%(second)s” take place at the same time; choose one.",
                first=_session_title(clash[0], locale),
                second=_session_title(clash[1], locale),
            )
        )
    return chosen


def validate(forum: Forum, req: RegistrationRequest) -> tuple[dict, list[ForumSession]]:
    """Check every field; return the cleaned values and the chosen sessions, or raise."""
    errors: dict[str, list[str]] = {}
    name = _check_text(errors, "name", req.name, required=True, limit=NAME_MAX)
    affiliation = _check_text(
        errors, "affiliation", req.affiliation, required=False, limit=AFFILIATION_MAX
    )
    email = normalise_email(req.email)
    if email is None:
        errors.setdefault("email", []).append(
            _("Enter a valid email address, like name@example.org.")
        )
    locale = req.locale if req.locale in LOCALES else None
    if locale is None:
        errors.setdefault("locale", []).append(_("Choose Korean or English."))
    if req.attendance not in allowed_attendance(forum):
        errors.setdefault("attendance", []).append(
            _("This forum does not offer that way of attending.")
        )
    if req.consent_personal_data is not True:
        errors.setdefault("consent_personal_data", []).append(
            _("Registration needs your consent to the collection and use of personal data.")
        )
    needs = list(dict.fromkeys(req.accessibility_needs or []))
    unknown_needs = [n for n in needs if n not in ACCESSIBILITY_NEEDS]
    if unknown_needs:
        errors.setdefault("accessibility_needs", []).append(_("Choose from the listed needs."))
    other = _check_text(
        errors,
        "accessibility_other",
        req.accessibility_other,
        required=False,
        limit=OTHER_NEEDS_MAX,
    )
    if (needs or other) and req.consent_accessibility is not True:
        errors.setdefault("consent_accessibility", []).append(
            _("To record accessibility needs, tick the separate consent for them.")
        )
    sessions = _check_sessions(errors, forum, req.session_ids or [], req.attendance, locale or "ko")
    if errors:
        raise ValidationFailed(errors)
    assert email is not None and locale is not None
    cleaned = {
        "name": name,
        "affiliation": affiliation,
        "email": email[0],
        "email_normalized": email[1],
        "locale": locale,
        "needs": needs if req.consent_accessibility else [],
        "other": other if req.consent_accessibility else "",
    }
    return cleaned, sessions


# ------------------------------------------------------------------------ seats and waitlist


# Seat counters and waitlist numbers are bookkeeping, not programme changes: every UPDATE of
# them keeps the row's `updated_at` (which would otherwise move through its onupdate), so taking
# a seat does not change the Last-Modified/ETag of the forum's calendar feeds.


_FORUMS = Forum.__table__  # counters move with Core UPDATEs: no ORM bookkeeping, no autoflush
_SESSIONS = ForumSession.__table__
_FORUM_COUNTERS = ["in_person_taken", "waitlist_seq"]
_SESSION_COUNTERS = ["seats_taken", "waitlist_seq"]


def take_forum_place(forum_id: int) -> bool:
    """One in-person place of the forum, if any is left (unlimited when capacity is NULL)."""
    f = _FORUMS.c
    result = db.session.execute(
        update(_FORUMS)
        .where(
            f.id == forum_id,
            f.in_person_capacity.is_(None) | (f.in_person_taken < f.in_person_capacity),
        )
        .values(in_person_taken=f.in_person_taken + 1, updated_at=f.updated_at)
    )
    return result.rowcount == 1


def take_forum_place_beyond_capacity(forum_id: int) -> None:
    """One in-person place past the capacity: only for an organizer's recorded override at the
    desk. The place counts as taken, so a place freed later does not go to the waitlist while
    the room is still over capacity."""
    db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id)
        .values(in_person_taken=Forum.in_person_taken + 1, updated_at=Forum.updated_at)
        .execution_options(synchronize_session=False)
    )


def take_session_seat(session_id: int) -> bool:
    """One seat of a session with seats of its own: a single conditional UPDATE.

    PostgreSQL re-checks the WHERE after waiting on the row lock, so two requests can never
    both take the last seat; on SQLite the write transaction holds the database lock.
    """
    c = _SESSIONS.c
    result = db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id, c.seats_taken < c.seats)
        .values(seats_taken=c.seats_taken + 1, updated_at=c.updated_at)
    )
    return result.rowcount == 1


def _next_forum_waitlist_number(forum_id: int) -> int:
    # Locks the forum row until commit, so numbers follow the order of arrival.
    f = _FORUMS.c
    return db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(waitlist_seq=f.waitlist_seq + 1, updated_at=f.updated_at)
        .returning(f.waitlist_seq)
    ).scalar_one()


def _next_session_waitlist_number(session_id: int) -> int:
    c = _SESSIONS.c
    return db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(waitlist_seq=c.waitlist_seq + 1, updated_at=c.updated_at)
        .returning(c.waitlist_seq)
    ).scalar_one()


def _claim_forum_place(forum: Forum) -> tuple[str, int | None]:
    if take_forum_place(forum.id):
        return "confirmed", None
    number = _next_forum_waitlist_number(forum.id)
    # The row lock is ours now: a place freed since the first try cannot be missed.
    if take_forum_place(forum.id):
        return "confirmed", None
    return "waitlisted", number


def _claim_session_place(session: ForumSession) -> tuple[str, int | None]:
    if session.seats is None:
        return "confirmed", None
    if take_session_seat(session.id):
        return "confirmed", None
    number = _next_session_waitlist_number(session.id)
    if take_session_seat(session.id):
        return "confirmed", None
    return "waitlisted", number


def forum_waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted" or registration.waitlist_seq is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == registration.forum_id,
            Registration.status == "waitlisted",
            Registration.waitlist_seq < registration.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1


def booking_waitlist_position(booking: Booking) -> int | None:
    """The rank among those still waiting: positions stay 1, 2, 3… with no gaps."""
    if booking.status != "waitlisted" or booking.waitlist_seq is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == "waitlisted",
            Booking.waitlist_seq < booking.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1


def _uses_seat(registration: Registration, session: ForumSession) -> bool:
    """Online attendees take no seats; sessions without a limit have none to take."""
    return registration.attendance == "in_person" and session.seats is not None


def _book(registration: Registration, session: ForumSession) -> Booking:
    if _uses_seat(registration, session):
        status, number = _claim_session_place(session)
    else:
        status, number = "confirmed", None
    # A registration that comes back after cancelling reuses its old rows.
    booking = next((b for b in registration.bookings if b.session_id == session.id), None)
    if booking is None:
        booking = Booking(registration=registration, session=session)
        db.session.add(booking)
    booking.status, booking.waitlist_seq = status, number
    return booking


def _release_booking(booking: Booking) -> None:
    """Give up a booking; a freed seat goes to the first person waiting, in this transaction."""
    registration = booking.registration
    previous = booking.status
    booking.status = "cancelled"
    booking.waitlist_seq = None
    db.session.flush()
    if previous == "confirmed" and _uses_seat(registration, booking.session):
        _free_session_seat_and_promote(booking.session_id)


def _free_session_seat_and_promote(session_id: int) -> None:
    # The UPDATE locks the session row: a racing cancellation waits here, then sees our
    # promotion committed and promotes the next person, never the same one twice.
    db.session.execute(
        update(ForumSession)
        .where(ForumSession.id == session_id, ForumSession.seats_taken > 0)
        .values(seats_taken=ForumSession.seats_taken - 1, updated_at=ForumSession.updated_at)
        .execution_options(synchronize_session=False)
    )
    first = db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == "waitlisted")
        .order_by(Booking.waitlist_seq, Booking.id)
        .limit(1)
        .with_for_update()
    )
    if first is None or not take_session_seat(session_id):
        return
    first.status = "confirmed"
    first.waitlist_seq = None
    _queue(first.registration, "waitlist_promoted", session_id=session_id)


def _free_forum_place_and_promote(forum_id: int) -> None:
    db.session.execute(
        update(Forum)
        .where(Forum.id == forum_id, Forum.in_person_taken > 0)
        .values(in_person_taken=Forum.in_person_taken - 1, updated_at=Forum.updated_at)
        .execution_options(synchronize_session=False)
    )
    first = db.session.scalar(
        select(Registration)
        .where(Registration.forum_id == forum_id, Registration.status == "waitlisted")
        .order_by(Registration.waitlist_seq, Registration.id)
        .limit(1)
        .with_for_update()
    )
    if first is None or not take_forum_place(forum_id):
        return
    first.status = "confirmed"
    first.waitlist_seq = None
    _queue(first, "waitlist_promoted")


def _release_forum_place(registration: Registration) -> None:
    previous = registration.status
    registration.waitlist_seq = None
    if (
        registration.attendance == "in_person"
        and previous == "confirmed"
        and _counts_places(registration.forum_id)
    ):
        db.session.flush()
        _free_forum_place_and_promote(registration.forum_id)


class _CapacityChanged(Exception):
    """The forum got a capacity between loading it and locking it: register again."""


def _share_forum(forum_id: int, *, counting: bool) -> None:
    """The forum row's lock in share mode: registrations that take no forum-wide place run
    side by side (they meet only on the seats of the sessions they pick), while an organizer's
    change, a cancellation or the desk, which lock the row exclusively, wait for them and are
    waited for. `counting`: this registration needs a place, so the forum must still have no
    capacity (SQLite has no row locks; its write transaction holds the whole database)."""
    f = _FORUMS.c
    capacity = db.session.execute(
        select(f.in_person_capacity).where(f.id == forum_id).with_for_update(read=True)
    ).scalar_one()
    if counting and capacity is not None:
        raise _CapacityChanged


def _counts_places(forum_id: int) -> bool:
    f = _FORUMS.c
    return db.session.scalar(select(f.in_person_capacity).where(f.id == forum_id)) is not None


def _places_held(forum_id: int) -> Select:
    """The count of the forum's confirmed in-person registrations: the places they hold."""
    return (
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum_id,
            Registration.attendance == "in_person",
            Registration.status == "confirmed",
        )
    )


def places_taken(forum: Forum) -> int:
    """In-person places held: the counter while the forum has a capacity (it is kept under
    the forum's exclusive lock), else counted, since registrations then leave it alone."""
    if forum.in_person_capacity is not None:
        return forum.in_person_taken
    return db.session.scalar(_places_held(forum.id))


def recount_places(forum_id: int) -> None:
    """Set the counter from the registrations, under the forum's exclusive lock: when a
    capacity is set, the counter left alone while there was none becomes exact again."""
    f = _FORUMS.c
    held = _places_held(forum_id).scalar_subquery()
    db.session.execute(update(_FORUMS).where(f.id == forum_id).values(in_person_taken=held))


def _lock_forum(forum_id: int) -> None:
    """Take the forum row's lock first, always, so lock order is the same everywhere."""
    f = _FORUMS.c
    db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(in_person_taken=f.in_person_taken, updated_at=f.updated_at)
    )


def _queue(registration: Registration, kind: str, **context: object) -> None:
    if not registration.email:
        return
    outbox.enqueue(
        kind,
        recipient=registration.email,
        locale=registration.locale,
        context={"registration_id": registration.id, **context},
        forum_id=registration.forum_id,
        registration_id=registration.id,
    )


# ------------------------------------------------------------------------------ use cases


def register(
    forum: Forum, req: RegistrationRequest, *, now: datetime | None = None
) -> RegistrationResult:
    """Register a person: validate, take places in a fixed lock order, queue the mail."""
    now = now or utcnow()
    if window_state(forum, now) != "open":
        raise RegistrationClosed(_("Pre-registration for this forum is not open."))
    cleaned, sessions = validate(forum, req)
    manage_token, calendar_token = new_token(), new_token()
    # Only an in-person registration in a forum with a capacity takes the forum row's lock
    # exclusively; the others share it. A new address is the rule, so the first try inserts
    # without looking: an address already there (or arriving at the same moment) fails on
    # the unique index, and the second try finds its registration.
    exclusive = req.attendance == "in_person" and forum.in_person_capacity is not None
    for second_try in (False, True):
        try:
            registration = _register_once(
                forum,
                req,
                cleaned,
                sessions,
                now,
                (manage_token, calendar_token),
                exclusive=exclusive,
                look_first=second_try,
            )
            break
        except _CapacityChanged:
            exclusive = True
        except IntegrityError:
            if second_try:
                raise
    # The counters moved in the database, not in the loaded rows: reload them when next read.
    db.session.expire(forum, _FORUM_COUNTERS)
    for session in sessions:
        db.session.expire(session, _SESSION_COUNTERS)
    return RegistrationResult(registration, manage_token, calendar_token)


def _register_once(
    forum: Forum,
    req: RegistrationRequest,
    cleaned: dict,
    sessions: list[ForumSession],
    now: datetime,
    tokens: tuple[str, str],
    *,
    exclusive: bool,
    look_first: bool,
) -> Registration:
    forum_id = forum.id
    manage_token, calendar_token = tokens
    # The forum and sessions loaded above stay loaded (not expired and reloaded one by one):
    # seats and places are taken by conditional UPDATEs, whatever a loaded row says.
    with write_transaction(expire_on_commit=False):
        existing = (
            db.session.scalar(
                select(Registration).where(
                    Registration.forum_id == forum_id,
                    Registration.email_normalized == cleaned["email_normalized"],
                )
            )
            if look_first
            else None
        )
        if existing is not None and existing.status != "cancelled":
            # Never reveal the registration: send its owner a fresh manage link instead.
            _resend_manage_link(existing, now=now)
            db.session.commit()
            raise AlreadyRegistered(
                _("This address is already registered. We have sent its manage link to it.")
            )
        # The forum row's lock before any other row's: the same order everywhere.
        if exclusive:
            status, waitlist_seq = _claim_forum_place(forum)
        else:
            _share_forum(forum_id, counting=req.attendance == "in_person")
            status, waitlist_seq = "confirmed", None
        fields = {
            "name": cleaned["name"],
            "email": cleaned["email"],
            "email_normalized": cleaned["email_normalized"],
            "affiliation": cleaned["affiliation"],
            "attendance": req.attendance,
            "locale": cleaned["locale"],
            "source": req.source,
            "manage_token_hash": hash_token(manage_token),
            "calendar_token_hash": hash_token(calendar_token),
            "consent_version": CONSENT_VERSION,
            "consented_at": now,
            "marketing_consent": bool(req.consent_marketing),
            "marketing_consented_at": now if req.consent_marketing else None,
            "accessibility_consent": bool(req.consent_accessibility),
            "accessibility_consented_at": now if req.consent_accessibility else None,
            "accessibility_needs": cleaned["needs"],
            "accessibility_other": cleaned["other"],
        }
        if existing is None:
            registration = Registration(
                forum_id=forum_id, confirmation_code=new_confirmation_code(), bookings=[], **fields
            )
        else:
            # Someone who cancelled registers again: the same row, new links, new places.
            registration = existing
            for name, value in fields.items():
                setattr(registration, name, value)
            registration.cancelled_at = None
        registration.status, registration.waitlist_seq = status, waitlist_seq
        db.session.add(registration)
        db.session.flush()  # its id, for the bookings and the mail (and the unique index)
        for session in sorted(sessions, key=lambda s: s.id):
            _book(registration, session)
        kind = (
            "registration_waitlisted"
            if registration.status == "waitlisted"
            or any(b.status == "waitlisted" for b in registration.bookings)
            else "registration_confirmed"
        )
        _queue(registration, kind, manage_token=manage_token, calendar_token=calendar_token)
    return registration


def _resend_manage_link(registration: Registration, *, now: datetime) -> None:
    """Replace the manage token and mail the new link; earlier links stop working.

    At most MANAGE_LINK_RESENDS_PER_HOUR a registration: beyond that nothing is queued and
    the working link is left alone, so repeated attempts cannot flood an inbox or keep
    breaking its owner's link. The answer to the person asking stays the same.
    """
    limit = current_app.config.get("MANAGE_LINK_RESENDS_PER_HOUR", 3)
    recent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.registration_id == registration.id,
            OutboxMessage.kind == "manage_link",
            OutboxMessage.created_at >= now - timedelta(hours=1),
        )
    )
    if recent >= limit:
        return
    token = new_token()
    registration.manage_token_hash = hash_token(token)
    _queue(registration, "manage_link", manage_token=token)


def update_registration(
    registration: Registration,
    *,
    attendance: str | None = None,
    session_ids: Sequence[object] | None = None,
) -> Registration:
    """Switch attendance and/or replace the chosen sessions, under the same rules."""
    if registration.status == "cancelled":
        raise RegistrationCancelled(_("This registration has been cancelled."))
    forum = registration.forum
    new_attendance = attendance if attendance is not None else registration.attendance
    errors: dict[str, list[str]] = {}
    if new_attendance not in allowed_attendance(forum):
        errors.setdefault("attendance", []).append(
            _("This forum does not offer that way of attending.")
        )
    current_ids = [b.session_id for b in registration.bookings if b.status != "cancelled"]
    wanted = _check_sessions(
        errors,
        forum,
        current_ids if session_ids is None else session_ids,
        new_attendance,
        registration.locale,
    )
    if errors:
        raise ValidationFailed(errors)

    with write_transaction():
        _lock_forum(forum.id)
        db.session.refresh(registration)
        wanted_ids = {s.id for s in wanted}
        mode_changed = new_attendance != registration.attendance
        active = {b.session_id: b for b in registration.bookings if b.status != "cancelled"}
        # Release first (seats go back to the waitlist), in session-id order.
        for session_id in sorted(active):
            if session_id not in wanted_ids or mode_changed:
                _release_booking(active[session_id])
        if mode_changed:
            _release_forum_place(registration)
            registration.attendance = new_attendance
            if new_attendance == "in_person":
                registration.status, registration.waitlist_seq = _claim_forum_place(forum)
            else:
                registration.status = "confirmed"
        db.session.flush()
        for session in sorted(wanted, key=lambda s: s.id):
            if session.id not in active or mode_changed:
                _book(registration, session)
        registration.updated_at = utcnow()
    return registration


def cancel_registration(registration: Registration) -> Registration:
    """Cancel everything; every freed place goes to the first person waiting for it."""
    if registration.status == "cancelled":
        raise RegistrationCancelled(_("This registration has been cancelled."))
    with write_transaction():
        _lock_forum(registration.forum_id)
        db.session.refresh(registration)
        if registration.status == "cancelled":
            raise RegistrationCancelled(_("This registration has been cancelled."))
        for booking in sorted(registration.bookings, key=lambda b: b.session_id):
            if booking.status != "cancelled":
                _release_booking(booking)
        _release_forum_place(registration)
        registration.status = "cancelled"
        registration.cancelled_at = utcnow()
        _queue(registration, "registration_cancelled")
    return registration


def replace_calendar_token(registration: Registration) -> str:
    """A new personal feed address; the old one answers 404 from now on."""
    token = new_token()
    with write_transaction():
        db.session.refresh(registration)
        registration.calendar_token_hash = hash_token(token)
    return token


def forum_place(registration: Registration) -> PlaceView:
    return PlaceView(registration.status, forum_waitlist_position(registration))


def booking_place(booking: Booking) -> PlaceView:
    return PlaceView(booking.status, booking_waitlist_position(booking))
