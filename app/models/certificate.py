"""Certificates of attendance: a forum's rule and wording, and each certificate issued (found
again by its verification code)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.forum import Forum


class CertificateSettings(db.Model):
    """One per forum, made when an organizer first saves them."""

    __tablename__ = "certificate_settings"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who is eligible: any one of these is enough.
    forum_check_in: Mapped[bool] = mapped_column(Boolean, default=True)
    session_check_in: Mapped[bool] = mapped_column(Boolean, default=True)
    online_attendance: Mapped[bool] = mapped_column(Boolean, default=True)
    wording_ko: Mapped[str] = mapped_column(Text, default="")
    wording_en: Mapped[str] = mapped_column(Text, default="")
    signatory_ko: Mapped[str] = mapped_column(String(200), default="")
    signatory_en: Mapped[str] = mapped_column(String(200), default="")
    signatory_title_ko: Mapped[str] = mapped_column(String(200), default="")
    signatory_title_en: Mapped[str] = mapped_column(String(200), default="")
    # When the certificates of this forum were mailed (the forum had ended).
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    forum: Mapped[Forum] = relationship()


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("forum_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # What the verify page asks for: 12 characters of the confirmation-code alphabet.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
