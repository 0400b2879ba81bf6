"""Speakers' own mail: each speaker with an address gets their sessions (times, rooms, role,
how a remote speaker joins, their calendar), sent by an organizer through the outbox; change
notices to speakers are queued with the registrants' (`change_notices`). A speaker without an
address gets nothing, and the organizer is told who."""

from __future__ import annotations

from dataclasses import dataclass, field

from app import outbox
from app.core.db import db, write_transaction
from app.core.locks import lock_forum
from app.models import AuditEntry, Forum, Speaker, User
from app.programme.agenda import get_speaker
from app.programme.checks import SPEAKER_PROGRAMME_KIND


@dataclass(frozen=True)
class SpeakerMailing:
    queued: list[Speaker] = field(default_factory=list)
    without_address: list[Speaker] = field(default_factory=list)
    without_sessions: list[Speaker] = field(default_factory=list)


def mail_speakers(forum: Forum, user: User, speaker_id: int | None = None) -> SpeakerMailing:
    """Queue each speaker's programme (or one speaker's): one message per speaker with an
    address and at least one session; the others are listed in the answer."""
    mailing = SpeakerMailing()
    with write_transaction():
        lock_forum(forum.id)
        speakers = (
            [get_speaker(forum, speaker_id)]
            if speaker_id is not None
            else list(db.session.scalars(db.select(Speaker).where(Speaker.forum_id == forum.id)))
        )
        for speaker in sorted(speakers, key=lambda s: s.id):
            if not speaker.email:
                mailing.without_address.append(speaker)
            elif not speaker.session_links:
                mailing.without_sessions.append(speaker)
            else:
                outbox.enqueue(
                    SPEAKER_PROGRAMME_KIND,
                    recipient=speaker.email,
                    locale=speaker.locale,
                    context={"speaker_id": speaker.id},
                    forum_id=forum.id,
                )
                mailing.queued.append(speaker)
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="speakers.mail",
                forum_id=forum.id,
                details={"speaker_ids": [s.id for s in mailing.queued]},
            )
        )
    return mailing
