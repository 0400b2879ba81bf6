"""The organizer workspace under /organize: forums, agenda, timetable, conflicts, people."""

from __future__ import annotations

from flask import Blueprint

from app.security import keep_private

# Its own stylesheet under /organize/static (the content security policy allows no inline CSS).
bp = Blueprint("organize", __name__, url_prefix="/organize", static_folder="static")
# People, persons, privacy requests, the audit log, CSV exports: nothing here is cached.
keep_private(bp)

from app.web.organize import (  # noqa: E402, F401  (routes register on bp)
    agenda_views,
    announcement_views,
    archive_views,
    certificate_views,
    comment_views,
    csv_views,
    dashboard_views,
    draw_views,
    feedback_views,
    guest_views,
    mail_views,
    people_views,
    planning_views,
    privacy_views,
    question_views,
    service_views,
    solver_views,
    views,
)
