"""Online attendance: a registrant opened a session's stream from their watch page (once per
person and session, with the time of the first opening)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db, utcnow


class OnlineAttendance(db.Model):
    __tablename__ = "online_attendance"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id"),
        Index("ix_online_attendance_forum_session", "forum_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    # The stream first opened (SET NULL: a stream link may be deleted later).
    stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("stream_links.id", ondelete="SET NULL")
    )
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
