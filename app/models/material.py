"""The record of a forum: recordings and documents (slides, papers), per session or for the
forum as a whole, as a link or an uploaded file kept in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import one_of
from app.models.forum import ForumSession

MATERIAL_KINDS = ("recording", "slides", "document")
MATERIAL_LANGUAGES = ("", "ko", "en")


class Material(db.Model):
    __tablename__ = "materials"
    __table_args__ = (
        one_of("kind", MATERIAL_KINDS),
        one_of("language", MATERIAL_LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="")  # "": both, or no words
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500), default="")  # a link, or "" for a file
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    # Loaded only when the file is downloaded.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ForumSession | None] = relationship()
