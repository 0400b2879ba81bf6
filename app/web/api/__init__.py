"""The JSON API under /api/v1: JSON bodies in, JSON out, machine-readable errors."""

from __future__ import annotations

from flask import Blueprint
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError

bp = Blueprint("api", __name__)

from app.web.api.errors import api_error  # noqa: E402

for _kind in (DomainError, ValidationError, HTTPException):
    bp.register_error_handler(_kind, api_error)

from app.web.api import (  # noqa: E402, F401  (routes register on bp)
    checkins,
    comments,
    forums,
    openapi,
    organize,
    questions,
    registrations,
    solver,
)
