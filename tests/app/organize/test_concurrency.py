"""Two organizers saving the same session at once: exactly one wins, every other save is
refused (never a silent overwrite), on SQLite and PostgreSQL, with real concurrent threads.
A negative control with the guard switched off shows that the test can fail."""

from __future__ import annotations

import threading

import pytest

from app.models import Forum, ForumSession, User
from app.programme import checks, session_edits

WRITERS = 8


def race(app, forum_id: int, session_id: int, user_id: int, fingerprint: str) -> list[str]:
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        with app.app_context():
            from app.core.db import db

            forum = db.session.get(Forum, forum_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                session_edits.update_session(
                    forum,
                    session_id,
                    {"description_en": f"writer {n}"},
                    user,
                    revision=1,
                    fingerprint=fingerprint,
                )
                result = "saved"
            except checks.StaleRevision:
                result = "stale"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.fixture
def contested(db, make_forum, make_session, make_user):
    forum = make_forum(slug="contested", status="draft")
    session = make_session(forum)
    user = make_user("organizer", forum)
    return forum.id, session.id, user.id, session_edits.session_fingerprint(session)


def test_concurrent_saves_from_one_revision_let_exactly_one_through(app, db, contested):
    outcomes = race(app, *contested)
    assert sorted(outcomes) == ["saved"] + ["stale"] * (WRITERS - 1)
    db.session.rollback()  # end this thread's read snapshot
    assert db.session.get(ForumSession, contested[1]).description_en.startswith("writer ")


def test_negative_control_without_the_guard_every_save_overwrites(app, db, contested, monkeypatch):
    monkeypatch.setattr(session_edits, "_lock_session", lambda session_id, revision: True)
    monkeypatch.setattr(session_edits, "session_fingerprint", lambda session: "same")
    outcomes = race(app, *contested[:3], "same")
    assert outcomes.count("saved") == WRITERS  # last write wins: what the guard prevents
