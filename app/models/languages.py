"""Languages and access services of a session: what is offered (interpretation, sign language,
captions, a transcript), what registrants ask for, and interpretation receivers lent at the
desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import Timestamps, one_of
from app.models.enums import REQUEST_STATUSES, SERVICE_KINDS, SERVICE_STATUSES
from app.models.forum import ForumSession


class SessionService(Timestamps, db.Model):
    """An access service offered for a session. `language` is an ISO 639 code for
    interpretation (into), captions and a transcript; empty for sign language (the kind says
    which: Korean Sign Language or International Sign)."""

    __tablename__ = "session_services"
    __table_args__ = (
        UniqueConstraint("session_id", "kind", "language"),
        one_of("kind", SERVICE_KINDS),
        one_of("status", SERVICE_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(10), default="planned")
    # For organizers only: who provides it (an agency, an interpreter) and a note.
    provider: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Demo data: a service the sources do not name.
    sample: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[ForumSession] = relationship()


class ServiceRequest(db.Model):
    """A registrant's request for an access service in a session they chose (held under the
    separate accessibility consent). Open until an organizer answers: confirmed (the service
    is offered) or declined."""

    __tablename__ = "service_requests"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id", "kind", "language"),
        one_of("kind", SERVICE_KINDS),
        one_of("status", REQUEST_STATUSES),
        Index("ix_service_requests_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[ForumSession] = relationship()


class ReceiverLoan(db.Model):
    """An interpretation receiver handed out at the desk, and when it came back. A person holds
    at most one at a time (a partial unique index), so two desks cannot hand out two."""

    __tablename__ = "receiver_loans"
    __table_args__ = (
        Index(
            "ux_receiver_loans_out",
            "registration_id",
            unique=True,
            postgresql_where=text("returned_at IS NULL"),
            sqlite_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))  # the channel the receiver is set to
    desk: Mapped[str] = mapped_column(String(100), default="")
    handed_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
