"""Who likes a comment or votes on a question from a browser: a random id in a long-lived
cookie, stored only as a hash (`voter_key`). One like or vote per id; the rate limits stop a
loop that throws its cookie away."""

from __future__ import annotations

import re

from flask import Response, current_app, g, request

from app.core.tokens import new_token
from app.voices.common import voter_key

COOKIE = "madang_voter"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ONE_YEAR = 365 * 24 * 3600


def browser_voter() -> str:
    """This browser's voter key; a new id is made (and set by `remember_voter`) if it has none."""
    raw = request.cookies.get(COOKIE, "")
    if not _WELL_FORMED.match(raw):
        raw = g.setdefault("new_voter_id", new_token())
    return voter_key("browser", raw)


def api_voter(raw: object) -> str | None:
    """The voter key of an API client's opaque id (16 to 64 of A-Z a-z 0-9 _ -), else None."""
    if isinstance(raw, str) and _WELL_FORMED.match(raw):
        return voter_key("client", raw)
    return None


def remember_voter(response: Response) -> Response:
    """Set the cookie when this request made a new voter id."""
    new_id = g.get("new_voter_id")
    if new_id:
        response.set_cookie(
            COOKIE,
            new_id,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response
