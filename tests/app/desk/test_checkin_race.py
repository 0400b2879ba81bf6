"""Two (or more) desks scanning the same person at the same moment: one check-in is recorded,
every other desk is told it was already done. Real concurrency: a threaded WSGI server on
loopback, every request on its own thread and database connection, released together by a
barrier; the desk's web page and the API both. A negative control with the guard replaced by a
read-then-write records several check-ins, so these tests can fail."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, update

from app.accounts.users import issue_api_token
from app.desk import checkin
from app.models import CheckIn, Registration
from tests.app.desk.helpers import PASSWORD, live_server

DESKS = 8
ROUNDS = 3
# Widens the window between the look-up and the write, the same for the guarded code and the
# control: only the guard differs.
WINDOW = 0.15


def http_call(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def fire_together(calls: list[Callable[[], tuple[int, str]]]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def api_scan(port: int, slug: str, token: str, code: str) -> Callable[[], tuple[int, str]]:
    def call():
        status, _, raw = http_call(
            port,
            "POST",
            f"/api/v1/forums/{slug}/checkins",
            body=json.dumps({"code": code}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        return status, json.loads(raw)["status"] if status in (200, 201) else raw.decode()

    return call


def web_session(port: int, email: str, password: str) -> str:
    """Sign in over HTTP; the session cookie of the signed-in desk."""
    status, headers, _ = http_call(
        port,
        "POST",
        "/login",
        body=urlencode({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    return headers["Set-Cookie"].split(";", 1)[0]


def web_scan(port: int, slug: str, cookie: str, code: str) -> Callable[[], tuple[int, str]]:
    def call():
        status, _, raw = http_call(
            port,
            "POST",
            f"/desk/{slug}",
            body=urlencode({"q": code}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Accept-Language": "en",
            },
        )
        page = raw.decode()
        if "is checked in." in page:
            return status, "checked_in"
        match = re.search(r"Already checked in at \d\d:\d\d by [^<]+", page)
        return status, match.group(0) if match else page

    return call


def widen_the_window(monkeypatch) -> None:
    real = checkin._registration_with_code

    def slow_lookup(code: str):
        found = real(code)
        time.sleep(WINDOW)
        return found

    monkeypatch.setattr(checkin, "_registration_with_code", slow_lookup)


class ReadThenWrite:
    """The guard replaced: whether the person is checked in is read at the look-up (outside the
    write lock), then the check-in is written without a condition."""

    def __init__(self) -> None:
        self.local = threading.local()

    def install(self, monkeypatch) -> None:
        real = checkin._registration_with_code

        def lookup(code: str):
            found = real(code)
            self.local.free = found is not None and found.checked_in_at is None
            time.sleep(WINDOW)
            return found

        def claim(registration_id: int, now) -> bool:
            if not self.local.free:
                return False
            checkin.db.session.execute(
                update(Registration)
                .where(Registration.id == registration_id)
                .values(checked_in_at=now)
            )
            return True

        monkeypatch.setattr(checkin, "_registration_with_code", lookup)
        monkeypatch.setattr(checkin, "_claim_forum_checkin", claim)


def _recorded(db, registration_id: int) -> int:
    db.session.rollback()  # a fresh snapshot: see what the requests committed
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.registration_id == registration_id)
    )


@pytest.fixture
def scene(open_forum, staff, register, payload):
    forum = open_forum()
    # Two operators: one at the web desk (signed in at several desks), one with a scanner
    # app holding a token per tablet.
    users = [staff("desk", forum, name="Web Operator"), staff("desk", forum, name="App Operator")]
    person = register(forum, "김민지")
    tokens = [issue_api_token(users[1], f"tablet {n}") for n in range(DESKS)]
    return forum, users, tokens, person, payload(person.confirmation_code)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_desks_scanning_at_once_through_the_api_record_one_check_in(
    app, db, scene, monkeypatch, round_
):
    forum, _, tokens, person, scanned = scene
    widen_the_window(monkeypatch)
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        results = fire_together([api_scan(port, forum.slug, t, scanned) for t in tokens])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (DESKS - 1) + [201], results
    assert sorted(kind for _, kind in results) == ["already_checked_in"] * (DESKS - 1) + [
        "checked_in"
    ]
    assert _recorded(db, person.id) == 1
    assert db.session.get(Registration, person.id).checked_in_at is not None


def test_the_web_desk_and_the_api_at_once_record_one_check_in(app, db, scene, monkeypatch):
    forum, users, tokens, person, scanned = scene
    widen_the_window(monkeypatch)
    half = DESKS // 2
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        cookies = [web_session(port, users[0].email, PASSWORD) for _ in range(half)]
        calls = [web_scan(port, forum.slug, c, scanned) for c in cookies]
        calls += [api_scan(port, forum.slug, t, scanned) for t in tokens[half:]]
        results = fire_together(calls)
    firsts = [r for r in results if r[1] == "checked_in"]
    assert len(firsts) == 1, results
    for status, told in results:
        if told == "checked_in":
            continue
        assert status == 200
        assert told == "already_checked_in" or told.startswith("Already checked in at "), told
    # The desks told "already" name the operator who did it.
    db.session.rollback()
    row = db.session.scalar(select(CheckIn))
    winner = next(u for u in users if u.id == row.operator_id)
    web_already = [t for _, t in results if t.startswith("Already")]
    assert all(t.endswith(f"by {winner.name} ({row.desk}).") for t in web_already), web_already
    assert _recorded(db, person.id) == 1


def test_negative_control_a_read_then_write_records_several_check_ins(app, db, scene, monkeypatch):
    ReadThenWrite().install(monkeypatch)
    forum, _, tokens, person, scanned = scene
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        results = fire_together([api_scan(port, forum.slug, t, scanned) for t in tokens])
    created = sum(1 for status, _ in results if status == 201)
    recorded = _recorded(db, person.id)
    assert created > 1, "the harness failed to expose the race: the test proves nothing"
    assert recorded == created
