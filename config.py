"""Configuration, read from the environment and checked at start-up.

The classes hold what the environment says (strings) or a typed default; `check` parses every
setting and raises `ConfigError` naming the variable, so a bad value stops the process with one
line: never a traceback, never a silent default. Importing this module never fails.

Without `MADANG_ENV` the app runs as production: only an explicit `development` or `testing`
may use the development key.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, MutableMapping
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEV_SECRET_KEY = "dev-only-secret-change-me"
# Environments that may run with the development key (anything else needs a real one).
DEVELOPMENT_KEY_ENVS = ("development", "testing")
# 32 random bytes written in URL-safe base64 (`secrets.token_urlsafe(32)`) are 43 characters.
MIN_SECRET_KEY_CHARS = 43
MIN_SECRET_KEY_DISTINCT = 12
SECRET_KEY_HINT = (
    "set it to 32 random bytes or more, e.g. "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))' "
    "(or MADANG_ENV=development for local use)"
)
DEFAULT_MAX_CONTENT_LENGTH = 3 * 1024 * 1024  # above CSV import's 2 MB, with the form around it


class ConfigError(ValueError):
    """One bad setting: `str()` is one line that names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable


def _env(name: str, default: Any = None) -> Any:
    """The variable as written, or `default` when it is unset or blank (parsed by `check`)."""
    value = os.environ.get(name)
    return default if value is None or not value.strip() else value


class Config:
    ENV_NAME = "base"
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    # None means: a SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = _env("SQLITE_BUSY_TIMEOUT_MS", 30_000)
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")
    DEFAULT_TIMEZONE = _env("DEFAULT_TIMEZONE", "Asia/Seoul")
    # Request bodies above this are answered 413 before they are read.
    MAX_CONTENT_LENGTH = _env("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (ProxyFix);
    # 0 reads the client address from the connection.
    TRUSTED_PROXIES = _env("TRUSTED_PROXIES", 0)
    # A font with Hangul for certificates of attendance (default: Noto Sans CJK where the
    # system keeps it, e.g. Debian's fonts-noto-cjk).
    CERTIFICATE_FONT = _env("CERTIFICATE_FONT")

    # Mail
    MAIL_BACKEND = _env("MAIL_BACKEND", "console")  # smtp | console | memory
    MAIL_FROM = _env("MAIL_FROM", "Madang <no-reply@madang.example.org>")
    SMTP_HOST = _env("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _env("SMTP_PORT", 25)
    SMTP_USERNAME = _env("SMTP_USERNAME")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_SECURITY = _env("SMTP_SECURITY", "none")  # none | starttls | tls
    SMTP_TIMEOUT = _env("SMTP_TIMEOUT", 10.0)
    # Deliver queued mail from a background thread of the web process (development only).
    MAIL_DELIVER_IN_PROCESS = _env("MAIL_DELIVER_IN_PROCESS", False)
    # Run queued agenda solver searches on a thread of the web process (development only;
    # production runs `flask agenda work --watch`).
    AGENDA_SOLVE_IN_PROCESS = _env("AGENDA_SOLVE_IN_PROCESS", False)
    # The mail worker (`flask outbox deliver`); None: the worker's own default.
    OUTBOX_BATCH_SIZE = _env("OUTBOX_BATCH_SIZE")
    OUTBOX_LEASE_SECONDS = _env("OUTBOX_LEASE_SECONDS")
    OUTBOX_POLL_SECONDS = _env("OUTBOX_POLL_SECONDS")
    OUTBOX_REMINDER_SECONDS = _env("OUTBOX_REMINDER_SECONDS")
    PRIVACY_PURGE_SECONDS = _env("PRIVACY_PURGE_SECONDS")

    # Public calendar feeds: how long a worker may answer from the programme version it last
    # read (clients are told max-age=300); 0 asks the database on every request.
    FEED_VERSION_TTL = _env("FEED_VERSION_TTL", 1.0)

    # Rate limits (Flask-Limiter); use redis://… when several processes serve the app.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", True)
    # X-RateLimit-* on every answer cost two more storage round trips per request (Redis in
    # production); off, a refused request still says when to come back (Retry-After).
    RATELIMIT_HEADERS_ENABLED = _env("RATELIMIT_HEADERS_ENABLED", False)
    REGISTRATION_RATE_LIMIT = _env("REGISTRATION_RATE_LIMIT", "30/minute;300/hour")
    # Manage links mailed to one registration per hour when someone registers its address again.
    MANAGE_LINK_RESENDS_PER_HOUR = _env("MANAGE_LINK_RESENDS_PER_HOUR", 3)
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10/minute;50/hour")
    # Failed sign-ins per account, whatever address they come from.
    LOGIN_ACCOUNT_RATE_LIMIT = _env("LOGIN_ACCOUNT_RATE_LIMIT", "5/minute;20/hour")
    API_RATE_LIMIT = _env("API_RATE_LIMIT", "600/minute")
    DESK_SEARCH_RATE_LIMIT = _env("DESK_SEARCH_RATE_LIMIT", "120/minute")
    # Citizens' voices: comments and questions sent, and likes and votes given, per address.
    VOICE_POST_RATE_LIMIT = _env("VOICE_POST_RATE_LIMIT", "10/minute;60/hour")
    VOICE_VOTE_RATE_LIMIT = _env("VOICE_VOTE_RATE_LIMIT", "60/minute;600/hour")

    # Personal data of a forum's registrations is anonymised this many days after the forum
    # ends (`flask privacy purge`, run daily by `flask outbox deliver --watch`).
    RETENTION_DAYS = _env("RETENTION_DAYS", 90)

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
    MAIL_DELIVER_IN_PROCESS = _env("MAIL_DELIVER_IN_PROCESS", True)
    AGENDA_SOLVE_IN_PROCESS = _env("AGENDA_SOLVE_IN_PROCESS", True)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    MAIL_BACKEND = "memory"
    MAIL_DELIVER_IN_PROCESS = False
    AGENDA_SOLVE_IN_PROCESS = False
    # Limits stay on (one shared limiter) but high; rate-limit tests lower them per test.
    REGISTRATION_RATE_LIMIT = "100000/minute"
    # Several hundred threads share the pool in the concurrency tests on a busy machine.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_timeout": 120}
    LOGIN_RATE_LIMIT = "100000/minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "100000/minute"
    API_RATE_LIMIT = "100000/minute"
    DESK_SEARCH_RATE_LIMIT = "100000/minute"
    VOICE_POST_RATE_LIMIT = "100000/minute"
    VOICE_VOTE_RATE_LIMIT = "100000/minute"
    WTF_CSRF_ENABLED = False
    FEED_VERSION_TTL = 0.0  # tests edit and fetch at once; the memo has tests of its own
    BASE_URL = "http://madang.test"
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    MAIL_BACKEND = _env("MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = True
    DEMO_ACCOUNTS = False


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by MADANG_ENV; production when it is not set."""
    name = (_env("MADANG_ENV") or "production").strip().lower()
    if name not in CONFIGS:
        raise ConfigError("MADANG_ENV", f"must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]


def settings_of(config: type[Config]) -> dict[str, Any]:
    """The upper-case settings of a config class, as `app.config.from_object` reads them."""
    return {key: getattr(config, key) for key in dir(config) if key.isupper()}


def checked_environment() -> dict[str, Any]:
    """Every setting from the environment, parsed and checked (for a process that has no app
    yet, such as the gunicorn master)."""
    settings = settings_of(config_from_env())
    check(settings)
    return settings


# ------------------------------------------------------------------ parsers

Parser = Callable[[str, Any], Any]


def _show(value: Any) -> str:
    return repr(value if len(str(value)) <= 60 else str(value)[:57] + "...")


def integer(minimum: int, maximum: int | None = None) -> Parser:
    def parse(name: str, value: Any) -> int:
        try:
            number = value if type(value) is int else int(str(value).strip())
        except ValueError:
            number = None
        if number is None or number < minimum or (maximum is not None and number > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum is not None else f"≥ {minimum}"
            raise ConfigError(name, f"must be a whole number {bounds}, not {_show(value)}")
        return number

    return parse


def number(minimum: float, *, above: bool = False) -> Parser:
    def parse(name: str, value: Any) -> float:
        try:
            parsed = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            parsed = math.nan
        if not math.isfinite(parsed) or parsed < minimum or (above and parsed == minimum):
            bound = f"above {minimum:g}" if above else f"at least {minimum:g}"
            raise ConfigError(name, f"must be a number {bound}, not {_show(value)}")
        return parsed

    return parse


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ConfigError(
        name, f"must be one of 1, 0, true, false, yes, no, on, off; not {_show(value)}"
    )


def choice(*options: str) -> Parser:
    def parse(name: str, value: Any) -> str:
        word = str(value).strip().lower()
        if word not in options:
            raise ConfigError(name, f"must be one of {', '.join(options)}, not {_show(value)}")
        return word

    return parse


def rate_limit(name: str, value: Any) -> str:
    """Checked with the parser Flask-Limiter uses: a typo must not turn the limit off."""
    from limits import parse_many

    try:
        if not parse_many(str(value)):
            raise ValueError
    except ValueError:
        raise ConfigError(
            name, f"must be rate limits like '30/minute;300/hour', not {_show(value)}"
        ) from None
    return str(value).strip()


def timezone(name: str, value: Any) -> str:
    try:
        ZoneInfo(str(value).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            name, f"must be an IANA time zone such as Asia/Seoul, not {_show(value)}"
        ) from None
    return str(value).strip()


def web_url(name: str, value: Any) -> str:
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            name, f"must be an http(s) address like https://forum.example.org, not {_show(value)}"
        )
    return str(value).strip().rstrip("/")


def mail_address(name: str, value: Any) -> str:
    address = parseaddr(str(value))[1]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address or ""):
        raise ConfigError(
            name, f"must be an address like 'Madang <no-reply@example.org>', not {_show(value)}"
        )
    return str(value).strip()


def host(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text or any(c.isspace() or c in "/@" for c in text):
        raise ConfigError(name, f"must be a host name or address, not {_show(value)}")
    return text


def storage_uri(name: str, value: Any) -> str:
    """A storage scheme Flask-Limiter knows (`limits.storage.SCHEMES`, the table
    `storage_from_string` reads), whose client library is installed. Nothing is connected to
    or built here: a half-built storage object would print its own errors."""
    from importlib.util import find_spec

    from limits.storage import SCHEMES

    uri = str(value).strip()
    scheme = urlsplit(uri).scheme
    if scheme not in SCHEMES or scheme.startswith("async+") or "://" not in uri:
        raise ConfigError(
            name,
            f"must be a storage such as memory:// or redis://host:6379, not {_show(value)}",
        )
    libraries = sorted({module.split(".")[0] for module in SCHEMES[scheme].DEPENDENCIES})
    if libraries and not any(find_spec(library) for library in libraries):
        raise ConfigError(name, f"needs the {' or '.join(libraries)} package installed")
    return uri


PARSERS: dict[str, tuple[str, Parser]] = {
    # setting: (environment variable, parser)
    "SQLITE_BUSY_TIMEOUT_MS": ("SQLITE_BUSY_TIMEOUT_MS", integer(0)),
    "BASE_URL": ("BASE_URL", web_url),
    "DEFAULT_TIMEZONE": ("DEFAULT_TIMEZONE", timezone),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", integer(1024)),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", integer(0, 10)),
    "MAIL_BACKEND": ("MAIL_BACKEND", choice("smtp", "console", "memory")),
    "MAIL_FROM": ("MAIL_FROM", mail_address),
    "SMTP_HOST": ("SMTP_HOST", host),
    "SMTP_PORT": ("SMTP_PORT", integer(1, 65535)),
    "SMTP_SECURITY": ("SMTP_SECURITY", choice("none", "starttls", "tls")),
    "SMTP_TIMEOUT": ("SMTP_TIMEOUT", number(0, above=True)),
    "MAIL_DELIVER_IN_PROCESS": ("MAIL_DELIVER_IN_PROCESS", boolean),
    "AGENDA_SOLVE_IN_PROCESS": ("AGENDA_SOLVE_IN_PROCESS", boolean),
    "OUTBOX_BATCH_SIZE": ("OUTBOX_BATCH_SIZE", integer(1, 1000)),
    "OUTBOX_LEASE_SECONDS": ("OUTBOX_LEASE_SECONDS", number(1)),
    "OUTBOX_POLL_SECONDS": ("OUTBOX_POLL_SECONDS", number(0.05)),
    "OUTBOX_REMINDER_SECONDS": ("OUTBOX_REMINDER_SECONDS", number(1)),
    "PRIVACY_PURGE_SECONDS": ("PRIVACY_PURGE_SECONDS", number(0)),
    "FEED_VERSION_TTL": ("FEED_VERSION_TTL", number(0)),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", storage_uri),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", boolean),
    "RATELIMIT_HEADERS_ENABLED": ("RATELIMIT_HEADERS_ENABLED", boolean),
    "REGISTRATION_RATE_LIMIT": ("REGISTRATION_RATE_LIMIT", rate_limit),
    "MANAGE_LINK_RESENDS_PER_HOUR": ("MANAGE_LINK_RESENDS_PER_HOUR", integer(0)),
    "LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", rate_limit),
    "LOGIN_ACCOUNT_RATE_LIMIT": ("LOGIN_ACCOUNT_RATE_LIMIT", rate_limit),
    "API_RATE_LIMIT": ("API_RATE_LIMIT", rate_limit),
    "DESK_SEARCH_RATE_LIMIT": ("DESK_SEARCH_RATE_LIMIT", rate_limit),
    "VOICE_POST_RATE_LIMIT": ("VOICE_POST_RATE_LIMIT", rate_limit),
    "VOICE_VOTE_RATE_LIMIT": ("VOICE_VOTE_RATE_LIMIT", rate_limit),
    "RETENTION_DAYS": ("RETENTION_DAYS", integer(1)),
}


def check_secret_key(env: str | None, key: Any) -> None:
    if env in DEVELOPMENT_KEY_ENVS and key:
        return
    key = key if isinstance(key, str) else ""
    if (
        key == DEV_SECRET_KEY
        or len(key) < MIN_SECRET_KEY_CHARS
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT
    ):
        raise ConfigError("SECRET_KEY", f"is missing or too weak: {SECRET_KEY_HINT}")


def check(settings: MutableMapping[str, Any]) -> None:
    """Parse every known setting in place; raises ConfigError for the first bad one."""
    check_secret_key(settings.get("ENV_NAME"), settings.get("SECRET_KEY"))
    for key, (variable, parse) in PARSERS.items():
        value = settings.get(key)
        if value is not None:
            settings[key] = parse(variable, value)
    if settings.get("MAX_CONTENT_LENGTH"):
        # Form fields share the body's limit (Werkzeug's own is 500 kB): the CSV import's
        # confirmation carries the file, base64-encoded, in a field.
        settings["MAX_FORM_MEMORY_SIZE"] = settings["MAX_CONTENT_LENGTH"]
    if settings.get("SQLALCHEMY_DATABASE_URI"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            settings["SQLALCHEMY_DATABASE_URI"]
        )


def normalise_database_url(uri: str) -> str:
    """Accept the usual postgres:// spellings and check the URL names a usable driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix) :]
    try:
        make_url(uri).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError("DATABASE_URL", f"is not usable ({exc}).") from None
    return uri


def shared_limits_warning(settings: MutableMapping[str, Any], workers: int) -> str | None:
    """Production served by several processes counting rate limits each in its own memory:
    every limit is multiplied by the number of workers. Said at start-up, not refused (a
    single small host still gets limits); RATELIMIT_STORAGE_URI=redis://… shares the counts."""
    storage = str(settings.get("RATELIMIT_STORAGE_URI") or "memory://")
    if settings.get("ENV_NAME") != "production" or workers <= 1:
        return None
    if not storage.startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts alone, "
        f"so every rate limit is {workers} times higher; set RATELIMIT_STORAGE_URI=redis://… "
        "to share the counts."
    )
