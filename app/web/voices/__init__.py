"""Public pages of citizens' voices: the comment event (its form, confirmation, wall and draw)
and a session's live questions (asking, voting, the presenter's screen)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voices", __name__)

from app.web.voices import comments, draw, questions  # noqa: E402, F401  (routes register on bp)
