"""Citizens' voices: a forum's comment event (entries, likes, a verifiable prize draw) and the
live questions of a session (asked from the hall or the stream, voted on, moderated)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.models.base import Timestamps, one_of
from app.models.enums import (
    COMMENT_STATUSES,
    LOCALES,
    QUESTION_ORIGINS,
    QUESTION_STATUSES,
    WINNER_STATUSES,
)
from app.models.forum import Forum, ForumSession


class CommentEvent(Timestamps, db.Model):
    """A forum's comment event: people complete a sentence; one entry per confirmed address.

    The draw's commitment is `seed_hash` (the SHA-256 of a seed the organizer keeps) fixed
    before the event closes; at the draw the seed is revealed and kept with the list of the
    entries drawn from, so anyone can run the draw again (`app.voices.draw`).
    """

    __tablename__ = "comment_events"
    __table_args__ = (
        CheckConstraint("max_length BETWEEN 10 AND 2000", name="max_length_range"),
        CheckConstraint("prizes BETWEEN 0 AND 1000", name="prizes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), unique=True)
    prompt_ko: Mapped[str] = mapped_column(String(300), default="")
    prompt_en: Mapped[str] = mapped_column(String(300), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_length: Mapped[int] = mapped_column(Integer, default=200)
    # The draw: how many prizes (0: no draw) and what a winner receives.
    prizes: Mapped[int] = mapped_column(Integer, default=0)
    prize_ko: Mapped[str] = mapped_column(String(300), default="")
    prize_en: Mapped[str] = mapped_column(String(300), default="")
    # What every confirmed participant is mailed: the forum's stream links, and a note.
    sends_streams: Mapped[bool] = mapped_column(Boolean, default=True)
    reward_note_ko: Mapped[str] = mapped_column(Text, default="")
    reward_note_en: Mapped[str] = mapped_column(Text, default="")
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    seed_committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seed: Mapped[str | None] = mapped_column(String(200))
    entries_hash: Mapped[str | None] = mapped_column(String(64))
    drawn_entry_ids: Mapped[list[int] | None] = mapped_column(JSON)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Demo data: made-up comments, shown as samples.
    sample: Mapped[bool] = mapped_column(Boolean, default=False)

    forum: Mapped[Forum] = relationship()


class CommentEntry(Timestamps, db.Model):
    """One person's entry: their comment, their confirmed address, their consent."""

    __tablename__ = "comment_entries"
    __table_args__ = (
        UniqueConstraint("event_id", "email_normalized"),
        one_of("status", COMMENT_STATUSES),
        one_of("locale", LOCALES),
        Index("ix_comment_entries_wall", "event_id", "status", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comment_events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    email_normalized: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # The double opt-in: the link's token (hashed) until the address is confirmed.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Confirmed by a registration's manage link instead of the mailed link.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    consent_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    # The moderator's reading list: the session it is read out in, its place in the list, and
    # when it was read out.
    reading_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL")
    )
    reading_order: Mapped[int | None] = mapped_column(Integer)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[CommentEvent] = relationship()


class CommentLike(db.Model):
    """One 공감 per confirmed address or browser: `voter` is a hash, never the address."""

    __tablename__ = "comment_likes"
    __table_args__ = (UniqueConstraint("entry_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("comment_entries.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DrawWinner(db.Model):
    """A winner of the draw, in the order drawn. A winner who declines is kept, with the
    reason, and the next entry of the same ranking takes the prize."""

    __tablename__ = "draw_winners"
    __table_args__ = (
        UniqueConstraint("event_id", "entry_id"),
        UniqueConstraint("event_id", "rank"),
        one_of("status", WINNER_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comment_events.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("comment_entries.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)  # 1-based place in the draw's ranking
    status: Mapped[str] = mapped_column(String(10), default="won")
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[CommentEntry] = relationship()


class QuestionBoard(Timestamps, db.Model):
    """Live questions switched on for a session, and who may moderate them."""

    __tablename__ = "question_boards"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    # Desk staff of the forum may moderate this session's questions.
    desk_may_moderate: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[ForumSession] = relationship()


class Question(Timestamps, db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        one_of("status", QUESTION_STATUSES),
        one_of("origin", QUESTION_ORIGINS),
        one_of("locale", LOCALES),
        Index("ix_questions_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    author_name: Mapped[str] = mapped_column(String(200), default="")  # empty: anonymous
    origin: Mapped[str] = mapped_column(String(8), default="hall")
    # An online viewer who asked from their own link.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL")
    )
    votes: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestionVote(db.Model):
    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
