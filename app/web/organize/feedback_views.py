"""What attendees said: the feedback survey's results for the forum and each session."""

from __future__ import annotations

from flask import render_template

from app.models import Forum
from app.registration import feedback
from app.web.organize import bp
from app.web.organize.common import organizer_view


@bp.get("/forums/<slug>/feedback")
@organizer_view
def feedback_results(forum: Forum):
    return render_template("organize/feedback.html", forum=forum, results=feedback.results(forum))
