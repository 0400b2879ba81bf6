"""Places held back for invited people: the public never takes them, invited people may take
any free place, a place freed goes to whoever may take it first, a category change moves the
places held between the counters, a recount agrees. (A lowered reserve serving the waiting
list: tests/app/organize/test_guests.py.)"""

from __future__ import annotations

from app.models import Forum, ForumSession, Registration
from app.models.enums import PlaceStatus
from app.places import ledger
from app.registration import operations as registrations
from tests.app.places.test_ledger import booking, get, person, promoted

CONFIRMED, WAITLISTED = PlaceStatus.CONFIRMED, PlaceStatus.WAITLISTED


def register(forum, n: int, **fields) -> Registration:
    return registrations.register(forum, person(n, **fields)).registration


def invite(forum, n: int, category: str = "speaker", **fields) -> Registration:
    return registrations.invite(forum, person(n, category=category, **fields)).registration


def counters(db, forum_id: int) -> tuple[int, int]:
    forum = get(db, Forum, forum_id)
    return forum.in_person_taken, forum.invited_taken


def test_the_public_stops_at_the_reserve_and_invited_people_fill_it(db, make_forum):
    forum = make_forum(in_person_capacity=4, reserved_places=2)
    assert [register(forum, n).status for n in (1, 2, 3)] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert counters(db, forum.id) == (2, 0)
    assert [invite(forum, n).status for n in (4, 5, 6)] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert counters(db, forum.id) == (4, 2)


def test_invited_people_may_take_public_places_once_the_reserve_is_full(db, make_forum):
    forum = make_forum(in_person_capacity=4, reserved_places=1)
    assert [invite(forum, n).status for n in (1, 2)] == [CONFIRMED, CONFIRMED]
    # 3 public places less the one a guest uses beyond the reserve: 2 for the public.
    assert [register(forum, n).status for n in (3, 4, 5)] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert counters(db, forum.id) == (4, 2)


def test_the_public_form_cannot_register_an_invited_category(db, make_forum):
    forum = make_forum(in_person_capacity=2, reserved_places=2)
    registration = register(forum, 1, category="speaker")
    assert (registration.category, registration.status) == ("general", WAITLISTED)


def test_an_invited_place_given_back_waits_for_invited_people_not_the_public(db, make_forum):
    forum = make_forum(in_person_capacity=2, reserved_places=1)
    speaker = invite(forum, 1)
    register(forum, 2)
    waiting_public = register(forum, 3)
    waiting_guest = invite(forum, 4, "guest")
    assert (waiting_public.status, waiting_guest.status) == (WAITLISTED, WAITLISTED)

    registrations.cancel_registration(get(db, Registration, speaker.id))
    assert get(db, Registration, waiting_public.id).status == WAITLISTED
    assert get(db, Registration, waiting_guest.id).status == CONFIRMED
    assert counters(db, forum.id) == (2, 1)
    assert promoted(db) == [(waiting_guest.email, None)]


def test_a_public_place_given_back_goes_to_the_first_person_waiting(db, make_forum):
    forum = make_forum(in_person_capacity=2, reserved_places=1)
    invite(forum, 1)
    public = register(forum, 2)
    first = register(forum, 3)
    registrations.cancel_registration(get(db, Registration, public.id))
    assert get(db, Registration, first.id).status == CONFIRMED
    assert counters(db, forum.id) == (2, 1)


def test_session_seats_hold_back_their_reserve_the_same_way(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=3, reserved_seats=1)
    people = [register(forum, n, session_ids=[tour.id]) for n in (1, 2, 3)]
    assert [booking(db, p.id, tour.id).status for p in people] == [CONFIRMED, CONFIRMED, WAITLISTED]
    guest = invite(forum, 4, "guest", session_ids=[tour.id])
    assert booking(db, guest.id, tour.id).status == CONFIRMED
    row = get(db, ForumSession, tour.id)
    assert (row.seats_taken, row.invited_seats_taken, row.seats_left) == (3, 1, 0)

    registrations.cancel_registration(get(db, Registration, guest.id))
    row = get(db, ForumSession, tour.id)
    # The seat is held back again: the public person waiting keeps waiting.
    assert booking(db, people[2].id, tour.id).status == WAITLISTED
    assert (row.seats_taken, row.invited_seats_taken, row.seats_left) == (2, 0, 0)


def test_a_category_change_moves_the_places_held(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=3, reserved_places=1)
    tour = make_session(forum, kind="tour", seats=2, reserved_seats=1)
    person_ = register(forum, 1, session_ids=[tour.id])
    register(forum, 2)
    waiting = register(forum, 3)
    assert waiting.status == WAITLISTED

    row = get(db, Registration, person_.id)
    assert ledger.move_invited_places(row, invited=True)
    row.category = "speaker"
    db.session.commit()
    # Their place is a reserved one now, which frees a public place for the first waiting.
    assert counters(db, forum.id) == (3, 1)
    assert get(db, Registration, waiting.id).status == CONFIRMED
    assert get(db, ForumSession, tour.id).invited_seats_taken == 1

    # Back to the public: refused, since the public has no free place to take it in.
    row = get(db, Registration, person_.id)
    assert not ledger.move_invited_places(row, invited=False)
    db.session.rollback()
    assert counters(db, forum.id) == (3, 1)


def test_a_recount_agrees_with_the_counters(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=5, reserved_places=2)
    tour = make_session(forum, kind="tour", seats=4, reserved_seats=2)
    invite(forum, 1, session_ids=[tour.id])
    register(forum, 2, session_ids=[tour.id])
    invite(forum, 3, "staff")
    before = counters(db, forum.id), get(db, ForumSession, tour.id).invited_seats_taken
    from app.core.db import write_transaction

    with write_transaction():
        ledger.recount_places(forum.id)
        ledger.recount_session_seats(tour.id)
    after = counters(db, forum.id), get(db, ForumSession, tour.id).invited_seats_taken
    assert before == after == ((3, 2), 1)
