"""The JSON API under /api/v1: JSON bodies in, JSON out, machine-readable errors."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.web.api import checkins, forums, openapi, organize, registrations  # noqa: E402, F401  (routes register on bp)
