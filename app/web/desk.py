"""The day of the forum: the check-in desk, walk-ins, badges, kiosk, live counts, now-and-next."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk", __name__)
