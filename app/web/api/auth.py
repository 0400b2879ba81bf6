"""Who is calling: the one bearer-token loader of the organizer and desk APIs.

Only the `Authorization: Bearer <token>` header counts (tokens from `flask users token`): a
signed-in browser session opens no API route, so the API needs no CSRF protection.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.accounts.users import user_for_api_token
from app.core.errors import Unauthorized
from app.models import User


def bearer_user() -> User:
    """The active user behind the request's bearer token; Unauthorized (401) otherwise."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(_("Send an API token: Authorization: Bearer <token>."))
    user = user_for_api_token(token)
    if user is None:
        raise Unauthorized(_("This API token is not valid."))
    return user
