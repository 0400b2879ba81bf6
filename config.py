"""Configuration, read from the environment with safe development defaults.

Classes hold values only; `create_app` checks what production requires (a real SECRET_KEY),
so importing this module never fails.
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-secret-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # None means: a SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 30_000)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Seoul")

    # Mail
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # smtp | console | memory
    MAIL_FROM = os.environ.get("MAIL_FROM", "Madang <no-reply@madang.example.org>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "none")  # none | starttls | tls
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    # Deliver queued mail from a background thread of the web process (development only).
    MAIL_DELIVER_IN_PROCESS = _bool("MAIL_DELIVER_IN_PROCESS", False)

    # Public calendar feeds: how long a worker may answer from the programme version it last
    # read (clients are told max-age=300); 0 asks the database on every request.
    FEED_VERSION_TTL = float(os.environ.get("FEED_VERSION_TTL", "1"))

    # Rate limits (Flask-Limiter); use redis://… when several processes serve the app.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "30/minute;300/hour")
    # Manage links mailed to one registration per hour when someone registers its address again.
    MANAGE_LINK_RESENDS_PER_HOUR = _int("MANAGE_LINK_RESENDS_PER_HOUR", 3)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10/minute;50/hour")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
    DESK_SEARCH_RATE_LIMIT = os.environ.get("DESK_SEARCH_RATE_LIMIT", "120/minute")

    # Personal data of a forum's registrations is anonymised this many days after the forum
    # ends (`flask privacy purge`, run daily by `flask outbox deliver --watch`).
    RETENTION_DAYS = _int("RETENTION_DAYS", 90)

    # Forms
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session cookie
    BABEL_DEFAULT_LOCALE = "ko"
    LANGUAGES = ("ko", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    DEMO_ACCOUNTS = True


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_DELIVER_IN_PROCESS = _bool("MAIL_DELIVER_IN_PROCESS", True)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    MAIL_BACKEND = "memory"
    MAIL_DELIVER_IN_PROCESS = False
    # Limits stay on (one shared limiter) but high; rate-limit tests lower them per test.
    REGISTRATION_RATE_LIMIT = "100000/minute"
    # Several hundred threads share the pool in the concurrency tests on a busy machine.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_timeout": 120}
    LOGIN_RATE_LIMIT = "100000/minute"
    API_RATE_LIMIT = "100000/minute"
    DESK_SEARCH_RATE_LIMIT = "100000/minute"
    WTF_CSRF_ENABLED = False
    FEED_VERSION_TTL = 0.0  # tests edit and fetch at once; the memo has tests of its own
    BASE_URL = "http://madang.test"
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = True
    DEMO_ACCOUNTS = False


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by MADANG_ENV (development by default)."""
    name = os.environ.get("MADANG_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise ValueError(f"MADANG_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
