"""Placeholder."""

from __future__ import annotations

from app.web.api import bp  # noqa: F401
