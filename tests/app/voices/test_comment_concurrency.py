"""The comment event under real concurrency: many API requests released at the same instant by
a barrier, each on its own connection through a threaded server.

- One voter liking one comment many times at once: one row, and likes == 1.
- One address submitting many times at once: one entry.

Each has a negative control with the guard replaced by a look-then-insert: on PostgreSQL it
must fail (requests die on the unique constraint), so these tests can fail. On SQLite every
write transaction begins IMMEDIATE and they take turns: there is no race to lose there.
"""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from sqlalchemy import func, insert, select

from app.core.db import db
from app.core.tokens import hash_token
from app.models import CommentEntry, CommentLike, OutboxMessage
from app.voices import comments
from tests.app.test_seat_concurrency import fire_together, live_server
from tests.app.voices.test_comments import add_entry, entry_body, make_event

CONCURRENT = 24
VOTER = "same-browser-id-0123456789"


def post_json(port: int, path: str, body: dict) -> tuple[int, dict]:
    """POST a JSON body; the answer's status and JSON (empty for a server error's page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(data) if is_json else {}
    finally:
        conn.close()


@pytest.fixture
def wall(db, make_forum):
    forum = make_forum(slug="rush-comments")
    event = make_event(db, forum)
    entry = add_entry(db, event, 1)
    return forum, event, entry.id


def _like_calls(port: int, slug: str, entry_id: int):
    path = f"/api/v1/forums/{slug}/comments/{entry_id}/likes"
    return [lambda: post_json(port, path, {"voter": VOTER}) for _ in range(CONCURRENT)]


def _like_figures(entry_id: int) -> tuple[int, int]:
    db.session.rollback()
    rows = db.session.scalar(
        select(func.count(CommentLike.id)).where(CommentLike.entry_id == entry_id)
    )
    likes = db.session.scalar(select(CommentEntry.likes).where(CommentEntry.id == entry_id))
    return rows, likes


def test_one_voter_liking_at_once_counts_once(app, wall):
    forum, _event, entry_id = wall
    with live_server(app) as port:
        answers = fire_together(_like_calls(port, forum.slug, entry_id))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (CONCURRENT - 1) + [201]
    assert {body["likes"] for _, body in answers} == {1}
    assert _like_figures(entry_id) == (1, 1)


def _pairs(backend: str) -> threading.Barrier | None:
    """On PostgreSQL requests meet in pairs between the look and the insert (a barrier of two:
    the connection pool holds fewer than CONCURRENT), so the first pair both look before
    either inserts and the race is lost every run. SQLite's write transactions take turns: a
    barrier there would wait forever."""
    return threading.Barrier(2, timeout=60) if backend != "sqlite" else None


def test_negative_control_liking_with_a_look_then_insert(app, backend, wall, monkeypatch):
    forum, _event, entry_id = wall
    pair_looked = _pairs(backend)

    def look_then_insert(entry_id: int, voter: str) -> bool:
        found = db.session.scalar(
            select(CommentLike.id).where(
                CommentLike.entry_id == entry_id, CommentLike.voter == voter
            )
        )
        if pair_looked is not None:
            pair_looked.wait()
        if found is not None:
            return False
        db.session.execute(insert(CommentLike).values(entry_id=entry_id, voter=voter))
        return True

    monkeypatch.setattr(comments, "_record_like", look_then_insert)
    with live_server(app) as port:
        answers = fire_together(_like_calls(port, forum.slug, entry_id))
    rows, likes = _like_figures(entry_id)
    if backend == "sqlite":
        assert (rows, likes) == (1, 1)
        assert sorted(s for s, _ in answers) == [200] * (CONCURRENT - 1) + [201]
    else:
        # The unique constraint keeps one row, but requests fail on it (or, without the
        # constraint, the count would pass 1).
        assert likes > 1 or any(status >= 500 for status, _ in answers)


def _submit_calls(port: int, slug: str):
    path = f"/api/v1/forums/{slug}/comments"
    return [
        (lambda n=n: post_json(port, path, entry_body("x", comment=f"take {n}")))
        for n in range(CONCURRENT)
    ]


def _entries() -> list[CommentEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(CommentEntry).order_by(CommentEntry.id)))


def test_one_address_submitting_at_once_makes_one_entry(app, wall):
    forum, _event, _entry_id = wall
    with live_server(app) as port:
        answers = fire_together(_submit_calls(port, forum.slug))
    assert answers == [(202, {"status": "confirmation_sent"})] * CONCURRENT
    mine = [e for e in _entries() if e.email_normalized == "personx@example.org"]
    assert len(mine) == 1
    # Every submission mailed a link; only the last one written still confirms.
    links = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "comment_confirm")
    ).all()
    assert len(links) == CONCURRENT
    live = [
        m for m in links if hash_token(m.context["confirm_token"]) == mine[0].confirm_token_hash
    ]
    assert len(live) == 1
    assert comments.confirm(forum, live[0].context["confirm_token"]).confirmed_at is not None


def test_negative_control_submitting_with_a_look_then_insert(app, backend, wall, monkeypatch):
    forum, _event, _entry_id = wall
    pair_looked = _pairs(backend)

    def look_then_insert(values: dict) -> int | None:
        found = db.session.scalar(
            select(CommentEntry.id).where(
                CommentEntry.event_id == values["event_id"],
                CommentEntry.email_normalized == values["email_normalized"],
            )
        )
        if pair_looked is not None:
            pair_looked.wait()
        if found is not None:
            return None
        return db.session.execute(
            insert(CommentEntry).values(**values).returning(CommentEntry.id)
        ).scalar_one()

    monkeypatch.setattr(comments, "_insert_entry", look_then_insert)
    with live_server(app) as port:
        answers = fire_together(_submit_calls(port, forum.slug))
    mine = [e for e in _entries() if e.email_normalized == "personx@example.org"]
    assert len(mine) == 1  # the table's constraint still holds…
    if backend == "sqlite":
        assert all(status == 202 for status, _ in answers)
    else:
        assert any(status >= 500 for status, _ in answers)  # …but requests fail on it
