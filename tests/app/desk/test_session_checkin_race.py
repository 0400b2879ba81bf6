"""Two session desks (a tour's check-in on two tablets) scanning the same person at once: one
check-in is recorded (201), the other desk is told it was already done (200). On SQLite and
PostgreSQL, over real HTTP on a threaded server.

Both requests are held at the door of the check-in's write transaction until each has looked
the person up and found the place not yet checked in, so only the conditional claim inside the
transaction (`checked_in_at IS NULL`) decides, every time. A negative control with the claim
made without that condition records two check-ins, so the test can fail.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, update

from app.accounts.users import issue_api_token
from app.desk import checkin
from app.models import Booking, CheckIn
from tests.app.desk.helpers import live_server

HOLD_TIMEOUT = 60


def both_at_the_door(monkeypatch) -> None:
    """Each check-in waits for the other one before its write transaction begins."""
    barrier = threading.Barrier(2)
    real = checkin.write_transaction

    @contextmanager
    def held(*args, **kwargs) -> Iterator[None]:
        barrier.wait(timeout=HOLD_TIMEOUT)
        with real(*args, **kwargs):
            yield

    monkeypatch.setattr(checkin, "write_transaction", held)


def scan(base: str, slug: str, token: str, code: str, session_id: int) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=120)
    try:
        conn.request(
            "POST",
            f"/api/v1/forums/{slug}/checkins",
            body=json.dumps({"code": code, "session_id": session_id}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture
def tour_scene(open_forum, make_session, staff, register, payload):
    forum = open_forum()
    tour = make_session(forum, kind="tour", seats=10, title_en="City Hall tour")
    person = register(forum, "김민지", sessions=[tour])
    operator = staff("desk", forum, name="Tour Guide")
    tokens = [issue_api_token(operator, f"tablet {n}") for n in range(2)]
    return forum, tour.id, person.id, tokens, payload(person.confirmation_code)


def two_desks_at_once(app, monkeypatch, scene) -> list[tuple[int, dict]]:
    forum, tour_id, _, tokens, code = scene
    slug = forum.slug
    both_at_the_door(monkeypatch)
    with live_server(app) as base, ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda token: scan(base, slug, token, code, tour_id), tokens))


def recorded(db, registration_id: int, session_id: int) -> int:
    db.session.rollback()  # a fresh snapshot: see what the requests committed
    return db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.registration_id == registration_id, CheckIn.session_id == session_id)
    )


@pytest.mark.parametrize("round_", range(3))
def test_two_session_desks_at_once_record_one_check_in(app, db, tour_scene, monkeypatch, round_):
    _, tour_id, person_id, _, _ = tour_scene
    results = two_desks_at_once(app, monkeypatch, tour_scene)

    assert sorted(status for status, _ in results) == [200, 201], results
    told = {status: body for status, body in results}
    assert told[201]["status"] == "checked_in"
    assert told[200]["status"] == "already_checked_in"
    assert told[201]["session_id"] == told[200]["session_id"] == tour_id
    assert told[200]["checked_in_at"] == told[201]["checked_in_at"]  # the first one's time
    assert recorded(db, person_id, tour_id) == 1
    booking = db.session.scalar(
        select(Booking).where(Booking.registration_id == person_id, Booking.session_id == tour_id)
    )
    assert booking.checked_in_at is not None


def claim_without_the_condition(booking_id: int, now) -> bool:
    """The guard switched off: the place is claimed whether or not it is checked in."""
    result = checkin.db.session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status == "confirmed")
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def test_negative_control_without_the_condition_both_desks_check_in(
    app, db, tour_scene, monkeypatch
):
    monkeypatch.setattr(checkin, "_claim_session_checkin", claim_without_the_condition)
    _, tour_id, person_id, _, _ = tour_scene
    results = two_desks_at_once(app, monkeypatch, tour_scene)

    assert [status for status, _ in results] == [201, 201], results
    assert recorded(db, person_id, tour_id) == 2
