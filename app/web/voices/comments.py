"""Placeholder: comments pages."""

from __future__ import annotations

from app.web.voices import bp  # noqa: F401
