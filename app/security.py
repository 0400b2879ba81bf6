"""Security headers on every response, and secret URLs kept out of logs."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from flask import Blueprint, Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Paths whose next part is a secret: a manage link, a personal feed, an API registration
# (repeated slashes included: the router merges them).
SECRET_PATH = re.compile(r"(/+(?:manage|calendar|api/+v1/+registrations)/+)[^/?#\s\"]+")
# Percent-encoding undone at most this many times (a router decodes once; more is paranoia).
_DECODE_ROUNDS = 3


def redact_secrets(text: str) -> str:
    """`/manage/<token>` → `/manage/[redacted]`, for every log line.

    The router decodes the path before matching it, so `/%6Danage/<token>` and
    `/calendar%2F<token>.ics` reach the same pages: when the decoded text holds a secret path,
    the decoded text is returned, redacted."""
    decoded = text
    for _ in range(_DECODE_ROUNDS):
        if "%" not in decoded:
            break
        step = unquote(decoded, errors="replace")
        if step == decoded:
            break
        decoded = step
    if decoded != text and SECRET_PATH.search(decoded):
        return SECRET_PATH.sub(r"\1[redacted]", decoded)
    return SECRET_PATH.sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and traceback) with `redact_secrets`: Flask's
    `Exception on /manage/<token> [POST]`, the development server's access lines, gunicorn's
    error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
        return True


REDACTING_FILTER = RedactingFilter()


def redact_logs(*loggers: logging.Logger) -> None:
    for logger in loggers:
        logger.addFilter(REDACTING_FILTER)  # once: addFilter skips a filter already there


def no_store(response: Response) -> Response:
    """A response with personal data or staff work: kept by no browser cache or proxy, and
    its address sent to no other site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def keep_private(bp: Blueprint) -> None:
    """Every response of `bp` (pages, CSV downloads, redirects, errors) is `no_store`."""
    bp.after_request(no_store)


# Blueprints whose answers never depend on who asks (public feeds): shared caches may keep one
# copy for everybody, so they carry no `Vary: Cookie`.
SESSION_FREE_BLUEPRINTS = frozenset({"feeds"})


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without `Vary: Cookie` on session-free answers.

    Flask-Login looks at the session after every request (its remember cookie), which marks it
    accessed and makes Flask add `Vary: Cookie` even to a public calendar feed: caches would then
    keep a copy per visitor. A changed session is still saved as usual."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.blueprint in SESSION_FREE_BLUEPRINTS and not session.modified:
            session.accessed = False
        super().save_session(app, session, response)


def install(app: Flask) -> None:
    production = app.config.get("ENV_NAME") == "production"
    app.session_interface = SessionInterface()
    redact_logs(app.logger, logging.getLogger("werkzeug"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Authorization" in request.headers:
            # The organizer and desk APIs answer bearer tokens with people's data.
            no_store(response)
        return response
