"""The app's bridge to `notifications`: which sender to use, built from the configuration."""

from __future__ import annotations

from flask import Flask


def reset_memory_outbox(app: Flask) -> None:
    """Forget what the memory sender holds (tests)."""
    sender = app.extensions.get("madang_memory_sender")
    if sender is not None:
        sender.outbox.clear()
