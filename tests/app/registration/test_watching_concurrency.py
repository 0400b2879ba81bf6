"""Online attendance under real concurrency: one person's stream opened by many requests at
the same instant (two tabs, a double click, a reload storm), each on its own connection through
a threaded server. One row, and every request sent on to the stream. A negative control without
the INSERT's conflict clause must fail, so this test can."""

from __future__ import annotations

import http.client
import threading

import pytest
from sqlalchemy import func, insert, select

from app.core.db import db
from app.core.tokens import hash_token
from app.models import OnlineAttendance, StreamLink
from app.registration import watching
from tests.app.test_seat_concurrency import fire_together, live_server

CONCURRENT = 24
STREAM = "https://yt.example/live"


@pytest.fixture
def viewer(db, make_forum, make_session, make_registration):
    forum = make_forum(slug="rush", format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url=STREAM)
    db.session.add(stream)
    person = make_registration(forum, attendance="online")
    person.manage_token_hash = hash_token("watch-token")
    db.session.commit()
    return f"/manage/watch-token/watch/{plenary.id}/{stream.id}"


def _open(port: int, path: str):
    def call():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.status, response.getheader("Location")
        finally:
            conn.close()

    return call


def _rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OnlineAttendance.id)))


def test_many_openings_at_once_record_one_attendance(app, viewer):
    with live_server(app) as port:
        answers = fire_together([_open(port, viewer) for _ in range(CONCURRENT)])
    assert answers == [(303, STREAM)] * CONCURRENT
    assert _rows() == 1


def test_negative_control_without_the_conflict_clause(app, backend, viewer, monkeypatch):
    # On PostgreSQL requests meet in pairs between the look and the insert (a barrier of two:
    # the connection pool holds fewer than CONCURRENT), so the first pair both look before
    # either inserts and the race is lost every time, not only when the threads happen to
    # interleave. SQLite's write transactions take turns: a barrier there would wait forever.
    pair_looked = threading.Barrier(2, timeout=60) if backend != "sqlite" else None

    def plain_insert(**values):
        already = db.session.scalar(
            select(OnlineAttendance.id).where(
                OnlineAttendance.registration_id == values["registration_id"],
                OnlineAttendance.session_id == values["session_id"],
            )
        )
        if pair_looked is not None:
            pair_looked.wait()
        if already is None:  # look, then insert: the race this guards against
            db.session.execute(insert(OnlineAttendance).values(**values))

    monkeypatch.setattr(watching, "_record", plain_insert)
    with live_server(app) as port:
        answers = fire_together([_open(port, viewer) for _ in range(CONCURRENT)])
    assert _rows() == 1  # the unique constraint still holds the table…
    if backend == "sqlite":
        # …and SQLite's write transactions (BEGIN IMMEDIATE) take turns: no race to lose.
        assert answers == [(303, STREAM)] * CONCURRENT
    else:
        assert any(status != 303 for status, _ in answers)  # …but some openings fail
