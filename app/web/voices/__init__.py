"""Public pages of citizens' voices: the comment event (its form, confirmation, wall and draw)
and a session's live questions (asking, voting, the presenter's screen)."""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("voices", __name__)


def post_limit() -> str:
    return current_app.config["VOICE_POST_RATE_LIMIT"]


def vote_limit() -> str:
    return current_app.config["VOICE_VOTE_RATE_LIMIT"]


from app.web.voices.voter import remember_voter  # noqa: E402

bp.after_request(remember_voter)

from app.web.voices import comments, draw, questions  # noqa: E402, F401  (routes register on bp)
