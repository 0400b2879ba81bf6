"""Who may be checked in, through the service: each refusal's reason, message and the
registration it names; and the claim's own conditions, which hold when the person's place
changes between the desk's look-up and its check-in (another desk or the person themself
cancelling at that moment)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, update

from app.core.errors import RegistrationCancelled
from app.desk import checkin
from app.models import Booking, CheckIn, Registration


@pytest.fixture
def desk_at(staff) -> Callable[..., checkin.Desk]:
    def make(forum, session=None) -> checkin.Desk:
        return checkin.Desk(
            forum=forum, operator=staff("desk", forum), label="Door", session=session
        )

    return make


def refusal(desk, person, kind=checkin.NotAdmitted):
    with pytest.raises(kind) as info:
        checkin.check_in(desk, person)
    return info.value


def recorded(db, registration_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.registration_id == registration_id)
    )


def test_a_cancelled_registration_is_refused_by_name(db, english, open_forum, register, desk_at):
    forum = open_forum()
    person = register(forum, "Kim")
    person.status = "cancelled"
    db.session.commit()
    refused = refusal(desk_at(forum), person, RegistrationCancelled)
    assert (
        refused.message == "This registration was cancelled. Do not check this person in with it."
    )
    assert refused.details["registration_id"] == person.id
    assert recorded(db, person.id) == 0


def test_a_session_desk_names_each_refusal(
    db, english, open_forum, make_session, register, desk_at
):
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour")
    other = make_session(forum, kind="tour", seats=5, start="14:00", end="15:00")
    seated = register(forum, "Seated", sessions=[tour])
    waiting = register(forum, "Waiting", sessions=[tour])
    elsewhere = register(forum, "Elsewhere", sessions=[other])
    desk = desk_at(forum, tour)

    refused = refusal(desk, elsewhere)
    assert (refused.code, refused.reason) == ("not_admitted", "not_booked")
    assert refused.message == "This person has no place in this session."
    assert refused.details["registration_id"] == elsewhere.id

    refused = refusal(desk, waiting)
    assert refused.reason == "session_waitlisted"
    assert refused.message == (
        "This person is on the waiting list of this session (position 1), without a seat."
    )
    assert refused.details["registration_id"] == waiting.id

    booking = db.session.scalar(select(Booking).where(Booking.registration_id == seated.id))
    booking.status = "cancelled"
    db.session.commit()
    refused = refusal(desk, seated)
    assert refused.reason == "session_cancelled"
    assert refused.message == "This person cancelled their place in this session."
    assert refused.details["registration_id"] == seated.id
    assert sum(recorded(db, p.id) for p in (seated, waiting, elsewhere)) == 0


def test_the_forum_desk_names_each_refusal(db, english, open_forum, register, desk_at):
    forum = open_forum(in_person_capacity=1)
    register(forum, "First")
    waiting = register(forum, "Waiting")
    online = register(forum, "Online", attendance="online")
    desk = desk_at(forum)

    refused = refusal(desk, waiting)
    assert refused.reason == "waitlisted"
    assert refused.details["position"] == 1
    assert refused.details["registration_id"] == waiting.id
    assert refused.message == (
        "This person is only on the waiting list (position 1) and has no in-person place. "
        "An organizer can admit them beyond capacity."
    )

    refused = refusal(desk, online)
    assert refused.reason == "online"
    assert refused.details["registration_id"] == online.id
    assert refused.message == (
        "This person registered to attend online and holds no in-person place. "
        "Register them as a walk-in if places are left."
    )


def test_checking_one_person_in_leaves_everyone_else_alone(
    db, open_forum, make_session, register, desk_at
):
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=5)
    people = [register(forum, name, sessions=[tour]) for name in ("Kim", "Lee", "Park")]
    assert checkin.check_in(desk_at(forum), people[0]).first
    assert checkin.check_in(desk_at(forum, tour), people[1]).first
    db.session.rollback()
    at_the_door = {
        p.name: p.checked_in_at is not None for p in db.session.scalars(select(Registration))
    }
    assert at_the_door == {"Kim": True, "Lee": False, "Park": False}
    on_the_tour = {
        b.registration.name: b.checked_in_at is not None
        for b in db.session.scalars(select(Booking).where(Booking.session_id == tour.id))
    }
    assert on_the_tour == {"Kim": False, "Lee": True, "Park": False}


@contextmanager
def meanwhile(monkeypatch, change: Callable[[], None]) -> Iterator[None]:
    """`change` is committed on a connection of its own after the desk's look-up and checks,
    just before its write transaction: as another request would."""
    real = checkin.write_transaction

    @contextmanager
    def after_the_change(*args, **kwargs):
        change()
        with real(*args, **kwargs):
            yield

    monkeypatch.setattr(checkin, "write_transaction", after_the_change)
    yield
    monkeypatch.setattr(checkin, "write_transaction", real)


def commit_elsewhere(db, statement) -> Callable[[], None]:
    def run() -> None:
        with db.engine.begin() as conn:
            conn.execute(statement)

    return run


@pytest.mark.parametrize(
    ("values", "refused_as"),
    [
        ({"status": "cancelled"}, RegistrationCancelled),
        ({"attendance": "online"}, checkin.NotAdmitted),
    ],
    ids=["cancelled", "switched-online"],
)
def test_a_forum_check_in_is_refused_when_the_place_went_meanwhile(
    db, english, open_forum, register, desk_at, monkeypatch, values, refused_as
):
    forum = open_forum()
    person = register(forum, "Kim")
    desk = desk_at(forum)
    change = update(Registration).where(Registration.id == person.id).values(**values)
    with meanwhile(monkeypatch, commit_elsewhere(db, change)):
        refusal(desk, person, refused_as)
    assert recorded(db, person.id) == 0
    assert db.session.get(Registration, person.id).checked_in_at is None


def test_a_session_check_in_is_refused_when_the_seat_went_meanwhile(
    db, english, open_forum, make_session, register, desk_at, monkeypatch
):
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=5)
    person = register(forum, "Kim", sessions=[tour])
    desk = desk_at(forum, tour)
    change = update(Booking).where(Booking.registration_id == person.id).values(status="cancelled")
    with meanwhile(monkeypatch, commit_elsewhere(db, change)):
        refused = refusal(desk, person)
    assert refused.reason == "session_cancelled"
    assert recorded(db, person.id) == 0
    booking = db.session.scalar(select(Booking).where(Booking.registration_id == person.id))
    assert booking.checked_in_at is None


@pytest.mark.parametrize(
    ("values", "refused_as"),
    [
        ({"status": "cancelled"}, RegistrationCancelled),
        ({"status": "waitlisted", "waitlist_seq": 1}, checkin.NotAdmitted),
        ({"attendance": "online"}, checkin.NotAdmitted),
    ],
    ids=["cancelled", "moved-to-the-waiting-list", "switched-online"],
)
def test_a_session_check_in_is_refused_when_the_forum_place_went_meanwhile(
    db, english, open_forum, make_session, register, desk_at, monkeypatch, values, refused_as
):
    """The seat is still there; the person's place in the forum is not. Somebody else holds
    a confirmed in-person place, so only the claim's own look at this person refuses."""
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=5)
    person = register(forum, "Kim", sessions=[tour])
    register(forum, "Lee", sessions=[tour])
    desk = desk_at(forum, tour)
    change = update(Registration).where(Registration.id == person.id).values(**values)
    with meanwhile(monkeypatch, commit_elsewhere(db, change)):
        refusal(desk, person, refused_as)
    assert recorded(db, person.id) == 0
    booking = db.session.scalar(select(Booking).where(Booking.registration_id == person.id))
    assert booking.checked_in_at is None


def test_a_waiting_place_without_a_rank_is_still_refused_clearly(
    db, english, open_forum, make_session, register, desk_at
):
    """A waiting place whose rank is unknown (a row written by hand) says "position ?"
    rather than "position None"."""
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=5)
    person = register(forum, "Kim", sessions=[tour])
    db.session.execute(
        update(Booking)
        .where(Booking.registration_id == person.id)
        .values(status="waitlisted", waitlist_seq=None)
    )
    db.session.commit()
    message = str(refusal(desk_at(forum, tour), person))
    assert "(position ?)" in message and "None" not in message

    db.session.execute(
        update(Registration)
        .where(Registration.id == person.id)
        .values(status="waitlisted", waitlist_seq=None)
    )
    db.session.commit()
    db.session.expire_all()
    message = str(refusal(desk_at(forum), db.session.get(Registration, person.id)))
    assert "only on the waiting list (position ?)" in message and "None" not in message
