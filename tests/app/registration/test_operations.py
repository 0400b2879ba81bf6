"""The registration service: every rule of issue 3, and every bad input, at the service level.

Each refusal checks that nothing was written: no registration, no booking, no outbox row, and
no seat or waitlist number taken.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.bounds import ID_MAX
from app.core.errors import (
    AlreadyRegistered,
    NotFound,
    RegistrationCancelled,
    RegistrationClosed,
    ValidationFailed,
)
from app.core.tokens import hash_token
from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration
from app.places import ledger
from app.registration import operations as registrations
from app.registration.state import attendance_state

# The messages asserted below are the English ones.
pytestmark = pytest.mark.usefixtures("english")

# ------------------------------------------------------------------------------- helpers


def person(n: int | str = 1, **fields) -> registrations.RegistrationRequest:
    values = {
        "name": f"참가자 {n}",
        "email": f"person{n}@example.org",
        "attendance": "in_person",
        "locale": "ko",
        "consent_personal_data": True,
    }
    values.update(fields)
    return registrations.RegistrationRequest(**values)


def snapshot(db) -> dict:
    """Everything a registration can write, read fresh from the database."""
    db.session.expire_all()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {
        "registrations": count(Registration),
        "bookings": count(Booking),
        "outbox": count(OutboxMessage),
        "sessions": db.session.execute(
            select(ForumSession.id, ForumSession.seats_taken, ForumSession.waitlist_seq).order_by(
                ForumSession.id
            )
        ).all(),
        "forums": db.session.execute(
            select(Forum.id, Forum.in_person_taken, Forum.waitlist_seq).order_by(Forum.id)
        ).all(),
    }


def outbox(db, kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def refused(db, forum, request, field: str) -> list[str]:
    """Register, expect a ValidationFailed on `field`, check nothing was written."""
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        registrations.register(forum, request)
    assert field in caught.value.errors, caught.value.errors
    assert all(isinstance(m, str) and m for m in caught.value.errors[field])
    assert snapshot(db) == before
    return caught.value.errors[field]


def seats_taken(db, session) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ForumSession.seats_taken).where(ForumSession.id == session.id))


def forum_taken(db, forum) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Forum.in_person_taken).where(Forum.id == forum.id))


def booking_of(db, registration_id: int, session_id: int) -> Booking:
    db.session.expire_all()
    return db.session.scalar(
        select(Booking).where(
            Booking.registration_id == registration_id, Booking.session_id == session_id
        )
    )


def reload(db, registration_id: int) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration_id)


def position(db, registration_id: int, session_id: int) -> int | None:
    return ledger.booking_waitlist_position(booking_of(db, registration_id, session_id))


# -------------------------------------------------------------------------------- window


def test_registration_before_the_window_opens_is_refused(db, make_forum):
    forum = make_forum(
        registration_opens_at=datetime.now(UTC) + timedelta(days=2),
        registration_closes_at=datetime.now(UTC) + timedelta(days=10),
    )
    before = snapshot(db)
    with pytest.raises(RegistrationClosed) as caught:
        registrations.register(forum, person())
    assert caught.value.status == 409
    assert caught.value.code == "registration_closed"
    assert snapshot(db) == before


def test_registration_after_the_window_closes_is_refused(db, make_forum):
    forum = make_forum(
        registration_opens_at=datetime.now(UTC) - timedelta(days=10),
        registration_closes_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    before = snapshot(db)
    with pytest.raises(RegistrationClosed):
        registrations.register(forum, person())
    assert snapshot(db) == before


def test_a_forum_without_an_opening_date_is_not_open(db, make_forum):
    forum = make_forum(registration_opens_at=None, registration_closes_at=None)
    assert registrations.window_state(forum) == "not_open"
    with pytest.raises(RegistrationClosed):
        registrations.register(forum, person())
    assert snapshot(db)["registrations"] == 0


def test_window_boundaries(make_forum):
    opens = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    closes = datetime(2026, 9, 20, 15, 0, tzinfo=UTC)
    forum = make_forum(registration_opens_at=opens, registration_closes_at=closes)
    second = timedelta(seconds=1)
    assert registrations.window_state(forum, opens - second) == "not_open"
    assert registrations.window_state(forum, opens) == "open"
    assert registrations.window_state(forum, closes - second) == "open"
    assert registrations.window_state(forum, closes) == "closed"


def test_registration_inside_the_window_given_as_now(db, make_forum):
    opens = datetime(2026, 9, 1, tzinfo=UTC)
    forum = make_forum(registration_opens_at=opens, registration_closes_at=opens + timedelta(9))
    result = registrations.register(forum, person(), now=opens + timedelta(days=1))
    assert result.registration.consented_at == opens + timedelta(days=1)
    with pytest.raises(RegistrationClosed):
        registrations.register(forum, person(2), now=opens + timedelta(days=9))


# ------------------------------------------------------------------------ repeated email


def test_a_repeated_email_is_refused_case_insensitively_and_mails_a_fresh_manage_link(
    db, make_forum
):
    forum = make_forum()
    first = registrations.register(forum, person(email="Minji@Example.org", name="김민지"))
    registration_id = first.registration.id
    old_token = first.manage_token
    before = snapshot(db)

    with pytest.raises(AlreadyRegistered) as caught:
        registrations.register(
            forum, person(email="minji@example.ORG", name="Someone Else", attendance="online")
        )
    exc = caught.value
    assert exc.status == 409 and exc.code == "already_registered"
    # Nothing about the existing registration: not its name, code, status or attendance.
    assert exc.details == {}
    assert "김민지" not in exc.message
    assert first.registration.confirmation_code not in exc.message

    after = snapshot(db)
    assert after["registrations"] == before["registrations"] == 1
    assert after["bookings"] == before["bookings"]
    assert after["sessions"] == before["sessions"] and after["forums"] == before["forums"]
    assert after["outbox"] == before["outbox"] + 1
    [message] = outbox(db, "manage_link")
    assert message.recipient.casefold() == "minji@example.org"
    assert message.registration_id == registration_id
    new_token = message.context["manage_token"]
    assert new_token != old_token

    # The earlier link stops working, the mailed one opens the same registration.
    with pytest.raises(NotFound):
        registrations.registration_by_token(old_token)
    assert registrations.registration_by_token(new_token).id == registration_id
    stored = reload(db, registration_id)
    assert stored.name == "김민지" and stored.attendance == "in_person"


def test_the_same_email_may_register_for_another_forum(db, make_forum):
    one, two = make_forum(), make_forum()
    registrations.register(one, person(email="minji@example.org"))
    registrations.register(two, person(email="MINJI@example.org"))
    assert snapshot(db)["registrations"] == 2
    assert outbox(db, "manage_link") == []


# ----------------------------------------------------------------------------- sessions


def test_a_session_of_another_forum_is_refused(db, make_forum, make_session):
    forum, other = make_forum(), make_forum()
    foreign = make_session(other, seats=10, kind="tour")
    messages = refused(db, forum, person(session_ids=[foreign.id]), "session_ids")
    assert str(foreign.id) in messages[0]
    assert seats_taken(db, foreign) == 0


def test_an_unknown_session_id_is_refused(db, make_forum, make_session):
    forum = make_forum()
    known = make_session(forum, seats=10)
    messages = refused(db, forum, person(session_ids=[known.id, 987654]), "session_ids")
    assert "987654" in messages[0]
    assert seats_taken(db, known) == 0
    messages = refused(db, forum, person(session_ids=[987655, known.id, 987654]), "session_ids")
    assert messages == ["These sessions are not part of this forum: 987654, 987655"]


@pytest.mark.parametrize("huge", [2**31, 10**30, -1, 0])
def test_out_of_range_session_ids_are_refused_not_crashing(db, make_forum, make_session, huge):
    forum = make_forum()
    make_session(forum, seats=10)
    refused(db, forum, person(session_ids=[huge]), "session_ids")


def test_the_largest_id_the_column_holds_is_still_a_session(db, make_forum, make_session):
    forum = make_forum()
    last = make_session(forum, seats=10, id=ID_MAX)
    result = registrations.register(forum, person(session_ids=[ID_MAX]))
    assert [b.session_id for b in result.registration.bookings] == [last.id] == [ID_MAX]


def test_a_cancelled_session_is_refused(db, make_forum, make_session):
    forum = make_forum()
    gone = make_session(forum, seats=10, status="cancelled", title_ko="취소된 투어")
    messages = refused(db, forum, person(session_ids=[gone.id]), "session_ids")
    assert "취소된 투어" in messages[0]
    assert messages == ["“취소된 투어” has been cancelled."]


def test_without_a_known_locale_sessions_are_named_in_korean(db, make_forum, make_session):
    forum = make_forum()
    gone = make_session(forum, status="cancelled", title_ko="취소된 투어", title_en="Tour")
    messages = refused(db, forum, person(locale="fr", session_ids=[gone.id]), "session_ids")
    assert messages == ["“취소된 투어” has been cancelled."]


def test_overlapping_sessions_are_refused(db, make_forum, make_session):
    forum = make_forum()
    a = make_session(forum, seats=10, start="10:00", end="11:00", title_en="Tour A")
    b = make_session(forum, seats=10, start="10:30", end="11:30", title_en="Tour B")
    messages = refused(db, forum, person(session_ids=[a.id, b.id], locale="en"), "session_ids")
    assert "Tour A" in messages[0] and "Tour B" in messages[0]
    assert messages == ["“Tour A” and “Tour B” take place at the same time; choose one."]
    # The sessions are named in the person's language.
    a.title_ko, b.title_ko = "투어 A", "투어 B"
    db.session.commit()
    messages = refused(db, forum, person(session_ids=[a.id, b.id], locale="ko"), "session_ids")
    assert messages == ["“투어 A” and “투어 B” take place at the same time; choose one."]


def test_back_to_back_sessions_do_not_overlap(db, make_forum, make_session):
    forum = make_forum()
    a = make_session(forum, seats=10, start="10:00", end="11:00")
    b = make_session(forum, seats=10, start="11:00", end="12:00")
    result = registrations.register(forum, person(session_ids=[a.id, b.id]))
    assert sorted(b.session_id for b in result.registration.bookings) == [a.id, b.id]


def test_an_online_attendee_cannot_choose_an_in_person_only_session(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=10, format="in_person", title_en="City Hall tour")
    messages = refused(
        db, forum, person(attendance="online", session_ids=[tour.id], locale="en"), "session_ids"
    )
    assert "City Hall tour" in messages[0]
    assert messages == [
        "“City Hall tour” takes place in person only; choose in-person attendance to join it."
    ]
    # The session is named in the person's language.
    tour.title_ko = "시청 투어"
    db.session.commit()
    messages = refused(
        db, forum, person(attendance="online", session_ids=[tour.id], locale="ko"), "session_ids"
    )
    assert "시청 투어" in messages[0] and "City Hall tour" not in messages[0]


@pytest.mark.parametrize("bad", [["abc"], ["1.5"], [1.5], [None], [True], [[1]], [{"id": 1}]])
def test_non_integer_session_ids_are_refused(db, make_forum, make_session, bad):
    forum = make_forum()
    make_session(forum, seats=10)
    messages = refused(db, forum, person(session_ids=bad), "session_ids")
    assert messages == ["Session ids must be numbers."]


def test_numeric_strings_are_accepted_as_session_ids(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=10)
    result = registrations.register(forum, person(session_ids=[str(tour.id), tour.id]))
    assert [b.session_id for b in result.registration.bookings] == [tour.id]
    assert seats_taken(db, tour) == 1


# ---------------------------------------------------------------------- attendance modes


@pytest.mark.parametrize(
    ("forum_format", "attendance", "accepted"),
    [
        ("in_person", "in_person", True),
        ("in_person", "online", False),
        ("online", "online", True),
        ("online", "in_person", False),
        ("hybrid", "in_person", True),
        ("hybrid", "online", True),
        ("hybrid", "", False),
        ("hybrid", "both", False),
    ],
)
def test_attendance_modes_follow_the_forum_format(
    db, make_forum, forum_format, attendance, accepted
):
    forum = make_forum(format=forum_format)
    if accepted:
        result = registrations.register(forum, person(attendance=attendance))
        assert result.registration.attendance == attendance
        assert result.registration.status == "confirmed"
    else:
        refused(db, forum, person(attendance=attendance), "attendance")


# -------------------------------------------------------------------------------- seats


def test_an_in_person_attendee_takes_a_forum_place_and_a_session_seat(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=10)
    tour = make_session(forum, seats=5, kind="tour")
    result = registrations.register(forum, person(session_ids=[tour.id]))
    assert forum_taken(db, forum) == 1
    assert seats_taken(db, tour) == 1
    registration = reload(db, result.registration.id)
    assert registration.status == "confirmed" and registration.waitlist_seq is None
    [booking] = registration.bookings
    assert (booking.session_id, booking.status, booking.waitlist_seq) == (
        tour.id,
        "confirmed",
        None,
    )
    [message] = outbox(db)
    assert message.kind == "registration_confirmed"
    assert message.recipient == "person1@example.org"
    assert message.context["manage_token"] == result.manage_token
    assert message.context["calendar_token"] == result.calendar_token


def test_an_online_attendee_takes_no_seat(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1, in_person_taken=1)
    stream = make_session(forum, seats=1, seats_taken=1, format="hybrid", title_en="Hybrid talk")
    result = registrations.register(forum, person(attendance="online", session_ids=[stream.id]))
    assert forum_taken(db, forum) == 1
    assert seats_taken(db, stream) == 1
    registration = reload(db, result.registration.id)
    assert registration.status == "confirmed"
    assert [(b.status, b.waitlist_seq) for b in registration.bookings] == [("confirmed", None)]
    assert [m.kind for m in outbox(db)] == ["registration_confirmed"]


def test_a_session_without_a_seat_limit_takes_no_seat(db, make_forum, make_session):
    forum = make_forum()
    open_talk = make_session(forum, seats=None)
    result = registrations.register(forum, person(session_ids=[open_talk.id]))
    assert [b.status for b in result.registration.bookings] == ["confirmed"]
    assert seats_taken(db, open_talk) == 0


def test_a_full_session_puts_people_on_its_waitlist_with_positions(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1, kind="tour")
    first = registrations.register(forum, person(1, session_ids=[tour.id]))
    second = registrations.register(forum, person(2, session_ids=[tour.id]))
    third = registrations.register(forum, person(3, session_ids=[tour.id]))
    assert seats_taken(db, tour) == 1
    assert booking_of(db, first.registration.id, tour.id).status == "confirmed"
    assert booking_of(db, second.registration.id, tour.id).status == "waitlisted"
    assert position(db, second.registration.id, tour.id) == 1
    assert position(db, third.registration.id, tour.id) == 2
    # The forum place itself is confirmed: only the session is full.
    assert reload(db, second.registration.id).status == "confirmed"
    # A full session does not keep anyone away from the forum: everyone gets the confirmation
    # (which lists the tour as waitlisted), never the "do not come" notice.
    kinds = [(m.recipient, m.kind) for m in outbox(db)]
    assert kinds == [
        ("person1@example.org", "registration_confirmed"),
        ("person2@example.org", "registration_confirmed"),
        ("person3@example.org", "registration_confirmed"),
    ]


def test_a_full_forum_puts_in_person_attendees_on_the_forum_waitlist(db, make_forum):
    forum = make_forum(in_person_capacity=1)
    first = registrations.register(forum, person(1))
    second = registrations.register(forum, person(2))
    third = registrations.register(forum, person(3))
    online = registrations.register(forum, person(4, attendance="online"))
    assert forum_taken(db, forum) == 1
    assert attendance_state(reload(db, first.registration.id)).status == "confirmed"
    place2 = attendance_state(reload(db, second.registration.id))
    place3 = attendance_state(reload(db, third.registration.id))
    assert (place2.status, place2.waitlist_position) == ("waitlisted", 1)
    assert (place3.status, place3.waitlist_position) == ("waitlisted", 2)
    # Online attendance is never limited.
    assert reload(db, online.registration.id).status == "confirmed"
    assert [m.kind for m in outbox(db)] == [
        "registration_confirmed",
        "registration_waitlisted",
        "registration_waitlisted",
        "registration_confirmed",
    ]


def test_positions_close_up_when_someone_waiting_cancels(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, seats=1)
    regs = [registrations.register(forum, person(i, session_ids=[tour.id])) for i in range(4)]
    registrations.cancel_registration(reload(db, regs[1].registration.id))  # position 1
    assert seats_taken(db, tour) == 1
    assert booking_of(db, regs[0].registration.id, tour.id).status == "confirmed"
    assert position(db, regs[2].registration.id, tour.id) == 1
    assert position(db, regs[3].registration.id, tour.id) == 2
    assert outbox(db, "waitlist_promoted") == []


# ------------------------------------------------------------------------------- manage


def test_switching_to_online_frees_seats_and_promotes_the_first_waiting(
    db, make_forum, make_session
):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, format="hybrid")
    holder = registrations.register(forum, person(1, session_ids=[tour.id]))
    waiting = registrations.register(forum, person(2, session_ids=[tour.id]))
    behind = registrations.register(forum, person(3, session_ids=[tour.id]))
    assert reload(db, waiting.registration.id).status == "waitlisted"

    registrations.update_registration(reload(db, holder.registration.id), attendance="online")

    holder_row = reload(db, holder.registration.id)
    assert holder_row.attendance == "online" and holder_row.status == "confirmed"
    assert booking_of(db, holder.registration.id, tour.id).status == "confirmed"  # online
    # The forum place and the tour seat both went to person 2, the first waiting.
    assert forum_taken(db, forum) == 1
    assert seats_taken(db, tour) == 1
    assert reload(db, waiting.registration.id).status == "confirmed"
    assert booking_of(db, waiting.registration.id, tour.id).status == "confirmed"
    assert attendance_state(reload(db, behind.registration.id)).waitlist_position == 1
    assert position(db, behind.registration.id, tour.id) == 1
    promoted = outbox(db, "waitlist_promoted")
    assert {m.recipient for m in promoted} == {"person2@example.org"}
    assert sorted(m.context.get("session_id") or 0 for m in promoted) == [0, tour.id]


def test_switching_to_in_person_takes_a_place_or_waits(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, format="hybrid")
    online = registrations.register(forum, person(1, attendance="online", session_ids=[tour.id]))
    assert seats_taken(db, tour) == 0
    registrations.update_registration(reload(db, online.registration.id), attendance="in_person")
    assert forum_taken(db, forum) == 1 and seats_taken(db, tour) == 1
    assert booking_of(db, online.registration.id, tour.id).status == "confirmed"

    late = registrations.register(forum, person(2, attendance="online", session_ids=[tour.id]))
    registrations.update_registration(reload(db, late.registration.id), attendance="in_person")
    late_row = reload(db, late.registration.id)
    late_state = attendance_state(late_row)
    assert (late_state.status, late_state.waitlist_position) == ("waitlisted", 1)
    assert position(db, late.registration.id, tour.id) == 1
    assert forum_taken(db, forum) == 1 and seats_taken(db, tour) == 1


def test_adding_and_dropping_sessions(db, make_forum, make_session):
    forum = make_forum()
    morning = make_session(forum, seats=1, start="10:00", end="11:00")
    noon = make_session(forum, seats=5, start="12:00", end="13:00")
    holder = registrations.register(forum, person(1, session_ids=[morning.id]))
    waiting = registrations.register(forum, person(2, session_ids=[morning.id]))

    registrations.update_registration(reload(db, holder.registration.id), session_ids=[noon.id])
    assert booking_of(db, holder.registration.id, morning.id).status == "cancelled"
    assert booking_of(db, holder.registration.id, noon.id).status == "confirmed"
    assert seats_taken(db, morning) == 1 and seats_taken(db, noon) == 1
    assert booking_of(db, waiting.registration.id, morning.id).status == "confirmed"
    [promoted] = outbox(db, "waitlist_promoted")
    assert promoted.recipient == "person2@example.org"
    assert promoted.context["session_id"] == morning.id

    # Taking the dropped session again goes to the back of its (now empty) list: it is full.
    registrations.update_registration(
        reload(db, holder.registration.id), session_ids=[noon.id, morning.id]
    )
    assert booking_of(db, holder.registration.id, morning.id).status == "waitlisted"
    assert position(db, holder.registration.id, morning.id) == 1
    assert seats_taken(db, noon) == 1  # kept, not taken twice


@pytest.mark.parametrize("problem", ["overlap", "cancelled", "foreign", "not_a_number"])
def test_changing_sessions_follows_the_same_rules(db, make_forum, make_session, problem):
    forum, other = make_forum(), make_forum()
    kept = make_session(forum, seats=5, start="10:00", end="11:00")
    candidates = {
        "overlap": make_session(forum, seats=5, start="10:30", end="11:30").id,
        "cancelled": make_session(
            forum, seats=5, start="14:00", end="15:00", status="cancelled"
        ).id,
        "foreign": make_session(other, seats=5).id,
        "not_a_number": "x",
    }
    result = registrations.register(forum, person(session_ids=[kept.id]))
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        registrations.update_registration(
            reload(db, result.registration.id), session_ids=[kept.id, candidates[problem]]
        )
    assert "session_ids" in caught.value.errors
    assert snapshot(db) == before


def test_switching_attendance_to_one_the_forum_does_not_offer_is_refused(db, make_forum):
    forum = make_forum(format="in_person")
    result = registrations.register(forum, person())
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        registrations.update_registration(reload(db, result.registration.id), attendance="online")
    assert "attendance" in caught.value.errors
    assert snapshot(db) == before


def test_switching_to_online_with_an_in_person_only_session_is_refused(
    db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=3, format="in_person")
    result = registrations.register(forum, person(session_ids=[tour.id]))
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        registrations.update_registration(reload(db, result.registration.id), attendance="online")
    assert "session_ids" in caught.value.errors
    assert snapshot(db) == before


def test_cancelling_frees_every_place_and_promotes_the_first_waiting(db, make_forum, make_session):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, start="10:00", end="11:00")
    visit = make_session(forum, seats=1, start="14:00", end="15:00")
    holder = registrations.register(forum, person(1, session_ids=[tour.id, visit.id]))
    tour_fan = registrations.register(forum, person(2, session_ids=[tour.id]))
    visit_fan = registrations.register(forum, person(3, session_ids=[visit.id]))
    assert reload(db, tour_fan.registration.id).status == "waitlisted"

    registrations.cancel_registration(reload(db, holder.registration.id))

    cancelled = reload(db, holder.registration.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert {b.status for b in cancelled.bookings} == {"cancelled"}
    # The forum place went to person 2 (first on the forum list), each seat to its first.
    assert forum_taken(db, forum) == 1
    assert reload(db, tour_fan.registration.id).status == "confirmed"
    assert reload(db, visit_fan.registration.id).status == "waitlisted"
    assert booking_of(db, tour_fan.registration.id, tour.id).status == "confirmed"
    assert booking_of(db, visit_fan.registration.id, visit.id).status == "confirmed"
    assert seats_taken(db, tour) == 1 and seats_taken(db, visit) == 1
    [goodbye] = outbox(db, "registration_cancelled")
    assert goodbye.recipient == "person1@example.org"
    promoted = sorted(
        (m.recipient, m.context.get("session_id") or 0) for m in outbox(db, "waitlist_promoted")
    )
    assert promoted == sorted(
        [
            ("person2@example.org", 0),
            ("person2@example.org", tour.id),
            ("person3@example.org", visit.id),
        ]
    )


def test_a_cancelled_registration_cannot_be_changed_or_cancelled_again(
    db, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, seats=2)
    result = registrations.register(forum, person(session_ids=[tour.id]))
    registrations.cancel_registration(reload(db, result.registration.id))
    before = snapshot(db)
    with pytest.raises(RegistrationCancelled) as caught:
        registrations.cancel_registration(reload(db, result.registration.id))
    assert caught.value.status == 409
    with pytest.raises(RegistrationCancelled):
        registrations.update_registration(reload(db, result.registration.id), attendance="online")
    with pytest.raises(RegistrationCancelled):
        registrations.update_registration(reload(db, result.registration.id), session_ids=[tour.id])
    assert snapshot(db) == before


def test_a_new_calendar_token_replaces_the_old_one(db, make_forum):
    forum = make_forum()
    result = registrations.register(forum, person())
    new = registrations.replace_calendar_token(reload(db, result.registration.id))
    row = reload(db, result.registration.id)
    assert new != result.calendar_token
    assert row.calendar_token_hash == hash_token(new)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "no-at-sign",
        "a@b",
        "a@@example.org",
        '"x"@',
        "min ji@example.org",
        "minji@exa mple.org",
        "minji@example.org\nBcc: all@example.org",
        "minji@example..org",
        "@example.org",
        "x" * 250 + "@example.org",
    ],
)
def test_malformed_emails_are_refused(db, make_forum, email):
    forum = make_forum()
    refused(db, forum, person(email=email), "email")


def test_email_is_stored_as_typed_but_compared_normalised(db, make_forum):
    forum = make_forum()
    result = registrations.register(forum, person(email="  Minji.Kim@Example.ORG "))
    row = reload(db, result.registration.id)
    assert row.email.casefold() == "minji.kim@example.org"
    assert row.email.startswith("Minji.Kim@")
    assert row.email_normalized == "minji.kim@example.org"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "required"),
        ("   ", "required"),
        ("\t \u3000", "required"),
        ("가" * 201, "long"),
        ("Min\x00ji", "control"),
        ("Min\nji", "control"),
        ("Min\rji", "control"),
        ("Min\u2028ji", "control"),
        ("Min\u2029ji", "control"),
        ("Min\x1bji", "control"),
        ("Min\x7fji", "control"),
    ],
)
def test_bad_names_are_refused(db, make_forum, name, why):
    forum = make_forum()
    [message] = refused(db, forum, person(name=name), "name")
    expected = {
        "required": "required",
        "long": "200",
        "control": "control characters",
    }[why]
    assert expected in message


@pytest.mark.parametrize(
    "name",
    [
        "가" * 200,
        "김민지",
        "Zoë Ångström-Núñez",
        "O'Brien, Siobhán",
        "👩‍💻 Dev",
        "🇰🇷 대한민국",
        "👨‍👩‍👧‍👦",
        "Ａｌｉｃｅ",
    ],
)
def test_names_in_any_script_are_kept_exactly(db, make_forum, name):
    forum = make_forum()
    result = registrations.register(forum, person(name=name))
    assert reload(db, result.registration.id).name == name


def test_an_over_long_affiliation_is_refused(db, make_forum):
    forum = make_forum()
    refused(db, forum, person(affiliation="x" * 201), "affiliation")


@pytest.mark.parametrize("consent", [False, None, "true", "yes", 1])
def test_consent_must_be_exactly_true(db, make_forum, consent):
    forum = make_forum()
    refused(db, forum, person(consent_personal_data=consent), "consent_personal_data")


@pytest.mark.parametrize("locale", ["", "fr", "KO", "ko-KR", None])
def test_unknown_locales_are_refused(db, make_forum, locale):
    forum = make_forum()
    refused(db, forum, person(locale=locale), "locale")


def test_every_bad_field_is_reported_at_once(db, make_forum):
    forum = make_forum(format="in_person")
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught:
        registrations.register(
            forum,
            person(
                name="",
                email="no-at-sign",
                attendance="online",
                locale="fr",
                consent_personal_data=False,
                session_ids=["x"],
            ),
        )
    assert set(caught.value.errors) == {
        "name",
        "email",
        "attendance",
        "locale",
        "consent_personal_data",
        "session_ids",
    }
    assert caught.value.errors == {
        "name": ["This field is required."],
        "email": ["Enter a valid email address, like name@example.org."],
        "attendance": ["This forum does not offer that way of attending."],
        "locale": ["Choose Korean or English."],
        "consent_personal_data": [
            "Registration needs your consent to the collection and use of personal data."
        ],
        "session_ids": ["Session ids must be numbers."],
    }
    assert snapshot(db) == before


# ------------------------------------------------------------------------ accessibility


def test_accessibility_needs_are_stored_with_their_own_consent(db, make_forum):
    forum = make_forum()
    result = registrations.register(
        forum,
        person(
            consent_accessibility=True,
            accessibility_needs=["wheelchair", "live_captions", "wheelchair"],
            accessibility_other="보조견 동반",
        ),
    )
    row = reload(db, result.registration.id)
    assert row.accessibility_consent is True
    assert row.accessibility_consented_at is not None
    assert row.accessibility_needs == ["wheelchair", "live_captions"]
    assert row.accessibility_other == "보조견 동반"


@pytest.mark.parametrize(
    ("needs", "other"), [(["wheelchair"], ""), ([], "A quiet room"), (["companion"], "x")]
)
def test_accessibility_needs_without_their_consent_are_refused(db, make_forum, needs, other):
    forum = make_forum()
    messages = refused(
        db,
        forum,
        person(accessibility_needs=needs, accessibility_other=other, consent_accessibility=False),
        "consent_accessibility",
    )
    assert "consent" in messages[0]
    assert messages == ["To record accessibility needs, tick the separate consent for them."]


def test_an_unknown_accessibility_need_is_refused(db, make_forum):
    forum = make_forum()
    messages = refused(
        db,
        forum,
        person(accessibility_needs=["teleport"], consent_accessibility=True),
        "accessibility_needs",
    )
    assert messages == ["Choose from the listed needs."]


def test_an_over_long_or_broken_description_of_other_needs_is_refused(db, make_forum):
    forum = make_forum()
    limit = registrations.OTHER_NEEDS_MAX
    long = person(accessibility_other="가" * (limit + 1), consent_accessibility=True)
    messages = refused(db, forum, long, "accessibility_other")
    assert messages == [f"Use at most {limit} characters."]
    broken = person(accessibility_other="wheel\nchair", consent_accessibility=True)
    messages = refused(db, forum, broken, "accessibility_other")
    assert messages == ["Remove line breaks and control characters."]


def test_an_attendance_is_required(db, make_forum):
    forum = make_forum()
    assert refused(db, forum, person(attendance=""), "attendance") == ["This field is required."]


def test_no_accessibility_data_without_needs(db, make_forum):
    forum = make_forum()
    result = registrations.register(forum, person())
    row = reload(db, result.registration.id)
    assert row.accessibility_consent is False
    assert row.accessibility_consented_at is None
    assert row.accessibility_needs == [] and row.accessibility_other == ""


def test_marketing_consent_is_separate_and_off_by_default(db, make_forum):
    forum = make_forum()
    plain = registrations.register(forum, person(1))
    keen = registrations.register(forum, person(2, consent_marketing=True))
    assert reload(db, plain.registration.id).marketing_consent is False
    assert reload(db, plain.registration.id).marketing_consented_at is None
    assert reload(db, keen.registration.id).marketing_consent is True
    assert reload(db, keen.registration.id).marketing_consented_at is not None
    assert reload(db, keen.registration.id).consent_version == registrations.CONSENT_VERSION


# ------------------------------------------------------------------------------ secrets


def test_the_database_keeps_only_hashes_of_the_tokens(db, make_forum):
    forum = make_forum()
    result = registrations.register(forum, person())
    row = reload(db, result.registration.id)
    assert row.manage_token_hash == hash_token(result.manage_token)
    assert row.calendar_token_hash == hash_token(result.calendar_token)
    # No table holds the plain tokens, except the outbox, which carries them to the mail
    # that delivers the links.
    for table in db.metadata.sorted_tables:
        if table.name == "outbox":
            continue
        for stored in db.session.execute(select(table)).all():
            for value in stored:
                text = str(value)
                assert result.manage_token not in text, table.name
                assert result.calendar_token not in text, table.name


@pytest.mark.parametrize("token", ["", "x" * 201, "not-a-token"])
def test_unknown_manage_tokens_are_not_found(make_forum, token):
    with pytest.raises(NotFound):
        registrations.registration_by_token(token)


def test_seat_bookkeeping_leaves_the_programme_timestamps_alone(db, make_forum, make_session):
    """Seats and waitlist numbers are not programme changes: feeds keyed on updated_at stay."""
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1)

    def stamps():
        db.session.expire_all()
        return (
            db.session.scalar(select(Forum.updated_at).where(Forum.id == forum.id)),
            db.session.scalar(select(ForumSession.updated_at).where(ForumSession.id == tour.id)),
        )

    before = stamps()
    holder = registrations.register(forum, person(1, session_ids=[tour.id]))
    registrations.register(forum, person(2, session_ids=[tour.id]))  # both waitlists
    registrations.register(forum, person(3, attendance="online"))
    registrations.cancel_registration(reload(db, holder.registration.id))  # promotes
    assert forum_taken(db, forum) == 1 and seats_taken(db, tour) == 1
    assert stamps() == before


# ------------------------------------------------------------- coming back, and link floods


def test_someone_who_cancelled_can_register_again(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour")
    first = registrations.register(forum, person(1, session_ids=[tour.id]))
    registrations.cancel_registration(first.registration)
    waiting = registrations.register(forum, person(2, session_ids=[tour.id]))
    assert waiting.registration.bookings[0].status == "confirmed"  # the freed seat

    again = registrations.register(
        forum, person(1, email="PERSON1@example.org", attendance="online", session_ids=[])
    )
    db.session.expire_all()
    # A fresh registration with a new code; the cancelled one stays cancelled.
    assert again.registration.id != first.registration.id
    assert again.registration.confirmation_code != first.registration.confirmation_code
    assert again.registration.status == "confirmed"
    assert again.registration.attendance == "online"
    assert again.registration.cancelled_at is None
    assert again.registration.bookings == []
    assert db.session.get(Registration, first.registration.id).status == "cancelled"
    # New links: the old ones stay dead, the new ones work.
    with pytest.raises(NotFound):
        registrations.registration_by_token(first.manage_token)
    assert registrations.registration_by_token(again.manage_token).id == again.registration.id
    assert [m.kind for m in outbox(db)][-1] == "registration_confirmed"


def test_coming_back_takes_the_old_session_again_under_the_seat_rules(db, make_forum, make_session):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour")
    first = registrations.register(forum, person(1, session_ids=[tour.id]))
    registrations.cancel_registration(first.registration)
    registrations.register(forum, person(2, session_ids=[tour.id]))  # takes the seat
    back = registrations.register(forum, person(1, session_ids=[tour.id]))
    db.session.expire_all()
    [booking] = back.registration.bookings  # a new booking of a new registration
    assert (booking.status, ledger.booking_waitlist_position(booking)) == ("waitlisted", 1)
    assert db.session.get(ForumSession, tour.id).seats_taken == 1


def test_manage_link_mails_are_capped_per_registration_per_hour(app, db, make_forum):
    forum = make_forum()
    created = registrations.register(forum, person(1))
    limit = app.config["MANAGE_LINK_RESENDS_PER_HOUR"]
    for _ in range(limit + 3):
        with pytest.raises(AlreadyRegistered):
            registrations.register(forum, person(1))
    assert len(outbox(db, "manage_link")) == limit
    # Past the cap the working link is left alone: the owner is not locked out.
    latest = outbox(db, "manage_link")[-1].context["manage_token"]
    assert registrations.registration_by_token(latest).id == created.registration.id
