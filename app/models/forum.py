"""A forum (one edition of a summit, forum, week or general assembly) and what it is made of."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db
from app.models.base import Timestamps, one_of
from app.models.enums import (
    FORUM_FORMATS,
    FORUM_STATUSES,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    STREAM_KINDS,
    STREAM_VISIBILITIES,
    VENUE_KINDS,
)


class Forum(Timestamps, db.Model):
    __tablename__ = "forums"
    __table_args__ = (
        one_of("format", FORUM_FORMATS),
        one_of("status", FORUM_STATUSES),
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        CheckConstraint("in_person_capacity IS NULL OR in_person_capacity >= 0", name="capacity"),
        CheckConstraint("in_person_taken >= 0", name="taken"),
        CheckConstraint("reserved_places >= 0", name="reserved_places"),
        CheckConstraint("invited_taken >= 0", name="invited_taken"),
        CheckConstraint(
            "desk_override IS NULL OR desk_override IN ('open', 'closed')", name="desk_override"
        ),
        CheckConstraint(
            "registration_opens_at IS NULL OR registration_closes_at IS NULL"
            " OR registration_closes_at > registration_opens_at",
            name="window_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_ko: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    theme_ko: Mapped[str] = mapped_column(String(300), default="")
    theme_en: Mapped[str] = mapped_column(String(300), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(16), default="in_person")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: no limit on in-person places for the forum as a whole.
    in_person_capacity: Mapped[int | None] = mapped_column(Integer)
    in_person_taken: Mapped[int] = mapped_column(Integer, default=0)
    # Places of the capacity held back for invited people (speakers, guests, press, staff),
    # and the places invited people hold: the public may take only what the reserve leaves.
    reserved_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invited_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Hands out first-come waitlist numbers for the forum's in-person places.
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    organizer_name_ko: Mapped[str] = mapped_column(String(200), default="")
    organizer_name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    organizer_email: Mapped[str] = mapped_column(String(254), default="")
    homepage_url: Mapped[str] = mapped_column(String(500), default="")
    # Where the data came from and what is a placeholder (e.g. example.org stream addresses).
    data_note: Mapped[str] = mapped_column(Text, default="")
    # The desk opens by itself on the forum's days; an organizer may force it open or shut.
    desk_override: Mapped[str | None] = mapped_column(String(8))  # None | "open" | "closed"
    kiosk_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by any change a published programme shows; feeds are cached by it.
    programme_revision: Mapped[int] = mapped_column(Integer, default=1)

    venues: Mapped[list[Venue]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="Venue.id"
    )
    sessions: Mapped[list[ForumSession]] = relationship(
        back_populates="forum",
        cascade="all, delete-orphan",
        order_by="(ForumSession.starts_at, ForumSession.id)",
    )
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="Speaker.id"
    )
    all_streams: Mapped[list[StreamLink]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", order_by="StreamLink.id"
    )
    # The forum-wide streams (not tied to one session).
    streams: Mapped[list[StreamLink]] = relationship(
        primaryjoin="and_(StreamLink.forum_id == Forum.id, StreamLink.session_id.is_(None))",
        order_by="StreamLink.id",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<Forum {self.slug}>"


class Venue(Timestamps, db.Model):
    __tablename__ = "venues"
    __table_args__ = (
        one_of("kind", VENUE_KINDS),
        CheckConstraint("seats IS NULL OR seats >= 0", name="seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="hall")
    building_ko: Mapped[str] = mapped_column(String(200), default="")
    building_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    floor_ko: Mapped[str] = mapped_column(String(40), default="")
    floor_en: Mapped[str] = mapped_column(String(40), default="", server_default="")
    room_ko: Mapped[str] = mapped_column(String(200), default="")
    room_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    address_ko: Mapped[str] = mapped_column(String(300), default="")
    address_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    seats: Mapped[int | None] = mapped_column(Integer)
    accessibility_notes_ko: Mapped[str] = mapped_column(Text, default="")
    accessibility_notes_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")

    forum: Mapped[Forum] = relationship(back_populates="venues")


class ForumSession(Timestamps, db.Model):
    """A session of a forum (a talk, panel, tour…). Not called Session: SQLAlchemy and Flask
    both have one."""

    __tablename__ = "sessions"
    __table_args__ = (
        one_of("kind", SESSION_KINDS),
        one_of("format", SESSION_FORMATS),
        one_of("status", SESSION_STATUSES),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("seats IS NULL OR seats >= 0", name="seats"),
        CheckConstraint("seats_taken >= 0", name="seats_taken"),
        CheckConstraint("reserved_seats >= 0", name="reserved_seats"),
        CheckConstraint("invited_seats_taken >= 0", name="invited_seats_taken"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    venue_id: Mapped[int | None] = mapped_column(
        ForeignKey("venues.id", ondelete="SET NULL"), index=True
    )
    title_ko: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(24), default="session")
    format: Mapped[str] = mapped_column(String(16), default="in_person")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: no seat limit of its own (the session is open to every attendee of the forum).
    seats: Mapped[int | None] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    # Seats held back for invited people, and the seats invited people hold (as on the forum).
    reserved_seats: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invited_seats_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(16), default="ko")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # Bumped by every change a calendar should see (time, venue, title, status): iCal SEQUENCE.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Where and when people gather before a tour or an off-site visit (the bus at City Hall's
    # east gate, not the site it goes to, which is the venue).
    meeting_point_ko: Mapped[str] = mapped_column(String(300), default="", server_default="")
    meeting_point_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_note_ko: Mapped[str] = mapped_column(Text, default="", server_default="")
    meeting_note_en: Mapped[str] = mapped_column(Text, default="", server_default="")

    forum: Mapped[Forum] = relationship(back_populates="sessions")
    venue: Mapped[Venue | None] = relationship()
    parent: Mapped[ForumSession | None] = relationship(
        remote_side="ForumSession.id", back_populates="parts"
    )
    parts: Mapped[list[ForumSession]] = relationship(
        back_populates="parent", order_by="(ForumSession.starts_at, ForumSession.id)"
    )
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(SessionSpeaker.position, SessionSpeaker.id)",
    )
    streams: Mapped[list[StreamLink]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="StreamLink.id"
    )

    @property
    def seats_left(self) -> int | None:
        """Seats the public may still take: the reserve's unused seats are not among them."""
        if self.seats is None:
            return None
        return public_left(
            self.seats, self.seats_taken, self.reserved_seats, self.invited_seats_taken
        )

    @property
    def public_seats(self) -> int | None:
        """The seats open to the public: all but the reserve."""
        return None if self.seats is None else max(self.seats - self.reserved_seats, 0)


def public_left(capacity: int, taken: int, reserved: int, invited: int) -> int:
    """Places the public may still take: the capacity less those taken and the reserve's
    places no invited person holds yet."""
    return max(capacity - taken - max(reserved - invited, 0), 0)


class Speaker(Timestamps, db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    affiliation_ko: Mapped[str] = mapped_column(String(300), default="")
    affiliation_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    title_ko: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    bio_ko: Mapped[str] = mapped_column(Text, default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    # Private, for the speaker's own mail: never on a public page, feed or API answer.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    locale: Mapped[str] = mapped_column(String(2), default="ko", server_default="ko")
    # How a remote speaker joins (the studio's address, a Zoom link and passcode).
    connection_details: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The zone the speaker gives availability in (a speaker in Los Angeles joining a Seoul morning).
    timezone: Mapped[str] = mapped_column(
        String(64), default="Asia/Seoul", server_default="Asia/Seoul"
    )

    forum: Mapped[Forum] = relationship(back_populates="speakers")
    session_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan"
    )
    availability: Mapped[list[SpeakerAvailability]] = relationship(
        back_populates="speaker",
        cascade="all, delete-orphan",
        order_by="SpeakerAvailability.starts_at",
    )


class SpeakerAvailability(db.Model):
    """A window in which a speaker can take part (stored in UTC). A speaker with none is
    available throughout the forum."""

    __tablename__ = "speaker_availability"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="window_ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    speaker: Mapped[Speaker] = relationship(back_populates="availability")


class SessionSpeaker(db.Model):
    """A speaker's role in one session, in order."""

    __tablename__ = "session_speakers"
    __table_args__ = (
        one_of("role", SPEAKER_ROLES),
        UniqueConstraint("session_id", "speaker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="presenter")
    position: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[ForumSession] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship(back_populates="session_links")


class StreamLink(Timestamps, db.Model):
    """A livestream address on a forum (session_id empty) or on one session."""

    __tablename__ = "stream_links"
    __table_args__ = (
        one_of("visibility", STREAM_VISIBILITIES),
        one_of("kind", STREAM_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(500))
    # The label in Korean (`label`) and in English; a page shows its reader's, or the other.
    label: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    kind: Mapped[str] = mapped_column(String(16), default="main", server_default="main")
    # An interpretation channel's language, or a captioned feed's (ISO 639); else empty.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")

    forum: Mapped[Forum] = relationship(back_populates="all_streams")
    session: Mapped[ForumSession | None] = relationship(back_populates="streams")
