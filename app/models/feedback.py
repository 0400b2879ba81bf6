"""Feedback after a forum: one answer per person (a rating of the forum and of each session they
attended, 1 to 5, with an optional comment), given once through their link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow


class FeedbackAnswer(db.Model):
    __tablename__ = "feedback_answers"
    __table_args__ = (
        UniqueConstraint("forum_id", "registration_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)  # the forum as a whole
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[SessionFeedback]] = relationship(
        back_populates="answer", cascade="all, delete-orphan"
    )


class SessionFeedback(db.Model):
    __tablename__ = "session_feedback"
    __table_args__ = (
        UniqueConstraint("answer_id", "session_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("feedback_answers.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    answer: Mapped[FeedbackAnswer] = relationship(back_populates="sessions")
