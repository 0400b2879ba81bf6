"""Announcements: an organizer's message, in Korean and English, to a segment of a forum's
registrants, queued through the outbox in one transaction.

The organizer checks the text (`check_draft`), sees how many people it reaches (`reach`) and a
preview in each language (`app.mail.previews`), then sends exactly what was previewed to
exactly as many people as were shown: `send` refuses a draft whose fingerprint differs from the
previewed one, and a segment whose size changed meanwhile, so nobody is mailed by surprise.
Each person gets the text in their language, or in the other when it has none (the outbox
row's locale is the language of the text it carries), with their own manage link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, insert, or_, select

from app.core.bounds import parse_id, parse_whole_number
from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError
from app.models import Announcement, AuditEntry, Booking, Forum, OutboxMessage, Registration, User
from app.models.enums import (
    ANNOUNCEMENT_SEGMENTS,
    AnnouncementSegment,
    OutboxStatus,
    PlaceStatus,
)
from app.outbox import message_domain
from app.programme.checks import Fields
from app.registration.state import ForumPlace, forum_place_is
from notifications.messages import make_message_id

KIND = "announcement"
SUBJECT_LIMIT = 200
BODY_LIMIT = 10_000
TEXT_FIELDS = ("subject_ko", "body_ko", "subject_en", "body_en")


class NobodyToTell(DomainError):
    status = 409
    code = "nobody_to_tell"


class NotPreviewed(DomainError):
    """The text sent is not the text previewed (edited since, or never previewed)."""

    status = 409
    code = "not_previewed"


class ReachChanged(DomainError):
    """People joined or left the segment between the preview and the send."""

    status = 409
    code = "reach_changed"
    public_details = ("reach",)


@dataclass(frozen=True)
class Draft:
    segment: str
    session_id: int | None
    subject_ko: str
    body_ko: str
    subject_en: str
    body_en: str

    @property
    def fingerprint(self) -> str:
        """What the preview showed: the send must carry the same."""
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def announcement(self, forum: Forum) -> Announcement:
        """An unsaved announcement with this text (what a preview renders)."""
        return Announcement(forum_id=forum.id, **asdict(self))


def check_draft(forum: Forum, raw: Mapping[str, Any]) -> Draft:
    """The announcement as written, checked: a segment (a session of this forum for the
    session segment), and a subject and text in Korean, English or both. ValidationFailed
    otherwise."""
    fields = Fields(raw)
    segment = fields.choice("segment", ANNOUNCEMENT_SEGMENTS)
    session_id = None
    if segment == AnnouncementSegment.SESSION:
        session_id = parse_id(raw.get("session_id"))
        if session_id is None or all(s.id != session_id for s in forum.sessions):
            fields.add("session_id", _("Choose a session of this forum."))
    texts = {
        name: fields.text(
            name,
            limit=SUBJECT_LIMIT if name.startswith("subject") else BODY_LIMIT,
            multiline=name.startswith("body"),
        )
        for name in TEXT_FIELDS
    }
    written = []
    for locale in ("ko", "en"):
        subject, body = texts[f"subject_{locale}"], texts[f"body_{locale}"]
        if subject and body:
            written.append(locale)
        elif subject or body:
            missing = f"body_{locale}" if subject else f"subject_{locale}"
            fields.add(missing, _("Write both a subject and a text in this language, or neither."))
    if not written and not fields.errors:
        message = _("Write the announcement in Korean, English or both.")
        fields.add("subject_ko", message)
        fields.add("subject_en", message)
    fields.raise_if_any()
    return Draft(segment=segment, session_id=session_id, **texts)


def _segment(forum_id: int, segment: str, session_id: int | None) -> Select:
    """The registrations a segment reaches: not cancelled, with an address, not erased."""
    r = Registration
    query = select(r.id, r.email, r.locale).where(
        r.forum_id == forum_id,
        r.status != PlaceStatus.CANCELLED,
        r.email != "",
        r.anonymised_at.is_(None),
    )

    def booked(*conditions: Any) -> Any:
        return exists().where(Booking.registration_id == r.id, *conditions)

    match AnnouncementSegment(segment):
        case AnnouncementSegment.IN_PERSON:
            query = query.where(forum_place_is(ForumPlace.IN_PERSON))
        case AnnouncementSegment.ONLINE:
            query = query.where(forum_place_is(ForumPlace.ONLINE))
        case AnnouncementSegment.WAITLISTED:
            query = query.where(
                or_(
                    forum_place_is(ForumPlace.WAITLISTED),
                    booked(Booking.status == PlaceStatus.WAITLISTED),
                )
            )
        case AnnouncementSegment.SESSION:
            query = query.where(
                booked(
                    Booking.session_id == session_id,
                    Booking.status.in_((PlaceStatus.CONFIRMED, PlaceStatus.WAITLISTED)),
                )
            )
        case AnnouncementSegment.CHECKED_IN:
            query = query.where(
                or_(r.checked_in_at.is_not(None), booked(Booking.checked_in_at.is_not(None)))
            )
    return query


def reach(forum: Forum, draft: Draft) -> int:
    """How many people the draft's segment reaches now."""
    query = _segment(forum.id, draft.segment, draft.session_id).subquery()
    return int(db.session.scalar(select(func.count()).select_from(query)))


def send(forum: Forum, draft: Draft, user: User, *, previewed: Any, expected: Any) -> Announcement:
    """Queue the previewed draft for everyone in its segment, in one transaction with the
    announcement and its audit entry. Refused, with nothing queued, when the draft is not the
    one previewed, when nobody is in the segment, or when its size is no longer `expected`."""
    if not isinstance(previewed, str) or previewed != draft.fingerprint:
        raise NotPreviewed(_("The text changed since the preview: look at the preview again."))
    expected_count = parse_whole_number(expected)
    now = utcnow()
    with write_transaction():
        people = db.session.execute(
            _segment(forum.id, draft.segment, draft.session_id).order_by(Registration.id)
        ).all()
        if not people:
            raise NobodyToTell(_("Nobody is in this group: nothing was sent."))
        if expected_count != len(people):
            raise ReachChanged(
                _(
                    "This group now has %(num)d people, not %(expected)s: check the preview "
                    "again before sending.",
                    num=len(people),
                    expected=expected_count if expected_count is not None else "?",
                ),
                reach=len(people),
            )
        announcement = draft.announcement(forum)
        announcement.recipients = len(people)
        announcement.sent_by_id = user.id
        announcement.sent_at = now
        db.session.add(announcement)
        db.session.flush()
        domain = message_domain()
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "message_id": make_message_id(domain),
                    "kind": KIND,
                    "recipient": email,
                    "locale": announcement.language_for(locale),
                    "context": {"registration_id": registration_id},
                    "forum_id": forum.id,
                    "registration_id": registration_id,
                    "announcement_id": announcement.id,
                    "status": OutboxStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for registration_id, email, locale in people
            ],
        )
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="announcement.send",
                forum_id=forum.id,
                details={
                    "announcement_id": announcement.id,
                    "segment": draft.segment,
                    "session_id": draft.session_id,
                    "recipients": len(people),
                },
            )
        )
    return announcement
