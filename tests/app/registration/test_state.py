"""A registration's attendance state: the forum place and session places read from the rows,
and every answer that follows from them (API status, mail kind, calendar STATUS, desk refusal)."""

from __future__ import annotations

import pytest

from app.models import Registration
from app.models.enums import PlaceStatus
from app.registration import operations as registrations
from app.registration.state import (
    Attendance,
    ForumPlace,
    Refusal,
    SessionPlace,
    attendance_state,
    forum_place,
)

CONFIRMED, WAITLISTED, CANCELLED = (
    PlaceStatus.CONFIRMED,
    PlaceStatus.WAITLISTED,
    PlaceStatus.CANCELLED,
)

# Session 1: a seat; session 2: third on its waiting list; session 3: given up.
SESSIONS = {
    1: SessionPlace(1, CONFIRMED),
    2: SessionPlace(2, WAITLISTED, 3),
    3: SessionPlace(3, CANCELLED),
}


def state(forum: ForumPlace, position: int | None = None) -> Attendance:
    return Attendance(7, forum, position, dict(SESSIONS))


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


# ------------------------------------------------------------------- what follows from a state


@pytest.mark.parametrize(
    ("forum", "cancelled", "status", "mail_kind", "online"),
    [
        (ForumPlace.IN_PERSON, False, "confirmed", "registration_confirmed", False),
        (ForumPlace.WAITLISTED, False, "waitlisted", "registration_waitlisted", False),
        (ForumPlace.ONLINE, False, "confirmed", "registration_confirmed", True),
        (ForumPlace.CANCELLED, True, "cancelled", "registration_confirmed", False),
    ],
)
def test_the_forum_place_gives_the_api_status_and_the_mail_kind(
    forum, cancelled, status, mail_kind, online
):
    attendance = state(forum)
    assert attendance.cancelled is cancelled
    assert attendance.status == status and isinstance(attendance.status, PlaceStatus)
    assert attendance.mail_kind == mail_kind
    assert attendance.watches_online() is online


def test_positions_are_those_of_the_forum_list_and_of_each_session_list():
    attendance = state(ForumPlace.WAITLISTED, 4)
    assert attendance.waitlist_position == 4
    assert attendance.position_in(2) == 3
    assert attendance.position_in(1) is None  # a seat: no position
    assert attendance.position_in(99) is None  # not booked
    assert state(ForumPlace.IN_PERSON).waitlist_position is None
    assert Attendance(1, ForumPlace.IN_PERSON).sessions == {}


def test_a_given_up_session_is_not_the_persons_place():
    attendance = state(ForumPlace.IN_PERSON)
    assert attendance.session(1) == SESSIONS[1]
    assert attendance.session(2) == SESSIONS[2]
    assert attendance.session(3) is None  # given up
    assert attendance.session(99) is None  # never booked


@pytest.mark.parametrize(
    ("forum", "tentative"),
    [
        # session:             seat, waiting, given up, not booked
        (ForumPlace.IN_PERSON, [False, True, False, False]),
        (ForumPlace.ONLINE, [False, True, False, False]),
        (ForumPlace.WAITLISTED, [True, True, True, True]),
    ],
)
def test_a_calendar_entry_is_tentative_while_the_forum_place_or_the_seat_waits(forum, tentative):
    attendance = state(forum)
    assert [attendance.is_tentative(s) for s in (1, 2, 3, 99)] == tentative


@pytest.mark.parametrize(
    ("forum", "at_the_forum", "at_sessions"),
    [
        # session desks:                 seat, waiting, given up, not booked
        (
            ForumPlace.IN_PERSON,
            None,
            [None, "session_waitlisted", "session_cancelled", "not_booked"],
        ),
        (
            ForumPlace.WAITLISTED,
            "waitlisted",
            ["waitlisted", "session_waitlisted", "session_cancelled", "not_booked"],
        ),
        (
            ForumPlace.ONLINE,
            "online",
            ["online", "session_waitlisted", "session_cancelled", "not_booked"],
        ),
        (ForumPlace.CANCELLED, "cancelled", ["cancelled"] * 4),
    ],
)
def test_a_desk_admits_only_an_in_person_place_and_at_a_session_its_seat(
    forum, at_the_forum, at_sessions
):
    attendance = state(forum)
    assert attendance.refusal() == at_the_forum
    assert attendance.refusal(None) == at_the_forum
    refusals = [attendance.refusal(s) for s in (1, 2, 3, 99)]
    assert refusals == at_sessions
    assert all(r is None or isinstance(r, Refusal) for r in [*refusals, attendance.refusal()])


# ------------------------------------------------------------------- reading the rows


@pytest.mark.parametrize(
    ("status", "attendance", "place"),
    [
        ("confirmed", "in_person", ForumPlace.IN_PERSON),
        ("waitlisted", "in_person", ForumPlace.WAITLISTED),
        ("confirmed", "online", ForumPlace.ONLINE),
        ("cancelled", "in_person", ForumPlace.CANCELLED),
        ("cancelled", "online", ForumPlace.CANCELLED),
    ],
)
def test_the_forum_place_is_read_from_the_registration_row(status, attendance, place):
    assert forum_place(Registration(status=status, attendance=attendance)) is place


def test_the_state_of_registrations_with_places_and_waiting_lists(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, kind="tour", start="10:00", end="11:00")
    talk = make_session(forum, start="12:00", end="13:00")
    holder = registrations.register(forum, person(1, session_ids=[tour.id, talk.id]))
    registrations.register(forum, person(2, session_ids=[tour.id]))
    third = registrations.register(forum, person(3, session_ids=[tour.id]))
    online = registrations.register(forum, person(4, attendance="online"))
    registrations.update_registration(
        db.session.get(Registration, holder.registration.id), session_ids=[tour.id]
    )
    db.session.expire_all()

    mine = attendance_state(db.session.get(Registration, holder.registration.id))
    assert mine == Attendance(
        holder.registration.id,
        ForumPlace.IN_PERSON,
        None,
        {tour.id: SessionPlace(tour.id, CONFIRMED), talk.id: SessionPlace(talk.id, CANCELLED)},
    )
    assert all(isinstance(p.status, PlaceStatus) for p in mine.sessions.values())

    waiting = db.session.get(Registration, third.registration.id)
    assert attendance_state(waiting) == Attendance(
        third.registration.id,
        ForumPlace.WAITLISTED,
        2,
        {tour.id: SessionPlace(tour.id, WAITLISTED, 2)},
    )
    # Without positions only the statuses are read.
    assert attendance_state(waiting, positions=False) == Attendance(
        third.registration.id,
        ForumPlace.WAITLISTED,
        None,
        {tour.id: SessionPlace(tour.id, WAITLISTED, None)},
    )
    assert attendance_state(db.session.get(Registration, online.registration.id)) == Attendance(
        online.registration.id, ForumPlace.ONLINE, None, {}
    )
