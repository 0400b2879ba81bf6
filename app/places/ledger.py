"""The place ledger: every change to a seat or place counter, and nothing else writes them.

A forum may limit its in-person places (`in_person_capacity`, `in_person_taken`); a session may
have seats of its own (`seats`, `seats_taken`). Each has a first-come waiting list, numbered by
`waitlist_seq` on the forum or session row; a person's position is their rank among those
still waiting, so positions stay 1, 2, 3… with no gaps.

- A place is taken with one conditional UPDATE whose row count decides (`… WHERE taken <
  capacity`): PostgreSQL re-checks the WHERE after waiting on the row lock, so two requests can
  never both take the last one; on SQLite the write transaction holds the database lock.
- A freed place goes to the first person waiting, in the same transaction, and they are told.
- Counters and waitlist numbers are bookkeeping, not programme changes: every UPDATE keeps the
  row's `updated_at`, so taking a seat does not move the Last-Modified/ETag of calendar feeds.

Callers hold the forum's lock (`app.core.locks`) and run inside a write transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Select, func, select, update

from app.core.db import db
from app.models import Booking, Forum, ForumSession, Registration
from app.models.enums import AttendanceMode, PlaceStatus
from app.outbox import notify

# Counters move with Core UPDATEs: no ORM bookkeeping, no autoflush.
_FORUMS = Forum.__table__
_SESSIONS = ForumSession.__table__
FORUM_COUNTERS = ("in_person_taken", "waitlist_seq")
SESSION_COUNTERS = ("seats_taken", "waitlist_seq")

Claim = tuple[PlaceStatus, int | None]  # (confirmed or waitlisted, waitlist number)
W = TypeVar("W", Registration, Booking)  # a person waiting: for a forum place, or a seat


# ------------------------------------------------------------------------------ forum places


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
    """One in-person place past the capacity: only for an organizer's recorded override. The
    place counts as taken, so a place freed later does not go to the waitlist while the room
    is still over capacity."""
    f = _FORUMS.c
    db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(in_person_taken=f.in_person_taken + 1, updated_at=f.updated_at)
    )


def _next_forum_waitlist_number(forum_id: int) -> int:
    # Locks the forum row until commit, so numbers follow the order of arrival.
    f = _FORUMS.c
    return db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(waitlist_seq=f.waitlist_seq + 1, updated_at=f.updated_at)
        .returning(f.waitlist_seq)
    ).scalar_one()


def claim_forum_place(forum_id: int) -> Claim:
    """An in-person place, or the next number on the forum's waiting list."""
    if take_forum_place(forum_id):
        return PlaceStatus.CONFIRMED, None
    number = _next_forum_waitlist_number(forum_id)
    # The row lock is ours now: a place freed since the first try cannot be missed.
    if take_forum_place(forum_id):
        return PlaceStatus.CONFIRMED, None
    return PlaceStatus.WAITLISTED, number


def _first_waiting_registration(forum_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(Registration.forum_id == forum_id, Registration.status == PlaceStatus.WAITLISTED)
        .order_by(Registration.waitlist_seq, Registration.id)
        .limit(1)
        .with_for_update()
    )


def _confirm_registration(registration: Registration) -> None:
    _confirm_quietly(registration)
    notify(registration, "waitlist_promoted")


def _confirm_quietly(registration: Registration) -> None:
    registration.status = PlaceStatus.CONFIRMED
    registration.waitlist_seq = None


def free_forum_place(forum_id: int) -> None:
    """Give back an in-person place; the first person waiting for one gets it."""
    f = _FORUMS.c
    db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id, f.in_person_taken > 0)
        .values(in_person_taken=f.in_person_taken - 1, updated_at=f.updated_at)
    )
    first = _first_waiting_registration(forum_id)
    if first is not None and take_forum_place(forum_id):
        _confirm_registration(first)


def fill_forum_places(forum_id: int) -> int:
    """Give free in-person places to the forum's waitlist, first come first served (after a
    capacity is raised or removed)."""
    return _fill(
        lambda: _first_waiting_registration(forum_id),
        lambda: take_forum_place(forum_id),
        _confirm_registration,
    )


def promote_registration(
    registration: Registration, *, beyond_capacity: bool, tell: bool = True
) -> bool | None:
    """An organizer gives a waiting person a place out of turn: True if a free place was
    taken, False if it was taken beyond the capacity, None if none is free and going beyond
    was not allowed (nothing changed). `tell=False`: no mail (the person is at the desk)."""
    forum_id = registration.forum_id
    return _promote(
        registration,
        lambda: take_forum_place(forum_id),
        lambda: take_forum_place_beyond_capacity(forum_id),
        _confirm_registration if tell else _confirm_quietly,
        beyond_capacity=beyond_capacity,
    )


def counts_places(forum_id: int) -> bool:
    """Whether the forum counts in-person places (it has a capacity)."""
    f = _FORUMS.c
    return db.session.scalar(select(f.in_person_capacity).where(f.id == forum_id)) is not None


def release_forum_place(registration: Registration) -> None:
    """The registration gives up its forum-wide place (or its waiting number)."""
    previous = registration.status
    registration.waitlist_seq = None
    if (
        registration.attendance == AttendanceMode.IN_PERSON
        and previous == PlaceStatus.CONFIRMED
        and counts_places(registration.forum_id)
    ):
        db.session.flush()
        free_forum_place(registration.forum_id)


def _places_held(forum_id: int) -> Select:
    """The count of the forum's confirmed in-person registrations: the places they hold."""
    return (
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum_id,
            Registration.attendance == AttendanceMode.IN_PERSON,
            Registration.status == PlaceStatus.CONFIRMED,
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
    db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(in_person_taken=held, updated_at=f.updated_at)
    )


# ----------------------------------------------------------------------------- session seats


def take_session_seat(session_id: int) -> bool:
    """One seat of a session with seats of its own: a single conditional UPDATE."""
    c = _SESSIONS.c
    result = db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id, c.seats_taken < c.seats)
        .values(seats_taken=c.seats_taken + 1, updated_at=c.updated_at)
    )
    return result.rowcount == 1


def take_session_seat_beyond_capacity(session_id: int) -> None:
    """One seat past the session's seats: only for an organizer's recorded override."""
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(seats_taken=c.seats_taken + 1, updated_at=c.updated_at)
    )


def _next_session_waitlist_number(session_id: int) -> int:
    c = _SESSIONS.c
    return db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(waitlist_seq=c.waitlist_seq + 1, updated_at=c.updated_at)
        .returning(c.waitlist_seq)
    ).scalar_one()


def uses_seat(registration: Registration, session: ForumSession) -> bool:
    """Online attendees take no seats; sessions without a limit have none to take."""
    return registration.attendance == AttendanceMode.IN_PERSON and session.seats is not None


def claim_session_seat(registration: Registration, session: ForumSession) -> Claim:
    """A seat for the registration, or the next number on the session's waiting list; no seat
    is needed (confirmed at once) when `uses_seat` says so."""
    if not uses_seat(registration, session):
        return PlaceStatus.CONFIRMED, None
    if take_session_seat(session.id):
        return PlaceStatus.CONFIRMED, None
    number = _next_session_waitlist_number(session.id)
    if take_session_seat(session.id):
        return PlaceStatus.CONFIRMED, None
    return PlaceStatus.WAITLISTED, number


def _first_waiting_booking(session_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == PlaceStatus.WAITLISTED)
        .order_by(Booking.waitlist_seq, Booking.id)
        .limit(1)
        .with_for_update()
    )


def _confirm_booking(booking: Booking) -> None:
    booking.status = PlaceStatus.CONFIRMED
    booking.waitlist_seq = None
    notify(booking.registration, "waitlist_promoted", session_id=booking.session_id)


def free_session_seat(session_id: int) -> None:
    """Give back a seat; the first person waiting for the session gets it."""
    # The UPDATE locks the session row: a racing cancellation waits here, then sees our
    # promotion committed and promotes the next person, never the same one twice.
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id, c.seats_taken > 0)
        .values(seats_taken=c.seats_taken - 1, updated_at=c.updated_at)
    )
    first = _first_waiting_booking(session_id)
    if first is not None and take_session_seat(session_id):
        _confirm_booking(first)


def release_booking(booking: Booking) -> None:
    """Give up a booking; a freed seat goes to the first person waiting, in this transaction."""
    previous = booking.status
    booking.status = PlaceStatus.CANCELLED
    booking.waitlist_seq = None
    db.session.flush()
    if previous == PlaceStatus.CONFIRMED and uses_seat(booking.registration, booking.session):
        free_session_seat(booking.session_id)


def fill_session_seats(session_id: int) -> int:
    """Give free seats of a session to its waitlist, first come first served."""
    return _fill(
        lambda: _first_waiting_booking(session_id),
        lambda: take_session_seat(session_id),
        _confirm_booking,
    )


def seats_held(session_id: int) -> int:
    """Confirmed in-person bookings: the seats a session holds, or would once it has a limit."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.session_id == session_id,
                Booking.status == PlaceStatus.CONFIRMED,
                Registration.attendance == AttendanceMode.IN_PERSON,
            )
        )
        or 0
    )


def recount_session_seats(session_id: int) -> None:
    """Set the session's counter from its bookings: when it gets seats of its own, the seats
    its in-person bookings already hold are taken."""
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(seats_taken=seats_held(session_id), updated_at=c.updated_at)
    )


def release_session_limit(session_id: int) -> int:
    """The session no longer has seats of its own: everyone waiting for it is in."""
    waiting = db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == PlaceStatus.WAITLISTED)
        .order_by(Booking.waitlist_seq, Booking.id)
    ).all()
    for booking in waiting:
        _confirm_booking(booking)
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS).where(c.id == session_id).values(seats_taken=0, updated_at=c.updated_at)
    )
    return len(waiting)


def promote_booking(booking: Booking, *, beyond_capacity: bool) -> bool | None:
    """An organizer gives a waiting person a seat out of turn: True if a free seat was taken,
    False if beyond the seats, None if none is free and going beyond was not allowed."""
    session_id = booking.session_id
    return _promote(
        booking,
        lambda: take_session_seat(session_id),
        lambda: take_session_seat_beyond_capacity(session_id),
        _confirm_booking,
        beyond_capacity=beyond_capacity,
    )


# ------------------------------------------------------------------ shared by places and seats


def _fill(
    first_waiting: Callable[[], W | None], take: Callable[[], bool], confirm: Callable[[W], None]
) -> int:
    """Confirm the people waiting, first come first served, while places can be taken."""
    promoted = 0
    while (first := first_waiting()) is not None and take():
        confirm(first)
        db.session.flush()
        promoted += 1
    return promoted


def _promote(
    waiting: W,
    take: Callable[[], bool],
    take_beyond: Callable[[], None],
    confirm: Callable[[W], None],
    *,
    beyond_capacity: bool,
) -> bool | None:
    if take():
        taken = True
    elif beyond_capacity:
        take_beyond()
        taken = False
    else:
        return None
    confirm(waiting)
    return taken


# ---------------------------------------------------------------------------- waiting lists


def forum_waitlist_position(registration: Registration) -> int | None:
    """The rank among those still waiting for a forum place: 1, 2, 3… with no gaps."""
    if registration.status != PlaceStatus.WAITLISTED or registration.waitlist_seq is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == registration.forum_id,
            Registration.status == PlaceStatus.WAITLISTED,
            Registration.waitlist_seq < registration.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1


def booking_waitlist_position(booking: Booking) -> int | None:
    """The rank among those still waiting for the session's seats."""
    if booking.status != PlaceStatus.WAITLISTED or booking.waitlist_seq is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == PlaceStatus.WAITLISTED,
            Booking.waitlist_seq < booking.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1


def forum_waitlist_ranks(forum_id: int) -> dict[int, int]:
    """Every waiting registration's position, by registration id (one query for a list)."""
    ids = db.session.scalars(
        select(Registration.id)
        .where(Registration.forum_id == forum_id, Registration.status == PlaceStatus.WAITLISTED)
        .order_by(Registration.waitlist_seq, Registration.id)
    ).all()
    return {rid: n for n, rid in enumerate(ids, start=1)}
