"""Helpers for the privacy tests: a registered person, a scan of every table for personal
data, and the seat and waitlist invariants."""

from __future__ import annotations

import http.client
import json
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from werkzeug.serving import WSGIRequestHandler, make_server

from app.places import ledger

PASSWORD = "correct horse battery"
BASE = "http://madang.test"


@dataclass
class Person:
    name: str
    email: str
    affiliation: str
    other: str
    manage_token: str
    calendar_token: str
    code: str
    data: dict = field(repr=False, default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        """Every value that must not survive an erasure, in any table."""
        from app.core.tokens import hash_token

        return [
            self.name,
            self.email,
            self.email.casefold(),
            self.affiliation,
            self.other,
            self.manage_token,
            self.calendar_token,
            hash_token(self.manage_token),
            hash_token(self.calendar_token),
            self.code,
        ]


def unique_person(tag: str = "") -> dict[str, str]:
    """A name, address, affiliation and free text no other row could contain by chance."""
    mark = secrets.token_hex(4)
    return {
        "name": f"김지원 Kim{tag}{mark}",
        "email": f"Jiwon.{tag}{mark}@Example.org",
        "affiliation": f"서울디지털재단 SDF{mark}",
        "accessibility_other": f"guide dog Rex{mark}",
    }


def register_person(client, forum, **fields: Any) -> Person:
    values = unique_person(fields.pop("tag", ""))
    payload = {
        **values,
        "attendance": "in_person",
        "session_ids": [],
        "locale": "ko",
        "consent_personal_data": True,
        "consent_marketing": True,
        "consent_accessibility": True,
        "accessibility_needs": ["wheelchair"],
    }
    payload.update(fields)
    response = client.post(f"/api/v1/forums/{forum.slug}/registrations", json=payload)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    manage = data["manage_url"].rsplit("/", 1)[1]
    calendar = data["calendar_url"].rsplit("/", 1)[1].removesuffix(".ics")
    return Person(
        name=payload["name"],
        email=payload["email"],
        affiliation=payload["affiliation"],
        other=payload["accessibility_other"],
        manage_token=manage,
        calendar_token=calendar,
        code=data["confirmation_code"].replace("-", ""),
        data=data,
    )


def move_forum(db, forum, last_day: date) -> None:
    """Shift the forum's days (registrations made while it was open stay)."""
    from app.models import Forum

    row = db.session.get(Forum, forum.id)
    row.first_day = row.last_day = last_day
    row.registration_opens_at = datetime.combine(last_day, datetime.min.time(), UTC) - (
        timedelta(days=30)
    )
    row.registration_closes_at = None
    db.session.commit()


def fresh(db) -> None:
    """End the test session's transaction: the next read sees what requests committed (they
    run in sessions of their own; on SQLite an open read keeps its old snapshot)."""
    db.session.commit()


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


def scan(db, needles: list[str]) -> list[str]:
    """Every cell of every table (string, JSON and all) that contains one of `needles`,
    compared case-insensitively, as "table.column: value"."""
    wanted = [n.casefold() for n in needles if n]
    hits: list[str] = []
    fresh(db)
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.connect() as conn:
        for table in tables:
            result = conn.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    cell = _text(value).casefold()
                    if any(n in cell for n in wanted):
                        hits.append(f"{table}.{column}: {_text(value)[:120]}")
    return hits


def assert_invariants(db) -> None:
    """Seats taken equal confirmed in-person bookings and never exceed capacity, for every
    session and forum; waitlist positions are 1..n with no gaps or repeats."""
    from app.models import Booking, Forum, ForumSession, Registration

    fresh(db)
    for session in db.session.scalars(select(ForumSession)):
        if session.seats is None:
            continue
        confirmed = db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.session_id == session.id,
                Booking.status == "confirmed",
                Registration.attendance == "in_person",
            )
        )
        assert session.seats_taken == confirmed, (session.id, session.seats_taken, confirmed)
        assert 0 <= session.seats_taken <= session.seats, (session.id, session.seats_taken)
        waiting = db.session.scalars(
            select(Booking).where(Booking.session_id == session.id, Booking.status == "waitlisted")
        ).all()
        positions = sorted(ledger.booking_waitlist_position(b) for b in waiting)
        assert positions == list(range(1, len(waiting) + 1)), (session.id, positions)
        assert len({b.waitlist_seq for b in waiting}) == len(waiting)
        if waiting:
            # Nobody waits while a seat is free.
            assert session.seats_taken == session.seats, (session.id, "waiting with seats free")
    for forum in db.session.scalars(select(Forum)):
        confirmed = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.forum_id == forum.id,
                Registration.status == "confirmed",
                Registration.attendance == "in_person",
            )
        )
        # The counter is kept while there is a capacity; without one, the places are counted.
        assert ledger.places_taken(forum) == confirmed
        if forum.in_person_capacity is not None:
            assert forum.in_person_taken == confirmed, (forum.slug, forum.in_person_taken)
            assert forum.in_person_taken <= forum.in_person_capacity
        waiting = db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum.id, Registration.status == "waitlisted"
            )
        ).all()
        positions = sorted(ledger.forum_waitlist_position(r) for r in waiting)
        assert positions == list(range(1, len(waiting) + 1)), (forum.slug, positions)
        if waiting:
            assert forum.in_person_capacity is not None
            assert forum.in_person_taken == forum.in_person_capacity
    # Online attendees hold no seat anywhere.
    online_waiting = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.attendance == "online", Registration.status == "waitlisted")
    )
    assert online_waiting == 0
    statuses = Counter(db.session.scalars(select(Registration.status)))
    assert set(statuses) <= {"confirmed", "waitlisted", "cancelled"}


# ------------------------------------------------------------------------- real concurrency


@contextmanager
def live_server(app) -> Iterator[int]:
    """The real app on a threaded loopback server: each request on a connection of its own."""

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()


def request_json(port: int, method: str, path: str, body: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def fire_together(calls: list[Callable[[], int]]) -> list[int]:
    """Every call in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], int]) -> int:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
