"""Two organizer API edits of one session without a fingerprint, at once: the revision alone
must refuse the second (never a silent overwrite), and an edit held while the session is deleted
is told so. On SQLite and PostgreSQL, over real HTTP on a threaded server.

Each request is held at the door of the agenda's write transaction until the other has made its
own checks against the same revision, so both always pass the check made before the lock and
only the re-check inside the transaction (the locked row still at that revision) decides. A
negative control with that re-check switched off shows the harness sees the overwrite.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from app.models import ForumSession
from app.programme import session_edits
from tests.app.desk.helpers import live_server

HOLD_TIMEOUT = 60


def hold_at_the_door(monkeypatch, hold: Callable[[], None]) -> None:
    """Run `hold()` before each write transaction of a session edit begins."""
    real = session_edits.write_transaction

    @contextmanager
    def held(*args, **kwargs) -> Iterator[None]:
        hold()
        with real(*args, **kwargs):
            yield

    monkeypatch.setattr(session_edits, "write_transaction", held)


def call(base: str, token: str, method: str, path: str, body: dict | None = None):
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=120)
    try:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        conn.request(method, f"/api/v1/organize{path}", body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else {}
    finally:
        conn.close()


def moved(session, hours: int) -> dict:
    """A PATCH body moving the session by `hours`, sent without a fingerprint."""
    starts = session.starts_at + timedelta(hours=hours)
    ends = session.ends_at + timedelta(hours=hours)
    return {"revision": 1, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}


@pytest.fixture
def scene(db, make_forum, make_session, make_user, api_token):
    def make(status: str):
        forum = make_forum(status=status)
        session = make_session(forum, start="10:00", end="11:00")
        assert session.revision == 1
        token = api_token(make_user("organizer", forum))
        return forum, session, token

    return make


def both_move_at_once(app, monkeypatch, forum, session, token) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(2)
    hold_at_the_door(monkeypatch, lambda: barrier.wait(timeout=HOLD_TIMEOUT))
    path = f"/forums/{forum.slug}/sessions/{session.id}"
    bodies = [moved(session, 1), moved(session, 2)]
    with live_server(app) as base, ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda body: call(base, token, "PATCH", path, body), bodies))


def stored_start(db, session_id: int) -> datetime:
    db.session.rollback()  # a fresh snapshot: see what the requests committed
    return db.session.get(ForumSession, session_id).starts_at


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_two_moves_from_one_revision_save_one_and_refuse_the_other(app, db, scene, monkeypatch):
    forum, session, token = scene("published")
    results = both_move_at_once(app, monkeypatch, forum, session, token)

    assert sorted(status for status, _ in results) == [200, 409], results
    (saved,) = [body for status, body in results if status == 200]
    (refused,) = [body for status, body in results if status == 409]
    assert refused["error"] == "stale_revision"
    assert refused["revision"] == 2  # the winner's move moved the revision
    assert saved["session"]["revision"] == 2
    start = stored_start(db, session.id)
    assert start == utc(saved["session"]["starts_at_utc"])  # the saved move is the one kept


def lock_without_the_revision(session_id: int, revision: int) -> bool:
    """The re-check switched off: the row is locked whatever its revision."""
    result = session_edits.db.session.execute(
        update(ForumSession)
        .where(ForumSession.id == session_id)
        .values(revision=ForumSession.revision)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def test_negative_control_without_the_revision_recheck_the_second_move_overwrites(
    app, db, scene, monkeypatch
):
    monkeypatch.setattr(session_edits, "_lock_session", lock_without_the_revision)
    forum, session, token = scene("published")
    results = both_move_at_once(app, monkeypatch, forum, session, token)

    assert [status for status, _ in results] == [200, 200], results
    told = {utc(body["session"]["starts_at_utc"]) for _, body in results}
    assert len(told) == 2  # both organizers were told their move was saved…
    assert stored_start(db, session.id) in told  # …and only one of them is: an overwrite


def test_an_edit_held_while_the_session_is_deleted_is_refused(app, db, scene, monkeypatch):
    forum, session, token = scene("draft")  # sessions of a draft forum can be deleted
    session_id = session.id
    edit_waiting, delete_done = threading.Event(), threading.Event()

    def hold() -> None:
        if not edit_waiting.is_set():  # the edit: wait until the delete is committed
            edit_waiting.set()
            assert delete_done.wait(timeout=HOLD_TIMEOUT)

    hold_at_the_door(monkeypatch, hold)
    path = f"/forums/{forum.slug}/sessions/{session_id}"
    with live_server(app) as base, ThreadPoolExecutor(max_workers=1) as pool:
        edit = pool.submit(call, base, token, "PATCH", path, moved(session, 1))
        assert edit_waiting.wait(timeout=HOLD_TIMEOUT)
        deleted = call(base, token, "DELETE", f"{path}?revision=1")
        delete_done.set()
        status, body = edit.result(timeout=HOLD_TIMEOUT)

    assert deleted == (204, {})
    assert status == 409, body
    assert body["error"] == "stale_revision"
    assert body["message"] == "This session was deleted by someone else."
    assert body["revision"] is None
    db.session.rollback()
    assert db.session.get(ForumSession, session_id) is None  # not brought back by the edit
