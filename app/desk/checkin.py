"""The day of the forum: look-ups at the desk and check-ins.

Check-ins are taken like seats: one conditional UPDATE (`SET checked_in_at = now WHERE id = :id
AND checked_in_at IS NULL`) whose row count decides, inside a write transaction (BEGIN IMMEDIATE
on SQLite). Two desks scanning the same person at the same moment record one check-in; the
other is told when and by whom it was done. Every check-in (and check-out) is also a row of its
own in `checkins`: who, forum or session, when, which desk and operator, in or out.

A QR payload carries only the confirmation code and its HMAC: a forged, truncated or garbled
scan is refused by `parse_input` before the database is asked anything.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import selectinload

from app.core.bounds import ID_MAX
from app.core.db import db, utcnow, write_transaction
from app.core.errors import (
    NotFound,
    RegistrationCancelled,
)
from app.desk.codes import parse_input
from app.desk.desks import (
    SEARCH_LIMIT,
    Desk,
    NotAdmitted,
    OtherForum,
    UnknownCode,
    _require_open,
    operator_name,
)
from app.models import (
    Booking,
    CheckIn,
    Forum,
    ForumSession,
    Registration,
)
from app.models.enums import AttendanceMode, PlaceStatus
from app.registration.operations import bookable_sessions
from app.registration.state import Refusal, attendance_state

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
            Registration.status == PlaceStatus.CONFIRMED,
            Registration.attendance == AttendanceMode.IN_PERSON,
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
            Booking.status == PlaceStatus.CONFIRMED,
            # A seat admits only with the forum's in-person place (not online, not waiting).
            exists().where(
                Registration.id == Booking.registration_id,
                Registration.status == PlaceStatus.CONFIRMED,
                Registration.attendance == AttendanceMode.IN_PERSON,
            ),
        )
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refuse_unless_admitted(desk: Desk, registration: Registration) -> Booking | None:
    """Raise the clear refusal for a person who holds no place here (the attendance state
    decides); the booking for a session desk."""
    session_id = desk.session.id if desk.session is not None else None
    state = attendance_state(registration)
    refusal = state.refusal(session_id)
    if refusal is None:
        if session_id is None:
            return None
        return next(b for b in registration.bookings if b.session_id == session_id)
    rid = registration.id
    if refusal is Refusal.CANCELLED:
        raise RegistrationCancelled(
            _("This registration was cancelled. Do not check this person in with it."),
            registration_id=rid,
        )
    if refusal is Refusal.NOT_BOOKED:
        message = _("This person has no place in this session.")
        raise NotAdmitted(refusal, message, registration_id=rid)
    if refusal is Refusal.SESSION_WAITLISTED:
        place = state.sessions[session_id]
        message = _(
            "This person is on the waiting list of this session (position %(n)s), without a seat.",
            n=place.waitlist_position or "?",
        )
        raise NotAdmitted(refusal, message, registration_id=rid)
    if refusal is Refusal.SESSION_CANCELLED:
        message = _("This person cancelled their place in this session.")
        raise NotAdmitted(refusal, message, registration_id=rid)
    if refusal is Refusal.WAITLISTED:
        position = state.forum_position
        message = _(
            "This person is only on the waiting list (position %(n)s) and has no"
            " in-person place. An organizer can admit them beyond capacity.",
            n=position or "?",
        )
        raise NotAdmitted(refusal, message, position=position, registration_id=rid)
    message = _(
        "This person registered to attend online and holds no in-person place."
        " Register them as a walk-in if places are left."
    )
    raise NotAdmitted(refusal, message, registration_id=rid)


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
    """The sessions a desk can pick: those with seats of their own (a tour, a site visit), the
    same ones a person books on the registration form."""
    return bookable_sessions(forum)


def desk_session(forum: Forum, session_id: int) -> ForumSession:
    session = next((s for s in desk_sessions(forum) if s.id == session_id), None)
    if session is None:
        raise NotFound(_("This session has no check-in of its own at this forum."))
    return session
