"""Seats under real concurrency: many HTTP requests at once, each on its own connection.

A threaded WSGI server on loopback serves the real app; every request runs the real request
path (routing, JSON parsing, the registration service) on a connection of its own. A negative
control with the guard switched off must overbook, so these tests can fail.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, update
from werkzeug.serving import WSGIRequestHandler, make_server

from app.models import Booking, ForumSession, OutboxMessage, Registration
from app.places import ledger
from app.registration import operations as registrations

CONCURRENT = 200
SEATS = 50
ROUNDS = 3


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def live_server(app) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()


def request_json(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def fire_together(calls: list[Callable[[], tuple[int, dict]]]) -> list[tuple[int, dict]]:
    """Run every call in its own thread, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def register_many(port: int, slug: str, session_id: int, count: int, tag: str):
    def one(i: int):
        return lambda: request_json(
            port,
            "POST",
            f"/api/v1/forums/{slug}/registrations",
            {
                "name": f"참가자 {i}",
                "email": f"person{i}.{tag}@example.org",
                "attendance": "in_person",
                "session_ids": [session_id],
                "locale": "ko",
                "consent_personal_data": True,
            },
        )

    return fire_together([one(i) for i in range(count)])


def seat_figures(db, session_id: int) -> tuple[int, int, list[int]]:
    db.session.rollback()  # a fresh snapshot: see what the requests committed
    taken = db.session.scalar(select(ForumSession.seats_taken).where(ForumSession.id == session_id))
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session_id, Booking.status == "confirmed")
    )
    waiting = db.session.scalars(
        select(Booking).where(Booking.session_id == session_id, Booking.status == "waitlisted")
    ).all()
    positions = sorted(ledger.booking_waitlist_position(b) for b in waiting)
    return taken, confirmed, positions


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_registrations_never_oversell(app, db, make_forum, make_session, round_):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=SEATS, title_en="City Hall tour")
    with live_server(app) as port:
        results = register_many(port, forum.slug, tour.id, CONCURRENT, f"r{round_}")

    assert [status for status, _ in results] == [201] * CONCURRENT
    told = [body["sessions"][0] for _, body in results]
    assert sum(1 for s in told if s["status"] == "confirmed") == SEATS
    waitlisted = sorted(s["waitlist_position"] for s in told if s["status"] == "waitlisted")
    assert waitlisted == list(range(1, CONCURRENT - SEATS + 1))

    taken, confirmed, positions = seat_figures(db, tour.id)
    assert taken == confirmed == SEATS
    assert positions == list(range(1, CONCURRENT - SEATS + 1))


class TimeOfCheckToTimeOfUse:
    """The guard switched off: seats are counted before the write lock is taken (as a
    count-then-insert does), then taken without a condition."""

    def __init__(self) -> None:
        self.local = threading.local()

    def install(self, monkeypatch) -> None:
        real_validate = registrations.validate

        def validate(forum, req):
            cleaned, sessions = real_validate(forum, req)
            # The check, made early and outside any lock.
            self.local.free = {s.id: s.seats_taken < (s.seats or 0) for s in sessions}
            return cleaned, sessions

        def take_session_seat(session_id: int, *, invited: bool = False) -> bool:
            if not self.local.free.get(session_id, False):
                return False
            registrations.db.session.execute(
                update(ForumSession)
                .where(ForumSession.id == session_id)
                .values(seats_taken=ForumSession.seats_taken + 1)
            )
            return True

        monkeypatch.setattr(registrations, "validate", validate)
        monkeypatch.setattr(ledger, "take_session_seat", take_session_seat)


def test_negative_control_without_the_guard_overbooks(
    app, db, make_forum, make_session, monkeypatch
):
    TimeOfCheckToTimeOfUse().install(monkeypatch)
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=SEATS, title_en="City Hall tour")
    with live_server(app) as port:
        results = register_many(port, forum.slug, tour.id, CONCURRENT, "control")
    assert all(status == 201 for status, _ in results)
    taken, confirmed, _ = seat_figures(db, tour.id)
    assert confirmed > SEATS, "the harness failed to expose the race: the test proves nothing"
    assert taken == confirmed


# ------------------------------------------------------------------- seats held back


RESERVED_SEATS = 20
HELD_BACK = 5
PUBLIC_RUSH = 60


def public_takes_any_free_seat(monkeypatch) -> None:
    """The reserve switched off: the seat guard without its condition for the public (still a
    conditional UPDATE, so nothing is oversold, but held-back seats go to whoever comes)."""

    def take_session_seat(session_id: int, *, invited: bool = False) -> bool:
        c = ForumSession.__table__.c
        result = registrations.db.session.execute(
            update(ForumSession.__table__)
            .where(c.id == session_id, c.seats_taken < c.seats)
            .values(seats_taken=c.seats_taken + 1)
        )
        return result.rowcount == 1

    monkeypatch.setattr(ledger, "take_session_seat", take_session_seat)


def invite_guest(forum, session, email: str, category: str = "speaker"):
    result = registrations.invite(
        forum,
        registrations.RegistrationRequest(
            name=email.split("@")[0],
            email=email,
            attendance="in_person",
            session_ids=[session.id],
            category=category,
        ),
    )
    return result.registration


def rush_for_held_back_seats(app, db, make_forum, make_session, tag: str):
    forum = make_forum()
    tour = make_session(
        forum, kind="tour", seats=RESERVED_SEATS, reserved_seats=HELD_BACK, title_en="Tour"
    )
    invite_guest(forum, tour, f"speaker.{tag}@example.org")
    with live_server(app) as port:
        results = register_many(port, forum.slug, tour.id, PUBLIC_RUSH, tag)
    assert all(status == 201 for status, _ in results)
    public = sum(1 for _, body in results if body["sessions"][0]["status"] == "confirmed")
    return forum, tour, public


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_public_rush_never_takes_a_held_back_seat(app, db, make_forum, make_session, round_):
    forum, tour, public = rush_for_held_back_seats(
        app, db, make_forum, make_session, f"held{round_}"
    )
    assert public == RESERVED_SEATS - HELD_BACK
    db.session.rollback()
    row = db.session.get(ForumSession, tour.id)
    db.session.refresh(row)
    assert (row.seats_taken, row.invited_seats_taken) == (RESERVED_SEATS - HELD_BACK + 1, 1)
    assert row.seats_left == 0
    # The seats held back are still there for the invited: four more get one, the next waits.
    for n in range(HELD_BACK - 1):
        guest = invite_guest(forum, tour, f"guest{n}.{round_}@example.org", "guest")
        assert guest.bookings[0].status == "confirmed"
    late = invite_guest(forum, tour, f"late.{round_}@example.org", "press")
    assert late.bookings[0].status == "waitlisted"
    taken, confirmed, _ = seat_figures(db, tour.id)
    assert taken == confirmed == RESERVED_SEATS


def test_negative_control_without_the_reserve_the_public_takes_held_back_seats(
    app, db, make_forum, make_session, monkeypatch
):
    public_takes_any_free_seat(monkeypatch)
    _forum, tour, public = rush_for_held_back_seats(app, db, make_forum, make_session, "open")
    assert public > RESERVED_SEATS - HELD_BACK, "the harness failed: the test proves nothing"
    taken, confirmed, _ = seat_figures(db, tour.id)
    assert taken == confirmed == RESERVED_SEATS


def _registered(client, forum, session, email: str) -> str:
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json={
            "name": email.split("@")[0],
            "email": email,
            "attendance": "in_person",
            "session_ids": [session.id],
            "locale": "en",
            "consent_personal_data": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["manage_url"].rsplit("/", 1)[1]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_racing_cancellations_promote_each_waiting_person_once(
    app, db, client, make_forum, make_session, round_
):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=2, title_en="Tour")
    tokens = {
        name: _registered(client, forum, tour, f"{name}@example.org")
        for name in ("ana", "ben", "cho", "dae", "eun")
    }
    with live_server(app) as port:
        results = fire_together(
            [
                lambda t=tokens[n]: request_json(port, "DELETE", f"/api/v1/registrations/{t}")
                for n in ("ana", "ben")
            ]
        )
    assert [status for status, _ in results] == [200, 200]

    db.session.rollback()  # a fresh snapshot: see what the requests committed
    status = {
        r.email.split("@")[0]: b.status
        for r in db.session.scalars(select(Registration))
        for b in r.bookings
    }
    assert status == {
        "ana": "cancelled",
        "ben": "cancelled",
        "cho": "confirmed",
        "dae": "confirmed",
        "eun": "waitlisted",
    }
    taken, confirmed, positions = seat_figures(db, tour.id)
    assert (taken, confirmed, positions) == (2, 2, [1])
    promoted = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "waitlist_promoted")
    ).all()
    assert sorted(promoted) == ["cho@example.org", "dae@example.org"]


def test_the_same_cancellation_twice_at_once_promotes_once(
    app, db, client, make_forum, make_session
):
    forum = make_forum()
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour")
    first = _registered(client, forum, tour, "first@example.org")
    _registered(client, forum, tour, "second@example.org")
    _registered(client, forum, tour, "third@example.org")
    with live_server(app) as port:
        results = fire_together(
            [lambda: request_json(port, "DELETE", f"/api/v1/registrations/{first}")] * 2
        )
    assert sorted(status for status, _ in results) == [200, 409]
    taken, confirmed, positions = seat_figures(db, tour.id)
    assert (taken, confirmed, positions) == (1, 1, [1])
    promoted = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "waitlist_promoted")
    ).all()
    assert promoted == ["second@example.org"]
