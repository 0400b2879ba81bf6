"""The mail outbox: rows written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import Timestamps, one_of
from app.models.enums import LOCALES, OUTBOX_STATUSES


class OutboxMessage(Timestamps, db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OUTBOX_STATUSES),
        one_of("locale", LOCALES),
        Index("ix_outbox_due", "status", "next_attempt_at", "id"),  # the claim's order
        Index("ix_outbox_forum_status", "forum_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Fixed when the row is written, so a retried send carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    # Plain data the message is composed from at delivery time.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("forums.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    # The organizer's announcement this message carries (kind `announcement`).
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="SET NULL"), index=True
    )
    # Makes a message that must go once (a reminder, a coalesced change notice) unique.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
