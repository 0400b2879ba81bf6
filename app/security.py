"""Security headers on every response, and secret URLs kept out of logs."""

from __future__ import annotations

import re

from flask import Flask, Response

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

# Paths whose last part is a secret: a manage link, a personal feed, an API registration.
SECRET_PATH = re.compile(r"(/manage/|/calendar/|/api/v1/registrations/)[^/?\s\"]+")


def redact_secrets(text: str) -> str:
    """`/manage/<token>` → `/manage/[redacted]`, for access logs."""
    return SECRET_PATH.sub(r"\1[redacted]", text)


def install(app: Flask) -> None:
    production = app.config.get("ENV_NAME") == "production"

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
        return response
