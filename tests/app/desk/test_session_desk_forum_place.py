"""A session's desk admits only people who hold the forum's in-person place as well as a seat:
not someone on the forum's waiting list, not an online registrant (one attendance state)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.users import issue_api_token
from app.models import CheckIn


@pytest.fixture
def session_desk(client, open_forum, staff, make_session):
    forum = open_forum(in_person_capacity=1, format="hybrid")
    tour = make_session(forum, kind="tour", seats=5, title_en="Tour", format="hybrid")
    token = issue_api_token(staff("desk", forum), "tour desk")

    def check_in(person):
        return client.post(
            f"/api/v1/forums/{forum.slug}/checkins",
            json={"code": person.confirmation_code, "session_id": tour.id},
            headers={"Authorization": f"Bearer {token}"},
        )

    return forum, tour, check_in


def _checkins(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def test_a_person_waiting_for_a_forum_place_is_refused_at_a_session_desk(
    session_desk, register, db
):
    forum, tour, check_in = session_desk
    holder = register(forum, "Holder", sessions=(tour,))
    waiting = register(forum, "Waiting", sessions=(tour,))
    assert (holder.status, waiting.status) == ("confirmed", "waitlisted")
    assert [b.status for b in waiting.bookings] == ["confirmed"]  # the tour had seats

    refused = check_in(waiting)
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "waitlisted"
    assert _checkins(db) == 0
    assert check_in(holder).status_code == 201
    assert _checkins(db) == 1


def test_an_online_registrant_is_refused_at_a_session_desk(session_desk, register, db):
    forum, tour, check_in = session_desk
    online = register(forum, "Online", attendance="online", sessions=(tour,))
    refused = check_in(online)
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "online"
    assert _checkins(db) == 0
