"""The place ledger, function by function: counters taken and given back up to the capacity,
waiting lists served first come first served (by number, not by row id), promotions out of turn
and beyond capacity, recounts, positions; and every counter UPDATE leaves `updated_at` alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration
from app.models.enums import PlaceStatus
from app.places import ledger
from app.registration import operations as registrations

CONFIRMED, WAITLISTED = PlaceStatus.CONFIRMED, PlaceStatus.WAITLISTED


def person(n: int, **fields) -> registrations.RegistrationRequest:
    values = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "attendance": "in_person",
        "locale": "ko",
        "consent_personal_data": True,
    }
    values.update(fields)
    return registrations.RegistrationRequest(**values)


def register(forum, n: int, **fields) -> int:
    return registrations.register(forum, person(n, **fields)).registration.id


def get(db, model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def booking(db, registration_id: int, session_id: int) -> Booking:
    db.session.expire_all()
    return db.session.scalar(
        select(Booking).where(
            Booking.registration_id == registration_id, Booking.session_id == session_id
        )
    )


def promoted(db) -> list[tuple[str, int | None]]:
    """The promotion mails queued: (recipient, session id or None for a forum place)."""
    db.session.expire_all()
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "waitlist_promoted")
        .order_by(OutboxMessage.id)
    )
    return [(m.recipient, m.context.get("session_id")) for m in rows]


def renumber(db, model, row_id: int, seq: int) -> None:
    """Give a waiting row another waitlist number (so number order and id order differ)."""
    db.session.execute(update(model).where(model.id == row_id).values(waitlist_seq=seq))
    db.session.commit()


def counters(db, forum_or_session) -> tuple:
    row = get(db, type(forum_or_session), forum_or_session.id)
    if isinstance(row, Forum):
        return row.in_person_taken, row.waitlist_seq, row.updated_at
    return row.seats_taken, row.waitlist_seq, row.updated_at


# ------------------------------------------------------------------------------ forum places


def test_forum_places_are_taken_up_to_the_capacity_of_that_forum_only(db, make_forum):
    forum = make_forum(in_person_capacity=2)
    other = make_forum(in_person_capacity=5)
    unlimited = make_forum()
    stamp, other_stamp = forum.updated_at, other.updated_at

    assert [ledger.take_forum_place(forum.id) for _ in range(3)] == [True, True, False]
    assert [ledger.take_forum_place(unlimited.id) for _ in range(3)] == [True, True, True]
    db.session.commit()
    assert counters(db, forum) == (2, 0, stamp)
    assert counters(db, other) == (0, 0, other_stamp)
    assert counters(db, unlimited)[0] == 3

    ledger.take_forum_place_beyond_capacity(forum.id)  # an organizer's override
    db.session.commit()
    assert counters(db, forum) == (3, 0, stamp)
    assert counters(db, other) == (0, 0, other_stamp)
    assert ledger.take_forum_place(forum.id) is False


def test_a_forum_place_or_the_next_number_on_its_waiting_list(db, make_forum):
    forum = make_forum(in_person_capacity=1)
    other = make_forum(in_person_capacity=1)
    stamp = forum.updated_at
    claims = [ledger.claim_forum_place(forum.id) for _ in range(3)]
    db.session.commit()
    assert claims == [(CONFIRMED, None), (WAITLISTED, 1), (WAITLISTED, 2)]
    assert counters(db, forum) == (1, 2, stamp)
    assert counters(db, other)[:2] == (0, 0)


def test_a_place_freed_while_the_number_is_drawn_is_taken_not_missed(db, make_forum, monkeypatch):
    """On PostgreSQL a place can be given back between the first try and the row lock that
    drawing a number takes: the second try, under that lock, finds it."""
    forum = make_forum(in_person_capacity=1)
    assert ledger.claim_forum_place(forum.id) == (CONFIRMED, None)
    draw = ledger._next_forum_waitlist_number

    def draw_while_someone_cancels(forum_id: int) -> int:
        number = draw(forum_id)
        ledger.free_forum_place(forum_id)  # nobody waits: the place is simply free again
        return number

    monkeypatch.setattr(ledger, "_next_forum_waitlist_number", draw_while_someone_cancels)
    assert ledger.claim_forum_place(forum.id) == (CONFIRMED, None)
    db.session.commit()
    assert counters(db, forum)[:2] == (1, 1)  # the number drawn is spent


def test_a_freed_place_goes_to_the_lowest_number_waiting(db, make_forum):
    forum = make_forum(in_person_capacity=1)
    elsewhere = make_forum(in_person_capacity=1)
    register(elsewhere, 8)
    waiting_elsewhere = register(elsewhere, 9)  # number 1, of another forum
    holder = register(forum, 1)
    second = register(forum, 2)  # number 1
    third = register(forum, 3)  # number 2
    renumber(db, Registration, second, 5)  # now behind the third, though registered first
    stamp = get(db, Forum, forum.id).updated_at

    ledger.free_forum_place(forum.id)
    db.session.commit()
    first_in = get(db, Registration, third)
    assert (first_in.status, first_in.waitlist_seq) == ("confirmed", None)
    assert get(db, Registration, second).status == "waitlisted"
    assert promoted(db) == [("person3@example.org", None)]
    assert counters(db, forum) == (1, 2, stamp)
    assert get(db, Registration, holder).status == "confirmed"  # the caller releases it
    assert get(db, Registration, waiting_elsewhere).status == "waitlisted"


def test_freeing_a_place_without_anyone_waiting_or_without_a_place_to_give(db, make_forum):
    forum = make_forum(in_person_capacity=2)
    other = make_forum(in_person_capacity=2)
    register(forum, 1)
    register(other, 9)
    ledger.free_forum_place(forum.id)
    ledger.free_forum_place(forum.id)  # never below zero
    db.session.commit()
    assert counters(db, forum)[0] == 0
    assert counters(db, other)[0] == 1  # another forum's place is left alone
    assert promoted(db) == []

    full = make_forum(in_person_capacity=1)
    register(full, 2)
    waiting = register(full, 3)
    ledger.take_forum_place_beyond_capacity(full.id)
    ledger.take_forum_place_beyond_capacity(full.id)
    ledger.free_forum_place(full.id)  # 3 taken, 2 left: still over the capacity of 1
    db.session.commit()
    assert counters(db, full)[0] == 2
    assert get(db, Registration, waiting).status == "waitlisted"
    assert promoted(db) == []


def test_raising_the_capacity_fills_the_new_places_in_waiting_order(db, make_forum):
    forum = make_forum(in_person_capacity=1)
    register(forum, 1)
    second, third, fourth = register(forum, 2), register(forum, 3), register(forum, 4)
    renumber(db, Registration, second, 7)  # last in line now
    assert ledger.fill_forum_places(forum.id) == 0  # no free place yet

    db.session.execute(update(Forum).where(Forum.id == forum.id).values(in_person_capacity=3))
    db.session.commit()
    assert ledger.fill_forum_places(forum.id) == 2
    db.session.commit()
    assert [get(db, Registration, r).status for r in (third, fourth, second)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert promoted(db) == [("person3@example.org", None), ("person4@example.org", None)]
    assert counters(db, forum)[0] == 3
    assert ledger.fill_forum_places(forum.id) == 0


def test_an_organizer_promotes_out_of_turn_within_or_beyond_the_capacity(db, make_forum):
    forum = make_forum(in_person_capacity=1)
    register(forum, 1)
    second, third = register(forum, 2), register(forum, 3)

    refused = ledger.promote_registration(get(db, Registration, third), beyond_capacity=False)
    db.session.commit()
    assert refused is None
    assert get(db, Registration, third).status == "waitlisted"
    assert counters(db, forum)[0] == 1 and promoted(db) == []

    beyond = ledger.promote_registration(get(db, Registration, third), beyond_capacity=True)
    db.session.commit()
    assert beyond is False
    assert get(db, Registration, third).status == "confirmed"
    assert counters(db, forum)[0] == 2
    assert promoted(db) == [("person3@example.org", None)]

    db.session.execute(update(Forum).where(Forum.id == forum.id).values(in_person_capacity=5))
    db.session.commit()
    at_the_desk = ledger.promote_registration(
        get(db, Registration, second), beyond_capacity=False, tell=False
    )
    db.session.commit()
    assert at_the_desk is True
    assert get(db, Registration, second).status == "confirmed"
    assert counters(db, forum)[0] == 3
    assert promoted(db) == [("person3@example.org", None)]  # no mail at the desk

    within = make_forum(in_person_capacity=5)
    waiting = register(within, 4)
    renumber(db, Registration, waiting, 1)
    db.session.execute(
        update(Registration).where(Registration.id == waiting).values(status="waitlisted")
    )
    db.session.commit()
    told = ledger.promote_registration(get(db, Registration, waiting), beyond_capacity=True)
    db.session.commit()
    assert told is True  # a free place was there: not beyond the capacity
    assert counters(db, within)[0] == 2
    assert promoted(db)[-1] == ("person4@example.org", None)


def test_places_are_counted_from_registrations_until_there_is_a_capacity(db, make_forum):
    forum = make_forum()
    other = make_forum()
    register(forum, 1)
    register(forum, 2)
    register(forum, 3, attendance="online")
    gone = register(forum, 4)
    registrations.cancel_registration(get(db, Registration, gone))
    register(other, 5)
    stamp = get(db, Forum, forum.id).updated_at

    assert ledger.counts_places(forum.id) is False
    assert ledger.places_taken(get(db, Forum, forum.id)) == 2
    assert counters(db, forum)[0] == 0  # left alone without a capacity

    ledger.recount_places(forum.id)
    db.session.commit()
    assert counters(db, forum) == (2, 0, stamp)
    assert counters(db, other)[0] == 0

    db.session.execute(
        update(Forum).where(Forum.id == forum.id).values(in_person_capacity=9, in_person_taken=7)
    )
    db.session.commit()
    assert ledger.counts_places(forum.id) is True
    assert ledger.places_taken(get(db, Forum, forum.id)) == 7  # the counter, not a count


@pytest.mark.parametrize(
    ("attendance", "status", "capacity", "frees"),
    [
        ("in_person", "confirmed", 1, True),
        ("in_person", "waitlisted", 1, False),
        ("online", "confirmed", 1, False),
        ("in_person", "confirmed", None, False),
    ],
)
def test_releasing_a_forum_place_frees_only_a_counted_in_person_place(
    db, make_forum, attendance, status, capacity, frees
):
    forum = make_forum(in_person_capacity=capacity)
    releasing = register(forum, 1, attendance=attendance)
    if status == "waitlisted":
        ledger.take_forum_place_beyond_capacity(forum.id)
        db.session.execute(
            update(Registration)
            .where(Registration.id == releasing)
            .values(status="waitlisted", waitlist_seq=4)
        )
    db.session.execute(update(Forum).where(Forum.id == forum.id).values(in_person_taken=1))
    db.session.commit()
    waiting = register(forum, 2) if capacity else None

    registration = get(db, Registration, releasing)
    ledger.release_forum_place(registration)
    assert registration.waitlist_seq is None
    db.session.commit()
    if frees:
        assert get(db, Registration, waiting).status == "confirmed"
        assert promoted(db) == [("person2@example.org", None)]
    else:
        assert promoted(db) == []
        assert counters(db, forum)[0] == 1


# ----------------------------------------------------------------------------- session seats


def test_session_seats_are_taken_up_to_the_seats_of_that_session_only(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=2)
    other = make_session(forum, seats=5, start="12:00", end="13:00")
    open_hall = make_session(forum, start="14:00", end="15:00")
    stamp = tour.updated_at

    assert [ledger.take_session_seat(tour.id) for _ in range(3)] == [True, True, False]
    assert ledger.take_session_seat(open_hall.id) is False  # no seats of its own to take
    ledger.take_session_seat_beyond_capacity(tour.id)
    db.session.commit()
    assert counters(db, tour) == (3, 0, stamp)
    assert counters(db, other)[:2] == (0, 0)


def test_a_seat_is_used_only_by_an_in_person_attendee_of_a_session_with_seats(
    db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    open_hall = make_session(forum, seats=None, start="12:00", end="13:00")
    here = get(db, Registration, register(forum, 1))
    online = get(db, Registration, register(forum, 2, attendance="online"))
    assert ledger.uses_seat(here, tour) is True
    assert ledger.uses_seat(here, open_hall) is False
    assert ledger.uses_seat(online, tour) is False

    other = make_session(forum, seats=0, start="16:00", end="17:00")
    stamp = get(db, ForumSession, tour.id).updated_at
    claims = [
        ledger.claim_session_seat(online, tour),
        ledger.claim_session_seat(here, open_hall),
        ledger.claim_session_seat(here, tour),
        ledger.claim_session_seat(here, tour),
        ledger.claim_session_seat(here, tour),
    ]
    db.session.commit()
    assert claims == [
        (CONFIRMED, None),
        (CONFIRMED, None),
        (CONFIRMED, None),
        (WAITLISTED, 1),
        (WAITLISTED, 2),
    ]
    assert counters(db, tour) == (1, 2, stamp)
    assert counters(db, open_hall)[:2] == (0, 0)
    assert counters(db, other)[:2] == (0, 0)


def test_a_seat_freed_while_the_number_is_drawn_is_taken_not_missed(
    db, make_forum, make_session, monkeypatch
):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    here = get(db, Registration, register(forum, 1))
    assert ledger.claim_session_seat(here, tour) == (CONFIRMED, None)
    draw = ledger._next_session_waitlist_number

    def draw_while_someone_cancels(session_id: int) -> int:
        number = draw(session_id)
        ledger.free_session_seat(session_id)
        return number

    monkeypatch.setattr(ledger, "_next_session_waitlist_number", draw_while_someone_cancels)
    assert ledger.claim_session_seat(here, tour) == (CONFIRMED, None)
    db.session.commit()
    assert counters(db, tour)[:2] == (1, 1)


def test_a_freed_seat_goes_to_the_lowest_number_waiting_for_that_session(
    db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    other = make_session(forum, seats=1, start="12:00", end="13:00")
    holder = register(forum, 1, session_ids=[tour.id])
    second = register(forum, 2, session_ids=[tour.id])
    third = register(forum, 3, session_ids=[tour.id])
    register(forum, 4, session_ids=[other.id])
    fifth = register(forum, 5, session_ids=[other.id])
    renumber(db, Booking, booking(db, second, tour.id).id, 5)
    stamp = get(db, ForumSession, tour.id).updated_at

    ledger.release_booking(booking(db, holder, tour.id))
    db.session.commit()
    released = booking(db, holder, tour.id)
    assert (released.status, released.waitlist_seq) == ("cancelled", None)
    first_in = booking(db, third, tour.id)
    assert (first_in.status, first_in.waitlist_seq) == ("confirmed", None)
    assert booking(db, second, tour.id).status == "waitlisted"
    assert booking(db, fifth, other.id).status == "waitlisted"
    assert promoted(db) == [("person3@example.org", tour.id)]
    assert counters(db, tour) == (1, 2, stamp)
    assert counters(db, other)[0] == 1


def test_releasing_a_booking_that_held_no_seat_frees_none(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    register(forum, 1, session_ids=[tour.id])
    waiting = register(forum, 2, session_ids=[tour.id])
    last = register(forum, 3, session_ids=[tour.id])
    online = register(forum, 4, attendance="online", session_ids=[])

    ledger.release_booking(booking(db, waiting, tour.id))
    db.session.commit()
    assert booking(db, waiting, tour.id).status == "cancelled"
    assert booking(db, last, tour.id).status == "waitlisted"
    assert counters(db, tour)[0] == 1 and promoted(db) == []

    hall = make_session(forum, seats=None, format="hybrid", start="12:00", end="13:00")
    registrations.update_registration(get(db, Registration, online), session_ids=[hall.id])
    db.session.execute(update(ForumSession).where(ForumSession.id == hall.id).values(seats=3))
    db.session.commit()
    ledger.release_booking(booking(db, online, hall.id))  # an online attendee holds no seat
    db.session.commit()
    assert counters(db, hall)[0] == 0  # and nothing went below zero


def test_freeing_a_seat_never_goes_below_zero_nor_past_the_seats(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    ledger.free_session_seat(tour.id)
    db.session.commit()
    assert counters(db, tour)[0] == 0

    register(forum, 1, session_ids=[tour.id])
    waiting = register(forum, 2, session_ids=[tour.id])
    ledger.take_session_seat_beyond_capacity(tour.id)
    ledger.free_session_seat(tour.id)  # 2 taken, 1 left: no seat to give
    db.session.commit()
    assert counters(db, tour)[0] == 1
    assert booking(db, waiting, tour.id).status == "waitlisted"
    assert promoted(db) == []


def test_more_seats_fill_from_the_waiting_list_in_order(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    register(forum, 1, session_ids=[tour.id])
    second, third, fourth = (register(forum, n, session_ids=[tour.id]) for n in (2, 3, 4))
    renumber(db, Booking, booking(db, second, tour.id).id, 9)
    assert ledger.fill_session_seats(tour.id) == 0

    db.session.execute(update(ForumSession).where(ForumSession.id == tour.id).values(seats=3))
    db.session.commit()
    assert ledger.fill_session_seats(tour.id) == 2
    db.session.commit()
    assert [booking(db, r, tour.id).status for r in (third, fourth, second)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert promoted(db) == [("person3@example.org", tour.id), ("person4@example.org", tour.id)]
    assert counters(db, tour)[0] == 3


def test_seats_are_recounted_from_in_person_bookings_of_that_session(db, make_forum, make_session):
    forum = make_forum()
    hall = make_session(forum, format="hybrid")
    other = make_session(forum, format="hybrid", start="12:00", end="13:00")
    register(forum, 1, session_ids=[hall.id])
    register(forum, 2, session_ids=[hall.id, other.id])
    register(forum, 3, attendance="online", session_ids=[hall.id])
    dropped = register(forum, 4, session_ids=[hall.id])
    registrations.update_registration(get(db, Registration, dropped), session_ids=[])
    stamp = get(db, ForumSession, hall.id).updated_at

    assert ledger.seats_held(hall.id) == 2
    assert ledger.seats_held(make_session(forum, start="15:00", end="16:00").id) == 0
    ledger.recount_session_seats(hall.id)
    db.session.commit()
    assert counters(db, hall) == (2, 0, stamp)
    assert counters(db, other)[0] == 0


def test_lifting_a_session_limit_lets_everyone_waiting_in(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    other = make_session(forum, seats=1, start="12:00", end="13:00")
    register(forum, 1, session_ids=[tour.id, other.id])
    second, third = (register(forum, n, session_ids=[tour.id, other.id]) for n in (2, 3))
    renumber(db, Booking, booking(db, second, tour.id).id, 9)
    stamp = get(db, ForumSession, tour.id).updated_at

    assert ledger.release_session_limit(tour.id) == 2
    db.session.commit()
    assert [booking(db, r, tour.id).status for r in (second, third)] == ["confirmed"] * 2
    assert [booking(db, r, other.id).status for r in (second, third)] == ["waitlisted"] * 2
    assert promoted(db) == [("person3@example.org", tour.id), ("person2@example.org", tour.id)]
    assert counters(db, tour) == (0, 2, stamp)
    assert counters(db, other)[0] == 1
    assert ledger.release_session_limit(tour.id) == 0


def test_an_organizer_gives_a_seat_out_of_turn_within_or_beyond_the_seats(
    db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    register(forum, 1, session_ids=[tour.id])
    second, third = (register(forum, n, session_ids=[tour.id]) for n in (2, 3))

    assert ledger.promote_booking(booking(db, third, tour.id), beyond_capacity=False) is None
    db.session.commit()
    assert booking(db, third, tour.id).status == "waitlisted"
    assert counters(db, tour)[0] == 1 and promoted(db) == []

    assert ledger.promote_booking(booking(db, third, tour.id), beyond_capacity=True) is False
    db.session.commit()
    assert booking(db, third, tour.id).status == "confirmed"
    assert counters(db, tour)[0] == 2
    assert promoted(db) == [("person3@example.org", tour.id)]

    db.session.execute(update(ForumSession).where(ForumSession.id == tour.id).values(seats=5))
    db.session.commit()
    assert ledger.promote_booking(booking(db, second, tour.id), beyond_capacity=True) is True
    db.session.commit()
    assert counters(db, tour)[0] == 3
    assert promoted(db)[-1] == ("person2@example.org", tour.id)


# ---------------------------------------------------------------------------- waiting lists


def test_positions_count_only_those_still_waiting_ahead_on_the_same_list(
    db, make_forum, make_session
):
    forum = make_forum(in_person_capacity=1)
    other_forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1)
    other_tour = make_session(forum, seats=1, start="12:00", end="13:00")
    holder = register(forum, 1, session_ids=[tour.id])
    a, b, c = (register(forum, n, session_ids=[tour.id, other_tour.id]) for n in (2, 3, 4))
    register(other_forum, 5)
    register(other_forum, 6)  # waiting for the other forum, number 1
    renumber(db, Registration, a, 9)  # forum list: b (2), c (3), a (9)
    renumber(db, Booking, booking(db, a, tour.id).id, 9)  # tour list: b, c, a

    def forum_positions():
        return [ledger.forum_waitlist_position(get(db, Registration, r)) for r in (b, c, a)]

    def tour_positions():
        return [ledger.booking_waitlist_position(booking(db, r, tour.id)) for r in (b, c, a)]

    assert forum_positions() == [1, 2, 3]
    assert tour_positions() == [1, 2, 3]
    assert ledger.forum_waitlist_ranks(forum.id) == {b: 1, c: 2, a: 3}

    registrations.cancel_registration(get(db, Registration, b))
    assert forum_positions()[1:] == [1, 2]
    assert tour_positions()[1:] == [1, 2]
    assert ledger.forum_waitlist_ranks(forum.id) == {c: 1, a: 2}
    assert ledger.forum_waitlist_position(get(db, Registration, holder)) is None
    assert ledger.booking_waitlist_position(booking(db, holder, tour.id)) is None
    assert ledger.forum_waitlist_position(get(db, Registration, b)) is None  # cancelled

    # A waiting row without a number (never written so) has no position.
    db.session.execute(update(Registration).where(Registration.id == c).values(waitlist_seq=None))
    db.session.execute(
        update(Booking).where(Booking.id == booking(db, c, tour.id).id).values(waitlist_seq=None)
    )
    db.session.commit()
    assert ledger.forum_waitlist_position(get(db, Registration, c)) is None
    assert ledger.booking_waitlist_position(booking(db, c, tour.id)) is None
