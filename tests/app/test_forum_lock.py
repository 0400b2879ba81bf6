"""The forum row's lock: registrations that take no forum-wide place share it, so they run side
by side and meet only on the seats they pick; whoever changes the forum (an organizer, a
cancellation, the desk) takes it exclusively and waits for them, and is waited for.

The PostgreSQL tests pause one registration inside its transaction (at its booking INSERT) and
watch what another request does meanwhile. A negative control with the old exclusive lock shows
that they can tell the difference.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, text, update

from app.core.db import db as _db
from app.core.errors import AlreadyRegistered, ValidationFailed
from app.core.locks import lock_forum
from app.models import Booking, Forum, ForumSession, OutboxMessage, Registration, User
from app.places import ledger
from app.programme import agenda
from app.registration import operations as registrations
from tests.app.registration.test_operations import person

WAIT = 30  # seconds: a bound for a wait that should end at once, never a pause


def confirmed_in_person(db, forum_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.forum_id == forum_id,
            Registration.attendance == "in_person",
            Registration.status == "confirmed",
        )
    )


def admin(db) -> User:
    user = User(email="admin@staff.example.org", name="Admin", password_hash="x", role="admin")
    db.session.add(user)
    db.session.commit()
    return user


# ------------------------------------------------------------------ both databases


def test_without_a_capacity_registrations_leave_the_counter_and_places_are_counted(
    db, make_forum, make_session
):
    forum = make_forum()
    talk = make_session(forum, seats=10)
    for n in range(3):
        registrations.register(forum, person(n, session_ids=[talk.id]))
    registrations.register(forum, person("online", attendance="online"))

    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 0
    assert ledger.places_taken(forum) == 3
    assert db.session.get(ForumSession, talk.id).seats_taken == 3


def test_setting_a_capacity_counts_the_places_held_first(db, make_forum):
    forum = make_forum()
    for n in range(3):
        registrations.register(forum, person(n))
    user = admin(db)

    with pytest.raises(ValidationFailed) as refused:
        agenda.update_forum(forum, {"in_person_capacity": "2"}, user)
    assert "in_person_capacity" in refused.value.errors
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_capacity is None

    agenda.update_forum(forum, {"in_person_capacity": "4"}, user)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 3
    assert registrations.register(forum, person(3)).registration.status == "confirmed"
    assert registrations.register(forum, person(4)).registration.status == "waitlisted"
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 4 == confirmed_in_person(db, forum.id)


def test_a_capacity_set_after_the_forum_was_loaded_still_counts_the_place(db, make_forum):
    forum = make_forum()
    loaded = db.session.get(Forum, forum.id)
    assert loaded.in_person_capacity is None
    # Another process sets a capacity of one after this request loaded the forum.
    with db.engine.begin() as other:
        other.execute(update(Forum).where(Forum.id == forum.id).values(in_person_capacity=1))

    first = registrations.register(loaded, person(1))
    second = registrations.register(loaded, person(2))

    assert first.registration.status == "confirmed"
    assert second.registration.status == "waitlisted"
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).in_person_taken == 1 == confirmed_in_person(db, forum.id)


# ------------------------------------------------------------------ PostgreSQL


@pytest.fixture
def pg(postgres_app):
    return postgres_app()


@pytest.fixture
def forum_with_talks(pg) -> tuple[int, list[int]]:
    now = datetime.now(UTC)
    day = (now + timedelta(days=30)).date()
    with pg.app_context():
        forum = Forum(
            slug="lock",
            title_ko="잠금 포럼",
            title_en="Lock Forum",
            timezone="Asia/Seoul",
            first_day=day,
            last_day=day,
            format="hybrid",
            status="published",
            registration_opens_at=now - timedelta(days=1),
            organizer_email="forum@seoul.example.org",
        )
        talks = [
            ForumSession(
                forum=forum,
                title_ko=f"세션 {n}",
                title_en=f"Talk {n}",
                kind="session",
                format="in_person",
                seats=10,
                starts_at=now + timedelta(days=30, hours=n),
                ends_at=now + timedelta(days=30, hours=n, minutes=50),
            )
            for n in range(2)
        ]
        _db.session.add_all([forum, *talks])
        _db.session.commit()
        ids = forum.id, [t.id for t in talks]
        _db.session.remove()
    return ids


class Pause:
    """Holds one thread's registration inside its transaction, at its booking INSERT."""

    def __init__(self, app) -> None:
        self.engine = _engine(app)
        self.thread: threading.Thread | None = None
        self.inside = threading.Event()
        self.release = threading.Event()

    def hold(self, conn, cursor, statement, *args) -> None:
        ours = threading.current_thread() is self.thread
        if ours and statement.startswith("INSERT INTO bookings"):
            self.inside.set()
            assert self.release.wait(WAIT), "never released"

    @contextmanager
    def installed(self) -> Iterator[Pause]:
        event.listen(self.engine, "before_cursor_execute", self.hold)
        try:
            yield self
        finally:
            self.release.set()
            event.remove(self.engine, "before_cursor_execute", self.hold)


def _engine(app):
    with app.app_context():
        return _db.engine


def in_thread(pool: ThreadPoolExecutor, app, work: Callable[[], object]) -> Future:
    def run():
        with app.app_context():
            try:
                return work()
            finally:
                _db.session.remove()

    return pool.submit(run)


def register_as(forum_id: int, request: registrations.RegistrationRequest) -> Callable[[], str]:
    def work() -> str:
        forum = _db.session.get(Forum, forum_id)
        try:
            return registrations.register(forum, request).registration.status
        except AlreadyRegistered:
            return "already registered"

    return work


def wait_until_blocked(app, done: Future) -> None:
    """Until a backend of this database waits on a lock (or the work ended without waiting)."""
    deadline = time.monotonic() + WAIT
    with app.app_context():
        while time.monotonic() < deadline and not done.done():
            waiting = _db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            _db.session.rollback()
            if waiting:
                return
            threading.Event().wait(0.01)
    _db.session.remove()


def start_paused(pool, pg, pause: Pause, forum_id: int, request) -> Future:
    def work():
        pause.thread = threading.current_thread()
        return register_as(forum_id, request)()

    paused = in_thread(pool, pg, work)
    assert pause.inside.wait(WAIT), "the first registration never reached its booking"
    return paused


def test_registrations_without_a_forum_place_do_not_wait_for_each_other(pg, forum_with_talks):
    forum_id, (talk_a, talk_b) = forum_with_talks
    with Pause(pg).installed() as pause, ThreadPoolExecutor(2) as pool:
        paused = start_paused(pool, pg, pause, forum_id, person("a", session_ids=[talk_a]))
        other = in_thread(pool, pg, register_as(forum_id, person("b", session_ids=[talk_b])))
        # The second finishes while the first is still inside its transaction.
        assert other.result(WAIT) == "confirmed"
        assert not paused.done()
        pause.release.set()
        assert paused.result(WAIT) == "confirmed"


def test_negative_control_with_an_exclusive_forum_lock_the_second_waits(
    pg, forum_with_talks, monkeypatch
):
    def exclusive(forum_id: int, counting: bool) -> None:
        lock_forum(forum_id)

    monkeypatch.setattr(registrations, "share_forum", exclusive)
    forum_id, (talk_a, talk_b) = forum_with_talks
    with Pause(pg).installed() as pause, ThreadPoolExecutor(2) as pool:
        paused = start_paused(pool, pg, pause, forum_id, person("a", session_ids=[talk_a]))
        other = in_thread(pool, pg, register_as(forum_id, person("b", session_ids=[talk_b])))
        wait_until_blocked(pg, other)
        assert not other.done(), "the second registration did not wait for the forum lock"
        pause.release.set()
        assert paused.result(WAIT) == other.result(WAIT) == "confirmed"


def test_an_organizer_setting_a_capacity_waits_for_registrations_in_flight(pg, forum_with_talks):
    forum_id, (talk_a, _) = forum_with_talks
    with pg.app_context():
        user_id = admin(_db).id
        _db.session.remove()

    def set_capacity() -> int:
        forum = _db.session.get(Forum, forum_id)
        agenda.update_forum(forum, {"in_person_capacity": "5"}, _db.session.get(User, user_id))
        return _db.session.get(Forum, forum_id).in_person_taken

    with Pause(pg).installed() as pause, ThreadPoolExecutor(2) as pool:
        paused = start_paused(pool, pg, pause, forum_id, person("a", session_ids=[talk_a]))
        organizer = in_thread(pool, pg, set_capacity)
        wait_until_blocked(pg, organizer)
        assert not organizer.done(), "the organizer did not wait for the registration"
        pause.release.set()
        assert paused.result(WAIT) == "confirmed"
        # The recount, made after the registration committed, includes it.
        assert organizer.result(WAIT) == 1
    with pg.app_context():
        assert confirmed_in_person(_db, forum_id) == 1
        _db.session.remove()


def test_the_same_address_twice_at_once_registers_once(pg, forum_with_talks):
    forum_id, (talk_a, talk_b) = forum_with_talks
    with Pause(pg).installed() as pause, ThreadPoolExecutor(2) as pool:
        paused = start_paused(pool, pg, pause, forum_id, person("same", session_ids=[talk_a]))
        twin = in_thread(pool, pg, register_as(forum_id, person("same", session_ids=[talk_b])))
        # The twin's INSERT waits on the unique index for the first to commit.
        wait_until_blocked(pg, twin)
        assert not twin.done()
        pause.release.set()
        assert paused.result(WAIT) == "confirmed"
        assert twin.result(WAIT) == "already registered"
    with pg.app_context():
        kinds = _db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        assert kinds == ["registration_confirmed", "manage_link"]
        assert _db.session.scalar(select(func.count()).select_from(Registration)) == 1
        bookings = _db.session.execute(select(Booking.session_id, Booking.status)).all()
        assert bookings == [(talk_a, "confirmed")]
        seats = _db.session.scalars(select(ForumSession.seats_taken).order_by(ForumSession.id))
        assert list(seats) == [1, 0]
        _db.session.remove()
