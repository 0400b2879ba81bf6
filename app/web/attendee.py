"""Attendee pages: pre-registration, the confirmation page and manage-my-registration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendee", __name__)
