"""Erase my registration: places go to the first people waiting, the personal data is replaced
in every table, the manage link and the feed stop working; from the manage page and the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.mail.context import scrubbed
from app.models import AuditEntry, Booking, Forum, ForumSession, OutboxMessage, Registration
from app.privacy import operations as privacy
from tests.app.privacy.helpers import (
    assert_invariants,
    fire_together,
    fresh,
    live_server,
    request_json,
    scan,
)


def row(db, person) -> Registration:
    """The person's row, by confirmation code (before it is erased)."""
    fresh(db)
    return db.session.scalar(
        select(Registration).where(Registration.confirmation_code == person.code)
    )


class AnyInstant:
    """Equal to an ISO 8601 instant in UTC."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.endswith("Z")


def reg_id(db, person) -> int:
    return row(db, person).id


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def erase_on_the_page(client, person):
    page = client.get(f"/manage/{person.manage_token}/erase")
    assert page.status_code == 200
    return client.post(f"/manage/{person.manage_token}/erase", data={"confirm": "y"})


def everything_gone(client, db, person, *, keep: int) -> None:
    """The person's links answer 404 everywhere and no table holds their data."""
    for path in (
        f"/manage/{person.manage_token}",
        f"/manage/{person.manage_token}/export",
        f"/manage/{person.manage_token}/erase",
        f"/manage/{person.manage_token}/cancel",
        f"/api/v1/registrations/{person.manage_token}",
        f"/api/v1/registrations/{person.manage_token}/export",
        f"/calendar/{person.calendar_token}.ics",
    ):
        assert client.get(path).status_code == 404, path
    # (400 when CSRF protection is on: the form is refused before the link is looked at.)
    assert client.post(f"/manage/{person.manage_token}/cancel").status_code in (400, 404)
    assert scan(db, person.secrets) == []
    fresh(db)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == keep


def test_erasing_frees_the_seats_and_promotes_the_first_waiting(
    client, db, make_forum, make_session, register
):
    forum = make_forum(in_person_capacity=1)
    tour = make_session(forum, seats=1, kind="tour")
    holder = register(forum, session_ids=[tour.id], tag="holder")
    first = register(forum, session_ids=[tour.id], tag="first")
    second = register(forum, session_ids=[tour.id], tag="second")
    assert first.data["status"] == "waitlisted"

    response = erase_on_the_page(client, holder)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Your registration is erased" in response.get_data(as_text=True)

    mine = client.get(f"/api/v1/registrations/{first.manage_token}").get_json()
    assert mine["status"] == "confirmed"
    assert mine["sessions"] == [{"id": tour.id, "status": "confirmed", "waitlist_position": None}]
    theirs = client.get(f"/api/v1/registrations/{second.manage_token}").get_json()
    assert theirs["waitlist_position"] == 1
    assert theirs["sessions"][0]["waitlist_position"] == 1
    promoted = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.registration_id == reg_id(db, first))
    ).all()
    assert promoted.count("waitlist_promoted") == 2  # the forum place and the tour seat
    everything_gone(client, db, holder, keep=3)
    assert_invariants(db)
    fresh(db)
    assert db.session.get(ForumSession, tour.id).seats_taken == 1
    assert db.session.get(Forum, forum.id).in_person_taken == 1


def test_the_erased_row_keeps_only_what_counts(client, db, make_forum, make_session, register):
    forum = make_forum()
    tour = make_session(forum, seats=3, kind="tour")
    person = register(forum, session_ids=[tour.id])
    before_id = reg_id(db, person)
    assert erase_on_the_page(client, person).status_code == 200
    fresh(db)
    erased = db.session.get(Registration, before_id)
    assert erased.name == privacy.ERASED_NAME
    assert (erased.email, erased.email_normalized, erased.affiliation) == ("", None, "")
    assert erased.accessibility_needs == [] and erased.accessibility_other == ""
    assert not erased.marketing_consent and erased.marketing_consented_at is None
    assert not erased.accessibility_consent and erased.accessibility_consented_at is None
    assert erased.status == "cancelled" and erased.cancelled_at is not None
    assert erased.anonymised_at is not None
    assert erased.confirmation_code != person.code
    # Counts survive: the row, its attendance mode, its (cancelled) booking.
    assert erased.attendance == "in_person"
    assert [b.status for b in erased.bookings] == ["cancelled"]
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.user_id, entry.registration_id) == (
        "registration.erase",
        None,
        before_id,
    )
    assert entry.details["by"] == "attendee"


def test_unsent_mail_is_dropped_and_sent_mail_keeps_no_address_or_secret(
    client, db, make_forum, register
):
    forum = make_forum()
    person = register(forum)
    other = register(forum)
    rid = reg_id(db, person)
    # The confirmation went out (the worker removes the secrets after sending, as it does)
    # and a reminder is still waiting.
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.registration_id == rid))
    sent.status = "sent"
    sent.context = scrubbed(sent.context)
    sent.last_error = f"421 try later for {person.email}"
    db.session.add(
        OutboxMessage(
            message_id="<reminder@test>",
            kind="reminder",
            recipient=person.email,
            locale="ko",
            context={"registration_id": rid, "manage_token": person.manage_token},
            forum_id=forum.id,
            registration_id=rid,
        )
    )
    db.session.commit()
    others_mail = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.registration_id != rid)
    )

    assert client.post(
        f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True}
    ).get_json() == {
        "status": "erased",
        "erased_at": AnyInstant(),
        "previous_status": "confirmed",
    }
    fresh(db)
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.registration_id == rid))
    assert [(m.kind, m.status, m.recipient, m.context, m.last_error) for m in rows] == [
        ("registration_confirmed", "sent", "", {}, None)
    ]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.registration_id != rid)
        )
        == others_mail
    )
    everything_gone(client, db, person, keep=2)
    assert client.get(f"/api/v1/registrations/{other.manage_token}").status_code == 200


def test_the_api_erasure_needs_an_explicit_confirmation(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    path = f"/api/v1/registrations/{person.manage_token}/erase"
    for body, field in (
        ({}, "confirm"),
        ({"confirm": "yes"}, "confirm"),
        ({"confirm": False}, "confirm"),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 422
        assert field in response.get_json()["errors"]
    response = client.post(path, json={"confirm": True, "also": 1})
    assert response.status_code == 422 and "also" in response.get_json()["errors"]
    assert client.post(path, data={"confirm": "true"}).status_code == 415
    assert client.post(path, data="[true]", content_type="application/json").status_code == 422
    assert row(db, person).anonymised_at is None

    response = client.post(path, json={"confirm": True})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    again = client.post(path, json={"confirm": True})
    assert again.status_code == 404
    assert again.get_json()["error"] == "not_found"
    everything_gone(client, db, person, keep=1)


def test_the_page_erasure_needs_the_box_ticked(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    page = client.get(f"/manage/{person.manage_token}/erase")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert 'type="checkbox"' in page.get_data(as_text=True)
    response = client.post(f"/manage/{person.manage_token}/erase", data={})
    assert response.status_code == 422
    assert "Tick the box to confirm the erasure." in response.get_data(as_text=True)
    assert row(db, person).anonymised_at is None
    assert client.get(f"/manage/{person.manage_token}").status_code == 200


def test_the_page_erasure_needs_the_csrf_token(client, db, make_forum, register, csrf_on):
    forum = make_forum()
    person = register(forum)
    path = f"/manage/{person.manage_token}/erase"
    assert client.post(path, data={"confirm": "y"}).status_code == 400
    assert client.post(path, data={"confirm": "y", "csrf_token": "forged"}).status_code == 400
    assert row(db, person).anonymised_at is None
    token = csrf_token(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"confirm": "y", "csrf_token": token}).status_code == 200
    everything_gone(client, db, person, keep=1)


def test_a_cancelled_registration_can_be_erased_without_touching_other_places(
    client, db, make_forum, make_session, register
):
    forum = make_forum(in_person_capacity=1)
    holder = register(forum, tag="holder")
    leaver = register(forum, tag="leaver")  # waitlisted, then cancels
    assert client.delete(f"/api/v1/registrations/{leaver.manage_token}").status_code == 200
    response = client.post(
        f"/api/v1/registrations/{leaver.manage_token}/erase", json={"confirm": True}
    )
    assert response.get_json()["previous_status"] == "cancelled"
    assert client.get(f"/api/v1/registrations/{holder.manage_token}").get_json()["status"] == (
        "confirmed"
    )
    everything_gone(client, db, leaver, keep=2)
    assert_invariants(db)


def test_the_same_address_can_register_again_after_erasure(client, db, make_forum, register):
    forum = make_forum()
    person = register(forum)
    client.post(f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True})
    again = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "New Name",
            "email": person.email,
            "attendance": "in_person",
            "consent_personal_data": True,
        },
    )
    assert again.status_code == 201
    fresh(db)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


def test_erasing_online_and_waitlisted_people_keeps_every_count(
    client, db, make_forum, make_session, register
):
    forum = make_forum(in_person_capacity=2)
    tour = make_session(forum, seats=1, kind="tour")
    people = [register(forum, session_ids=[tour.id], tag=str(n)) for n in range(4)]
    online = register(forum, attendance="online")
    for person in (people[2], online, people[0]):
        client.post(f"/api/v1/registrations/{person.manage_token}/erase", json={"confirm": True})
        assert_invariants(db)
    statuses = {
        p.name: client.get(f"/api/v1/registrations/{p.manage_token}").get_json()
        for p in (people[1], people[3])
    }
    assert statuses[people[1].name]["status"] == "confirmed"
    assert statuses[people[1].name]["sessions"][0]["status"] == "confirmed"
    assert statuses[people[3].name]["status"] == "confirmed"
    assert statuses[people[3].name]["sessions"][0]["waitlist_position"] == 1
    fresh(db)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 4


def test_two_erasures_at_once_erase_once(app, db, make_forum, register):
    """The second request of a double click finds the row erased: 409 in the service."""
    forum = make_forum()
    person = register(forum)
    registration = row(db, person)
    privacy.erase_registration(registration)
    with pytest.raises(privacy.AlreadyErased):
        privacy.erase_registration(registration)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_erasures_and_cancellations_racing_promote_each_waiting_person_once(
    app, db, client, make_forum, make_session, register
):
    """Real concurrency (a threaded server, a connection per request): holders erase or
    cancel at once, one of them twice; every freed seat goes to exactly one waiting person."""
    forum = make_forum()
    tour = make_session(forum, seats=6, kind="tour")
    holders = [register(forum, session_ids=[tour.id], tag=f"h{n}") for n in range(6)]
    waiting = [register(forum, session_ids=[tour.id], tag=f"w{n}") for n in range(8)]
    with live_server(app) as port:
        calls = []
        for n, person in enumerate(holders):
            base = f"/api/v1/registrations/{person.manage_token}"
            if n % 2:
                calls.append(lambda base=base: request_json(port, "DELETE", base))
            else:
                calls.append(
                    lambda base=base: request_json(port, "POST", f"{base}/erase", {"confirm": True})
                )
        first = f"/api/v1/registrations/{holders[0].manage_token}/erase"
        calls.append(lambda: request_json(port, "POST", first, {"confirm": True}))
        codes = fire_together(calls)
    assert codes[1:6] == [200] * 5
    # Holder 0 erased twice at once: one wins, the other finds the link gone or the row erased.
    assert sorted([codes[0], codes[-1]]) in ([200, 404], [200, 409])
    fresh(db)
    assert_invariants(db)
    places = [client.get(f"/api/v1/registrations/{p.manage_token}").get_json() for p in waiting]
    statuses = [p["sessions"][0]["status"] for p in places]
    assert statuses == ["confirmed"] * 6 + ["waitlisted"] * 2
    assert [p["sessions"][0]["waitlist_position"] for p in places[6:]] == [1, 2]
    promoted = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "waitlist_promoted")
    )
    assert promoted == 6
    erasures = select(func.count()).select_from(AuditEntry)
    assert db.session.scalar(erasures.where(AuditEntry.action == "registration.erase")) == 3
    for n in range(0, 6, 2):
        assert scan(db, holders[n].secrets) == []


def test_an_erased_persons_online_attendance_goes_with_them(
    client, db, make_forum, make_session, register
):
    from app.desk.screens import live_counts
    from app.models import OnlineAttendance, StreamLink
    from app.registration import watching

    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url="https://yt.example/live")
    db.session.add(stream)
    db.session.commit()
    person, other = register(forum, attendance="online"), register(forum, attendance="online")
    watching.open_stream(row(db, person), plenary.id, stream.id)
    watching.open_stream(row(db, other), plenary.id, stream.id)

    privacy.erase_registration(row(db, person))

    db.session.expire_all()
    kept = db.session.scalars(select(OnlineAttendance.registration_id)).all()
    assert kept == [reg_id(db, other)]
    assert live_counts(db.session.get(Forum, forum.id)).watched_online == 1
