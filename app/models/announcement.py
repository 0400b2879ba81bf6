"""An organizer's announcement: one text in Korean and English, sent to a segment of a forum's
registrants through the outbox (each message points back here by `outbox.announcement_id`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import one_of
from app.models.enums import ANNOUNCEMENT_SEGMENTS
from app.models.forum import Forum, ForumSession
from app.models.user import User

_OTHER = {"ko": "en", "en": "ko"}


class Announcement(db.Model):
    __tablename__ = "announcements"
    __table_args__ = (one_of("segment", ANNOUNCEMENT_SEGMENTS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    segment: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    subject_ko: Mapped[str] = mapped_column(String(200), default="")
    subject_en: Mapped[str] = mapped_column(String(200), default="")
    body_ko: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship()
    session: Mapped[ForumSession | None] = relationship()
    sent_by: Mapped[User | None] = relationship()

    def language_for(self, locale: str) -> str:
        """The language a person reading `locale` gets: theirs when both subject and body are
        written in it, else the other."""
        if getattr(self, f"subject_{locale}", "") and getattr(self, f"body_{locale}", ""):
            return locale
        return _OTHER.get(locale, "ko")

    def subject(self, locale: str) -> str:
        return getattr(self, f"subject_{self.language_for(locale)}")

    def body(self, locale: str) -> str:
        return getattr(self, f"body_{self.language_for(locale)}")
