"""Placeholder."""

from __future__ import annotations

from app.web.organize import bp  # noqa: F401
