"""Registrations and the places (seats or waitlist entries) they hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db
from app.models.base import Timestamps, one_of
from app.models.enums import (
    ATTENDANCE_MODES,
    ATTENDEE_CATEGORIES,
    INVITED_CATEGORIES,
    LOCALES,
    PLACE_STATUSES,
    REGISTRATION_SOURCES,
)
from app.models.forum import Forum, ForumSession


class Registration(Timestamps, db.Model):
    """One person's registration to one forum.

    `status` is the forum-level place: confirmed, waitlisted (in-person places were gone) or
    cancelled. Online attendees are always confirmed: they take no seat.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("forum_id", "email_normalized"),
        one_of("attendance", ATTENDANCE_MODES),
        one_of("status", PLACE_STATUSES),
        one_of("locale", LOCALES),
        one_of("source", REGISTRATION_SOURCES),
        one_of("category", ATTENDEE_CATEGORIES),
        Index("ix_registrations_forum_waitlist", "forum_id", "status", "waitlist_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    confirmation_code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    email_normalized: Mapped[str | None] = mapped_column(String(254))
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    attendance: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8), default="web")
    # Speaker, guest, press or staff: set by an organizer only; they may use reserved places.
    category: Mapped[str] = mapped_column(String(16), default="general", server_default="general")
    # Secrets are stored as SHA-256 hashes only; the plain tokens live in the person's links.
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    calendar_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    consent_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sensitive (PIPA art. 23): held only with its own consent.
    accessibility_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accessibility_needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    accessibility_other: Mapped[str] = mapped_column(Text, default="")
    # The language the person will listen in (ISO 639; empty: the floor's), and whether they
    # need an interpretation receiver in the hall.
    listening_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    needs_receiver: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First check-in at the forum's door; set by one conditional UPDATE, so two desks
    # scanning the same person at once record one check-in.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An organizer admitted this person beyond capacity at the desk, and why.
    over_capacity_reason: Mapped[str] = mapped_column(Text, default="")
    # Set when retention replaced the personal data with placeholders.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    forum: Mapped[Forum] = relationship()
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Booking.id"
    )

    @property
    def invited(self) -> bool:
        """An invited person (not the general public): may hold a reserved place."""
        return self.category in INVITED_CATEGORIES


class Booking(Timestamps, db.Model):
    """A registration's place in one session with seats of its own: a seat or a waitlist entry."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id"),
        one_of("status", PLACE_STATUSES),
        Index("ix_bookings_session_waitlist", "session_id", "status", "waitlist_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="bookings")
    session: Mapped[ForumSession] = relationship()
