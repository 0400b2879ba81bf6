"""The organizer workspace under /organize: forums, agenda, timetable, conflicts, people."""

from __future__ import annotations

from flask import Blueprint

# Its own stylesheet under /organize/static (the content security policy allows no inline CSS).
bp = Blueprint("organize", __name__, url_prefix="/organize", static_folder="static")

from app.web.organize import (  # noqa: E402, F401  (routes register on bp)
    agenda_views,
    csv_views,
    people_views,
    privacy_views,
    views,
)
