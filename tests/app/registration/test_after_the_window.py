"""After pre-registration closes, a person may still cancel or give up a place, but takes no
new place except at the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Booking, Forum, ForumSession, Registration


@pytest.fixture
def closing_forum(db, client, make_forum, make_session):
    forum = make_forum(in_person_capacity=10)
    talk = make_session(
        forum, seats=10, title_en="Talk", start="10:00", end="11:00", format="hybrid"
    )
    tour = make_session(
        forum, seats=10, title_en="Tour", start="14:00", end="16:00", format="hybrid"
    )
    answer = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": "Kim",
            "email": "kim@example.org",
            "attendance": "online",
            "session_ids": [talk.id],
            "locale": "en",
            "consent_personal_data": True,
        },
    )
    assert answer.status_code == 201
    token = answer.get_json()["manage_url"].rsplit("/", 1)[1]

    def close() -> None:
        row = db.session.get(Forum, forum.id)
        row.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()

    return forum, talk, tour, token, close


def _state(db) -> tuple:
    db.session.rollback()
    registration = db.session.scalar(select(Registration))
    bookings = sorted((b.session_id, b.status) for b in db.session.scalars(select(Booking)))
    seats = sorted(db.session.scalars(select(ForumSession.seats_taken)))
    return registration.attendance, registration.status, bookings, seats


@pytest.mark.parametrize(
    "change",
    [{"attendance": "in_person"}, {"session_ids": "both"}],
    ids=["switch to in person", "add a session"],
)
def test_a_change_that_takes_a_new_place_is_refused_after_the_window(
    client, db, closing_forum, change
):
    _forum, talk, tour, token, close = closing_forum
    if change.get("session_ids") == "both":
        change = {"session_ids": [talk.id, tour.id]}
    close()
    before = _state(db)
    response = client.patch(
        f"/api/v1/registrations/{token}", json=change, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert "Pre-registration has closed" in response.get_json()["message"]
    assert _state(db) == before


def test_giving_up_a_session_and_cancelling_still_work_after_the_window(client, db, closing_forum):
    _forum, _talk, _tour, token, close = closing_forum
    close()
    given_up = client.patch(f"/api/v1/registrations/{token}", json={"session_ids": []})
    assert given_up.status_code == 200
    assert _state(db)[2] == [(_talk.id, "cancelled")]
    cancelled = client.delete(f"/api/v1/registrations/{token}")
    assert cancelled.status_code == 200
    assert _state(db)[1] == "cancelled"


def test_keeping_the_sessions_one_holds_takes_no_new_place_after_the_window(
    client, db, closing_forum
):
    _forum, talk, _tour, token, close = closing_forum
    close()
    before = _state(db)
    kept = client.patch(f"/api/v1/registrations/{token}", json={"session_ids": [talk.id]})
    assert kept.status_code == 200
    assert _state(db) == before


def test_a_session_given_up_is_a_new_place_again_after_the_window(client, db, closing_forum):
    _forum, talk, _tour, token, close = closing_forum
    given_up = client.patch(f"/api/v1/registrations/{token}", json={"session_ids": []})
    assert given_up.status_code == 200
    close()
    before = _state(db)
    response = client.patch(
        f"/api/v1/registrations/{token}",
        json={"session_ids": [talk.id]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "Pre-registration has closed" in response.get_json()["message"]
    assert _state(db) == before


def test_the_manage_page_says_why_after_the_window(client, db, closing_forum):
    _forum, talk, tour, token, close = closing_forum
    close()
    page = client.get(f"/manage/{token}")
    assert page.status_code == 200
    before = _state(db)
    response = client.post(
        f"/manage/{token}",
        data={"attendance": "online", "session_ids": [str(talk.id), str(tour.id)]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "Pre-registration has closed" in response.get_data(as_text=True)
    assert _state(db) == before
