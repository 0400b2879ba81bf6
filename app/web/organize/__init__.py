"""The organizer workspace under /organize."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")

from app.web.organize import views  # noqa: E402, F401  (routes register on bp)
