"""The place ledger: every change to a seat or place counter, and nothing else writes them.

A forum may limit its in-person places (`in_person_capacity`, `in_person_taken`); a session may
have seats of its own (`seats`, `seats_taken`). Each has a first-come waiting list, numbered by
`waitlist_seq` on the forum or session row; a person's position is their rank among those
still waiting, so positions stay 1, 2, 3… with no gaps.

- A place is taken with one conditional UPDATE whose row count decides (`… WHERE taken <
  capacity`): PostgreSQL re-checks the WHERE after waiting on the row lock, so two requests can
  never both take the last one; on SQLite the write transaction holds the database lock.
- Some places may be held back for invited people (speakers, guests, press, staff:
  `reserved_places`, `reserved_seats`). Invited people count in a second counter that moves in
  the same UPDATE (`invited_taken`, `invited_seats_taken`); the public may take a place only
  while the places it holds (taken less invited) stay under the capacity less the reserve, so
  a reserved place is never sold to the public, and invited people may use any free place.
- A freed place goes to the first person waiting, in the same transaction, and they are told.
- Counters and waitlist numbers are bookkeeping, not programme changes: every UPDATE keeps the
  row's `updated_at`, so taking a seat does not move the Last-Modified/ETag of calendar feeds.

Callers hold the forum's lock (`app.core.locks`) and run inside a write transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Select, func, select, true, update

from app.core.db import db
from app.models import Booking, Forum, ForumSession, Registration
from app.models.enums import INVITED_CATEGORIES, AttendanceMode, PlaceStatus
from app.outbox import notify

# Counters move with Core UPDATEs: no ORM bookkeeping, no autoflush.
_FORUMS = Forum.__table__
_SESSIONS = ForumSession.__table__
FORUM_COUNTERS = ("in_person_taken", "invited_taken", "waitlist_seq")
SESSION_COUNTERS = ("seats_taken", "invited_seats_taken", "waitlist_seq")

Claim = tuple[PlaceStatus, int | None]  # (confirmed or waitlisted, waitlist number)
W = TypeVar("W", Registration, Booking)  # a person waiting: for a forum place, or a seat


# ------------------------------------------------------------------------------ forum places


def _public_room(taken, invited, capacity, reserved):
    """The public's condition: the places it holds (taken less invited) stay under the capacity
    less the reserve. The one rule that keeps held-back places from the public."""
    return taken - invited < capacity - reserved


def _forum_place_values(invited: bool, step: int) -> dict:
    f = _FORUMS.c
    values: dict = {"in_person_taken": f.in_person_taken + step, "updated_at": f.updated_at}
    if invited:
        values["invited_taken"] = f.invited_taken + step
    return values


def take_forum_place(forum_id: int, *, invited: bool = False) -> bool:
    """One in-person place of the forum, if any is left (unlimited when capacity is NULL).
    The public's place must also leave the reserve for invited people whole."""
    f = _FORUMS.c
    room = f.in_person_taken < f.in_person_capacity
    if not invited:
        room &= _public_room(
            f.in_person_taken, f.invited_taken, f.in_person_capacity, f.reserved_places
        )
    result = db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id, f.in_person_capacity.is_(None) | room)
        .values(**_forum_place_values(invited, 1))
    )
    return result.rowcount == 1


def take_forum_place_beyond_capacity(forum_id: int, *, invited: bool = False) -> None:
    """One in-person place past the capacity: only for an organizer's recorded override. The
    place counts as taken, so a place freed later does not go to the waitlist while the room
    is still over capacity."""
    f = _FORUMS.c
    db.session.execute(
        update(_FORUMS).where(f.id == forum_id).values(**_forum_place_values(invited, 1))
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


def claim_forum_place(forum_id: int, *, invited: bool = False) -> Claim:
    """An in-person place, or the next number on the forum's waiting list."""
    if take_forum_place(forum_id, invited=invited):
        return PlaceStatus.CONFIRMED, None
    number = _next_forum_waitlist_number(forum_id)
    # The row lock is ours now: a place freed since the first try cannot be missed.
    if take_forum_place(forum_id, invited=invited):
        return PlaceStatus.CONFIRMED, None
    return PlaceStatus.WAITLISTED, number


def _first_waiting_registration(forum_id: int, *, invited: bool = False) -> Registration | None:
    """The first person waiting for a forum place (`invited`: the first invited one)."""
    query = select(Registration).where(
        Registration.forum_id == forum_id, Registration.status == PlaceStatus.WAITLISTED
    )
    if invited:
        query = query.where(Registration.category.in_(INVITED_CATEGORIES))
    return db.session.scalar(
        query.order_by(Registration.waitlist_seq, Registration.id).limit(1).with_for_update()
    )


def _take_registration_place(registration: Registration) -> bool:
    return take_forum_place(registration.forum_id, invited=registration.invited)


def _confirm_registration(registration: Registration) -> None:
    _confirm_quietly(registration)
    notify(registration, "waitlist_promoted")


def _confirm_quietly(registration: Registration) -> None:
    registration.status = PlaceStatus.CONFIRMED
    registration.waitlist_seq = None


def free_forum_place(forum_id: int, *, invited: bool = False) -> None:
    """Give back an in-person place; the first person waiting who may take it gets it."""
    f = _FORUMS.c
    held = (f.in_person_taken > 0) & (f.invited_taken > 0) if invited else f.in_person_taken > 0
    db.session.execute(
        update(_FORUMS).where(f.id == forum_id, held).values(**_forum_place_values(invited, -1))
    )
    fill_forum_places(forum_id, limit=1)


def fill_forum_places(forum_id: int, *, limit: int | None = None) -> int:
    """Give free in-person places to the forum's waitlist, first come first served (after a
    capacity is raised or removed): then to invited people waiting, who may use the reserve."""
    promoted = 0
    for invited in (False, True):
        promoted += _fill(
            lambda invited=invited: _first_waiting_registration(forum_id, invited=invited),
            _take_registration_place,
            _confirm_registration,
            limit=None if limit is None else limit - promoted,
        )
    return promoted


def promote_registration(
    registration: Registration, *, beyond_capacity: bool, tell: bool = True
) -> bool | None:
    """An organizer gives a waiting person a place out of turn: True if a free place was
    taken, False if it was taken beyond the capacity, None if none is free and going beyond
    was not allowed (nothing changed). `tell=False`: no mail (the person is at the desk)."""
    forum_id, invited = registration.forum_id, registration.invited
    return _promote(
        registration,
        lambda: take_forum_place(forum_id, invited=invited),
        lambda: take_forum_place_beyond_capacity(forum_id, invited=invited),
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
        free_forum_place(registration.forum_id, invited=registration.invited)


def _places_held(forum_id: int, *, invited: bool = False) -> Select:
    """The count of the forum's confirmed in-person registrations: the places they hold
    (`invited`: those invited people hold)."""
    query = (
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum_id,
            Registration.attendance == AttendanceMode.IN_PERSON,
            Registration.status == PlaceStatus.CONFIRMED,
        )
    )
    if invited:
        query = query.where(Registration.category.in_(INVITED_CATEGORIES))
    return query


def invited_places_held(forum: Forum) -> int:
    """In-person places invited people hold: the lowest the forum's reserve may go."""
    if forum.in_person_capacity is not None:
        return forum.invited_taken
    return db.session.scalar(_places_held(forum.id, invited=True))


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
    invited = _places_held(forum_id, invited=True).scalar_subquery()
    db.session.execute(
        update(_FORUMS)
        .where(f.id == forum_id)
        .values(in_person_taken=held, invited_taken=invited, updated_at=f.updated_at)
    )


# ----------------------------------------------------------------------------- session seats


def _seat_values(invited: bool, step: int) -> dict:
    c = _SESSIONS.c
    values: dict = {"seats_taken": c.seats_taken + step, "updated_at": c.updated_at}
    if invited:
        values["invited_seats_taken"] = c.invited_seats_taken + step
    return values


def take_session_seat(session_id: int, *, invited: bool = False) -> bool:
    """One seat of a session with seats of its own: a single conditional UPDATE. The public's
    seat must also leave the session's reserve for invited people whole."""
    c = _SESSIONS.c
    room = c.seats_taken < c.seats
    if not invited:
        room &= _public_room(c.seats_taken, c.invited_seats_taken, c.seats, c.reserved_seats)
    result = db.session.execute(
        update(_SESSIONS).where(c.id == session_id, room).values(**_seat_values(invited, 1))
    )
    return result.rowcount == 1


def take_session_seat_beyond_capacity(session_id: int, *, invited: bool = False) -> None:
    """One seat past the session's seats: only for an organizer's recorded override."""
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS).where(c.id == session_id).values(**_seat_values(invited, 1))
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
    invited = registration.invited
    if take_session_seat(session.id, invited=invited):
        return PlaceStatus.CONFIRMED, None
    number = _next_session_waitlist_number(session.id)
    if take_session_seat(session.id, invited=invited):
        return PlaceStatus.CONFIRMED, None
    return PlaceStatus.WAITLISTED, number


def _first_waiting_booking(session_id: int, *, invited: bool = False) -> Booking | None:
    """The first booking waiting for the session's seats (`invited`: of an invited person)."""
    query = select(Booking).where(
        Booking.session_id == session_id, Booking.status == PlaceStatus.WAITLISTED
    )
    if invited:
        query = query.where(
            Booking.registration_id.in_(
                select(Registration.id).where(Registration.category.in_(INVITED_CATEGORIES))
            )
        )
    return db.session.scalar(
        query.order_by(Booking.waitlist_seq, Booking.id).limit(1).with_for_update()
    )


def _take_booking_seat(booking: Booking) -> bool:
    return take_session_seat(booking.session_id, invited=booking.registration.invited)


def _confirm_booking(booking: Booking) -> None:
    booking.status = PlaceStatus.CONFIRMED
    booking.waitlist_seq = None
    notify(booking.registration, "waitlist_promoted", session_id=booking.session_id)


def free_session_seat(session_id: int, *, invited: bool = False) -> None:
    """Give back a seat; the first person waiting who may take it gets it."""
    # The UPDATE locks the session row: a racing cancellation waits here, then sees our
    # promotion committed and promotes the next person, never the same one twice.
    c = _SESSIONS.c
    held = (c.seats_taken > 0) & (c.invited_seats_taken > 0) if invited else c.seats_taken > 0
    db.session.execute(
        update(_SESSIONS).where(c.id == session_id, held).values(**_seat_values(invited, -1))
    )
    fill_session_seats(session_id, limit=1)


def release_booking(booking: Booking) -> None:
    """Give up a booking; a freed seat goes to the first person waiting, in this transaction."""
    previous = booking.status
    booking.status = PlaceStatus.CANCELLED
    booking.waitlist_seq = None
    db.session.flush()
    if previous == PlaceStatus.CONFIRMED and uses_seat(booking.registration, booking.session):
        free_session_seat(booking.session_id, invited=booking.registration.invited)


def fill_session_seats(session_id: int, *, limit: int | None = None) -> int:
    """Give free seats of a session to its waitlist, first come first served: then to invited
    people waiting, who may use the reserve."""
    promoted = 0
    for invited in (False, True):
        promoted += _fill(
            lambda invited=invited: _first_waiting_booking(session_id, invited=invited),
            _take_booking_seat,
            _confirm_booking,
            limit=None if limit is None else limit - promoted,
        )
    return promoted


def seats_held(session_id: int, *, invited: bool = False) -> int:
    """Confirmed in-person bookings: the seats a session holds, or would once it has a limit
    (`invited`: the seats invited people hold)."""
    query = (
        select(func.count())
        .select_from(Booking)
        .join(Registration, Registration.id == Booking.registration_id)
        .where(
            Booking.session_id == session_id,
            Booking.status == PlaceStatus.CONFIRMED,
            Registration.attendance == AttendanceMode.IN_PERSON,
        )
    )
    if invited:
        query = query.where(Registration.category.in_(INVITED_CATEGORIES))
    return int(db.session.scalar(query) or 0)


def recount_session_seats(session_id: int) -> None:
    """Set the session's counter from its bookings: when it gets seats of its own, the seats
    its in-person bookings already hold are taken."""
    c = _SESSIONS.c
    db.session.execute(
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(
            seats_taken=seats_held(session_id),
            invited_seats_taken=seats_held(session_id, invited=True),
            updated_at=c.updated_at,
        )
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
        update(_SESSIONS)
        .where(c.id == session_id)
        .values(seats_taken=0, invited_seats_taken=0, updated_at=c.updated_at)
    )
    return len(waiting)


def promote_booking(booking: Booking, *, beyond_capacity: bool) -> bool | None:
    """An organizer gives a waiting person a seat out of turn: True if a free seat was taken,
    False if beyond the seats, None if none is free and going beyond was not allowed."""
    session_id, invited = booking.session_id, booking.registration.invited
    return _promote(
        booking,
        lambda: take_session_seat(session_id, invited=invited),
        lambda: take_session_seat_beyond_capacity(session_id, invited=invited),
        _confirm_booking,
        beyond_capacity=beyond_capacity,
    )


# ------------------------------------------------------------------ shared by places and seats


def _fill(
    first_waiting: Callable[[], W | None],
    take: Callable[[W], bool],
    confirm: Callable[[W], None],
    *,
    limit: int | None = None,
) -> int:
    """Confirm the people waiting, first come first served, while places can be taken (at
    most `limit` of them)."""
    promoted = 0
    while limit is None or promoted < limit:
        first = first_waiting()
        if first is None or not take(first):
            break
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


# ------------------------------------------------------------------------------- categories


def move_invited_places(registration: Registration, *, invited: bool) -> bool:
    """The registration becomes invited (or stops being): the places it holds move into (or
    out of) the invited counters. A reserved place it now uses frees a public one for the
    first people waiting; leaving the invited is refused (False, roll back) where the public
    has no free place to take it in. Call before its category changes, under the forum's
    lock."""
    step = 1 if invited else -1
    forum_id = registration.forum_id
    f, c = _FORUMS.c, _SESSIONS.c
    holds_place = (
        registration.attendance == AttendanceMode.IN_PERSON
        and registration.status == PlaceStatus.CONFIRMED
        and counts_places(forum_id)
    )
    seated = sorted(
        b.session_id
        for b in registration.bookings
        if b.status == PlaceStatus.CONFIRMED and uses_seat(registration, b.session)
    )
    moves = (
        [
            (
                _FORUMS,
                forum_id,
                f.in_person_taken,
                f.invited_taken,
                f.in_person_capacity,
                f.reserved_places,
            )
        ]
        if holds_place
        else []
    )
    moves += [
        (_SESSIONS, session_id, c.seats_taken, c.invited_seats_taken, c.seats, c.reserved_seats)
        for session_id in seated
    ]
    for table, row_id, taken, invited_col, capacity, reserved in moves:
        room = (
            true()
            if invited
            else (invited_col > 0) & _public_room(taken, invited_col, capacity, reserved)
        )
        moved = db.session.execute(
            update(table)
            .where(table.c.id == row_id, room)
            .values({invited_col: invited_col + step, table.c.updated_at: table.c.updated_at})
        )
        if moved.rowcount != 1:
            return False
    if invited:
        if holds_place:
            fill_forum_places(forum_id)
        for session_id in seated:
            fill_session_seats(session_id)
    return True
