"""Fixtures shared by the app tests: a database per backend, the app, a client, factories.

Every app test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set (each run in
a fresh database of its own). Under CI a missing PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
if os.environ.get("CI") and not TEST_DATABASE_URL:
    raise pytest.UsageError("CI requires TEST_DATABASE_URL (PostgreSQL) to be set")

BACKENDS = ["sqlite", *(["postgresql"] if TEST_DATABASE_URL else [])]

# Browser tests: one Chromium for the whole run (Playwright's sync API allows one at a time).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("MADANG_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _pg_admin_url() -> str:
    from app import normalise_database_url

    return normalise_database_url(TEST_DATABASE_URL)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Callable[[], str]]:
    """Creates fresh PostgreSQL databases for this run and drops them at the end."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}")
    created: list[str] = []

    def new_database() -> str:
        name = f"madang_test_{os.getpid()}_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)

    yield new_database
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory, request) -> Callable[[str], str]:
    """A factory: an empty database of the given backend, new on each call."""

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "madang.sqlite3"
            return f"sqlite:///{path}"
        return request.getfixturevalue("pg_server")()

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, fresh_database_url) -> str:
    return fresh_database_url(backend)


def build_app(database_url: str, **overrides: Any):
    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    # What the app keeps in its instance folder (the demo passwords) stays out of the project's.
    app.instance_path = tempfile.mkdtemp(prefix="madang-instance-")
    return app


@pytest.fixture(scope="session")
def app_factory() -> Callable[..., Any]:
    """`build_app(database_url, **overrides)`, for tests that need an app of their own."""
    return build_app


@contextmanager
def migrated_app(database_url: str, **overrides: Any) -> Iterator[Any]:
    """An app on `database_url`, upgraded to head through the real migrations; its
    connections are closed afterwards."""
    from flask_migrate import upgrade

    from app.core.db import db

    app = build_app(database_url, **overrides)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _migrated_app(database_url):
    """One app per backend, its database upgraded to head through the real migrations."""
    with migrated_app(database_url) as app:
        yield app


@pytest.fixture
def postgres_app(fresh_database_url) -> Iterator[Callable[..., Any]]:
    """A factory: an app of its own on a fresh, migrated PostgreSQL database, for tests that
    run several connections at once (`postgres_app(MAIL_FROM=…)` overrides settings)."""
    with ExitStack() as stack:
        yield lambda **overrides: stack.enter_context(
            migrated_app(fresh_database_url("postgresql"), **overrides)
        )


def _empty_all_tables(app) -> None:
    from app.core.db import db

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
        db.session.remove()


@pytest.fixture
def app(_migrated_app):
    """The app with an empty database; the app context is pushed for the test."""
    from app.mail.senders import reset_memory_outbox

    _empty_all_tables(_migrated_app)
    reset_memory_outbox(_migrated_app)
    with _migrated_app.app_context():
        yield _migrated_app
        from app.core.db import db

        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    from app.core.db import db as _db

    return _db


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_forum(db) -> Callable[..., Any]:
    from app.models import Forum

    def make(**fields: Any) -> Forum:
        now = datetime.now(UTC)
        first = (now + timedelta(days=30)).date()
        defaults: dict[str, Any] = {
            "slug": f"forum-{secrets.token_hex(3)}",
            "title_ko": "테스트 포럼",
            "title_en": "Test Forum",
            "timezone": "Asia/Seoul",
            "first_day": first,
            "last_day": first,
            "format": "hybrid",
            "status": "published",
            "registration_opens_at": now - timedelta(days=1),
            "registration_closes_at": now + timedelta(days=20),
            "onsite_registration": True,
            "organizer_name_ko": "서울특별시",
            "organizer_name_en": "Seoul Metropolitan Government",
            "organizer_email": "forum@seoul.example.org",
        }
        defaults.update(fields)
        forum = Forum(**defaults)
        db.session.add(forum)
        db.session.commit()
        return forum

    return make


@pytest.fixture
def make_venue(db) -> Callable[..., Any]:
    from app.models import Venue

    def make(forum, **fields: Any) -> Venue:
        defaults: dict[str, Any] = {
            "name_ko": "다목적홀",
            "name_en": "Multipurpose Hall",
            "kind": "hall",
            "building_ko": "서울시청",
            "building_en": "Seoul City Hall",
            "floor_ko": "8층",
            "floor_en": "8F",
            "address_ko": "서울특별시 중구 세종대로 110",
            "address_en": "110 Sejong-daero, Jung-gu, Seoul",
            "seats": 200,
        }
        defaults.update(fields)
        venue = Venue(forum=forum, **defaults)
        db.session.add(venue)
        db.session.commit()
        return venue

    return make


@pytest.fixture
def make_session(db) -> Callable[..., Any]:
    from zoneinfo import ZoneInfo

    from app.models import ForumSession

    def make(
        forum, *, day: date | None = None, start: str = "10:00", end: str = "11:00", **fields: Any
    ) -> ForumSession:
        zone = ZoneInfo(forum.timezone)
        day = day or forum.first_day
        h1, m1 = map(int, start.split(":"))
        h2, m2 = map(int, end.split(":"))
        defaults: dict[str, Any] = {
            "title_ko": "세션",
            "title_en": "Session",
            "kind": "session",
            "format": "in_person",
            "starts_at": datetime(day.year, day.month, day.day, h1, m1, tzinfo=zone),
            "ends_at": datetime(day.year, day.month, day.day, h2, m2, tzinfo=zone),
        }
        defaults.update(fields)
        session = ForumSession(forum=forum, **defaults)
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def make_speaker(db) -> Callable[..., Any]:
    from app.models import SessionSpeaker, Speaker

    def make(forum, *, sessions: tuple = (), role: str = "presenter", **fields: Any) -> Speaker:
        defaults: dict[str, Any] = {"name_ko": "홍길동", "name_en": "Hong Gil-dong"}
        defaults.update(fields)
        speaker = Speaker(forum=forum, **defaults)
        db.session.add(speaker)
        for position, session in enumerate(sessions):
            db.session.add(
                SessionSpeaker(session=session, speaker=speaker, role=role, position=position)
            )
        db.session.commit()
        return speaker

    return make


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright; skipped without it, a failure under CI.

    One per module: Playwright's sync API keeps an event loop in the thread while it runs,
    which must not outlive the browser tests."""
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def english(app):
    """Messages made outside a request in English (the product's default is Korean)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def make_registration(db) -> Callable[..., Any]:
    """A registration made directly (no seat logic): give status/bookings explicitly."""
    from app.models import Booking, Registration

    counter = iter(range(1, 10_000))

    def make(
        forum,
        *,
        attendance: str = "in_person",
        status: str = "confirmed",
        waitlist_seq: int | None = None,
        sessions: tuple = (),
        booking_status: str = "confirmed",
        needs: tuple[str, ...] = (),
        email: str | None = None,
        name: str | None = None,
    ) -> Registration:
        n = next(counter)
        now = datetime.now(UTC)
        registration = Registration(
            forum=forum,
            confirmation_code=secrets.token_hex(4).upper(),
            name=name or f"Person {n}",
            email=email if email is not None else f"person{n}-{secrets.token_hex(2)}@example.org",
            email_normalized=None,
            attendance=attendance,
            locale="en",
            status=status,
            waitlist_seq=waitlist_seq,
            manage_token_hash=secrets.token_hex(32),
            calendar_token_hash=secrets.token_hex(32),
            consent_version="test",
            consented_at=now,
            accessibility_consent=bool(needs),
            accessibility_needs=list(needs),
        )
        registration.email_normalized = registration.email.casefold() or None
        db.session.add(registration)
        for session in sessions:
            db.session.add(
                Booking(registration=registration, session=session, status=booking_status)
            )
        db.session.commit()
        return registration

    return make


@pytest.fixture
def korean_font() -> str:
    """A font with Hangul for certificate PDFs. Without one the test is skipped with the
    reason; in CI (which installs fonts-noto-cjk) a missing font is a failure."""
    from app.registration.certificate_pdf import FontMissing, find_font

    try:
        return find_font()
    except FontMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def rate_limits(app) -> Iterator[Callable[[str, Any], None]]:
    """Set a low limit for one test; every limit and counter is restored afterwards."""
    from app.extensions import limiter

    saved: dict[str, Any] = {}

    def set_limit(name: str, value: Any) -> None:
        saved.setdefault(name, app.config[name])
        app.config[name] = value
        limiter.reset()

    limiter.reset()
    yield set_limit
    app.config.update(saved)
    limiter.reset()
