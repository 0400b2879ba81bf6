"""Personal data: what a person may take away or have erased, and how long it is kept.

- `export_registration`: everything held about one registration, as plain JSON-ready data:
  what was given, the consent records, the places, the check-ins, the messages queued and the
  organizer actions on it. Nothing about anyone else (waitlist positions are ranks, not people).
- `erase_registration`: the person's places go to the first people waiting, exactly as when
  they cancel (same transaction, same lock order); then every personal field is replaced by a
  placeholder, their name, address and code are cut out of free text elsewhere in the forum
  (another person's over-capacity reason, conflict notes, audit details), the manage and
  calendar links stop working (their hashes are replaced by hashes of random tokens nobody
  holds), unsent mail to the person is dropped and the rows of sent mail
  keep no address, no secret and no free text. The row itself stays, so every count (places
  taken, waitlists, check-ins, how many registered) stays right.
- Retention (`purge`): RETENTION_DAYS after a forum ends, every registration of it is
  anonymised the same way, without touching places or statuses: only counts remain.
  `retention_plan` says what will be purged and when.
- Organizers export and erase on a person's request through `export_for_organizer` and
  `erase_for_organizer`; both are written to the audit log, which `audit_log` reads back.
"""

from __future__ import annotations

import bisect
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ahocorasick
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from app.core.bounds import ID_MAX
from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError, NotFound
from app.core.locks import lock_forum
from app.core.tokens import hash_token, is_well_formed_code, new_token, normalise_code
from app.models import (
    AuditEntry,
    Booking,
    Certificate,
    CheckIn,
    CommentEntry,
    CommentEvent,
    ConflictAcceptance,
    FeedbackAnswer,
    Forum,
    ForumSession,
    OnlineAttendance,
    OutboxMessage,
    Question,
    ReceiverLoan,
    Registration,
    ServiceRequest,
    SessionFeedback,
    User,
)
from app.models.enums import OutboxStatus, PlaceStatus
from app.places import ledger
from app.programme.views import forum_ends_at
from app.registration import access_requests
from app.registration import operations as registrations
from app.registration.certificates import display as certificate_code
from app.registration.state import attendance_state
from app.voices.common import VOICE_KINDS

EXPORT_FORMAT = "madang-personal-data/1"
# What an erased or purged registration shows instead of a name.
ERASED_NAME = "—"
# What a free-text value that named the person becomes in the audit log.
ERASED_TEXT = "[erased]"
REASON_MAX = 500
DEFAULT_RETENTION_DAYS = 90


class AlreadyErased(DomainError):
    status = 409
    code = "already_erased"


# ------------------------------------------------------------------------------ helpers


def _iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC ending in Z (the API's convention)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())[:REASON_MAX]


def retention_days() -> int:
    days = current_app.config.get("RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return max(0, int(days))


def purge_due_at(forum: Forum, days: int | None = None) -> datetime:
    """When the forum's personal data goes: RETENTION_DAYS after its last day ends."""
    days = retention_days() if days is None else days
    return forum_ends_at(forum).astimezone(UTC) + timedelta(days=days)


def _erased_code() -> str:
    """A unique stand-in for the confirmation code: 15 characters, so it is never a
    well-formed code (8 characters) that a desk could scan or type."""
    return "~" + secrets.token_hex(7).upper()


def _anonymous_values(now: datetime) -> dict[str, Any]:
    """The placeholders a registration's personal fields take. Fresh random secrets each
    time: the unique columns stay unique and no link anyone holds opens the row again."""
    return {
        "name": ERASED_NAME,
        "email": "",
        # NULL, not a placeholder address: UNIQUE(forum_id, email_normalized) holds, since
        # NULLs never collide, and nothing can be mailed.
        "email_normalized": None,
        "affiliation": "",
        "marketing_consent": False,
        "marketing_consented_at": None,
        "accessibility_consent": False,
        "accessibility_consented_at": None,
        "accessibility_needs": [],
        "accessibility_other": "",
        "listening_language": "",
        "needs_receiver": False,
        "over_capacity_reason": "",
        "confirmation_code": _erased_code(),
        "manage_token_hash": hash_token(new_token()),
        "calendar_token_hash": hash_token(new_token()),
        "anonymised_at": now,
    }


def _personal_values(registration: Registration) -> list[str]:
    """The values that identify the person, to find them in free text."""
    values = [
        registration.name,
        registration.email,
        registration.email_normalized or "",
        registration.affiliation,
        registration.accessibility_other,
        registration.over_capacity_reason,
        registration.confirmation_code,
    ]
    return [v for v in values if v and len(v.strip()) >= 2 and v != ERASED_NAME]


def _map_text(value: Any, change: Callable[[str], str]) -> Any:
    """`value` with `change` applied to every string in it (dicts and lists walked)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _map_text(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_text(v, change) for v in value]
    return value


def _scrub_text(value: Any, needles: Sequence[str]) -> Any:
    """`value` with any string that mentions one of `needles` replaced, recursively."""
    folded_needles = [n.casefold() for n in needles]

    def scrub(text: str) -> str:
        folded = text.casefold()
        return ERASED_TEXT if any(n in folded for n in folded_needles) else text

    return _map_text(value, scrub)


def _scrub_audit(needles_by_registration: dict[int, Sequence[str]]) -> None:
    """Free text in the audit entries about these registrations (a reason an organizer typed)
    loses anything that names the person; who did what, and when, stays."""
    ids = [rid for rid, needles in needles_by_registration.items() if needles]
    if not ids:
        return
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.registration_id.in_(ids))):
        assert entry.registration_id is not None
        cleaned = _scrub_text(entry.details or {}, needles_by_registration[entry.registration_id])
        if cleaned != entry.details:
            entry.details = cleaned


def _mention_needles(registration: Registration) -> list[str]:
    """What names the person in someone else's text: their name, address and code. (Their
    affiliation or needs, shared with others, do not single them out.)"""
    values = [
        registration.name,
        registration.email,
        registration.email_normalized or "",
        registration.confirmation_code,
    ]
    return [v for v in values if v and len(v.strip()) >= 2 and v != ERASED_NAME]


class _Mentions:
    """Cuts every mention of `needles` (names, addresses, codes) out of texts, ignoring case.

    One Aho-Corasick pass per text finds which needles it holds, whatever their number (a
    purge batch brings thousands); only a text that holds some is rewritten, by a pattern of
    just those. One pattern of all the needles would cost a long compile per batch and a
    slow scan of every text of the forum, which made the purge grow with the square of its
    size."""

    def __init__(self, needles: Iterable[str]) -> None:
        self._by_key: dict[str, set[str]] = {}
        for needle in {n.strip() for n in needles if n.strip()}:
            self._by_key.setdefault(needle.casefold(), set()).add(needle)
        self._automaton = ahocorasick.Automaton()
        for key in self._by_key:
            self._automaton.add_word(key, key)
        if self._by_key:
            self._automaton.make_automaton()

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def ends_in(self, folded: str) -> Iterator[int]:
        """Where a mention ends in `folded` (text already casefolded), one index each."""
        if self:
            for end, _key in self._automaton.iter(folded):
                yield end

    def _found(self, text: str) -> set[str]:
        keys = {key for _end, key in self._automaton.iter(text.casefold())}
        return {needle for key in keys for needle in self._by_key[key]}

    def _redact_text(self, text: str) -> str:
        found = self._found(text) if self else set()
        if not found:
            return text
        longest_first = sorted(found, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(n) for n in longest_first), re.IGNORECASE)
        return pattern.sub(ERASED_TEXT, text)

    def redact(self, value: Any) -> Any:
        """`value` with every mention replaced, recursively; the rest of the text stays."""
        return _map_text(value, self._redact_text)


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text in `value` (text, or dicts and lists holding text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class ForumTexts:
    """The forum's free text that may name people (conflict notes, audit details), read
    once and kept across the batches of a purge, casefolded and joined into one string: each
    batch finds the texts that mention its people in one pass over it, then reads and
    rewrites only those. Texts written since are read at the next batch; a text is always
    rewritten from its stored value, so what another process cut out stays out."""

    def __init__(self, forum_id: int) -> None:
        self.forum_id = forum_id
        self._last = {"audit": 0, "note": 0}
        self._owners: list[tuple[str, int]] = []  # (kind, id) of each piece of text
        self._starts: list[int] = []  # where each piece starts in the joined string
        self._joined = ""

    def _read_new(self) -> None:
        audit = db.session.execute(
            select(AuditEntry.id, AuditEntry.details).where(
                AuditEntry.forum_id == self.forum_id, AuditEntry.id > self._last["audit"]
            )
        ).all()
        notes = db.session.execute(
            select(ConflictAcceptance.id, ConflictAcceptance.note).where(
                ConflictAcceptance.forum_id == self.forum_id,
                ConflictAcceptance.id > self._last["note"],
                ConflictAcceptance.note != "",
            )
        ).all()
        pieces, length = [], len(self._joined)
        for kind, rows in (("audit", audit), ("note", notes)):
            for row_id, value in rows:
                self._last[kind] = max(self._last[kind], row_id)
                for piece in _strings(value):
                    self._starts.append(length)
                    self._owners.append((kind, row_id))
                    pieces.append(piece.casefold() + "\x00")  # no mention spans two texts
                    length += len(pieces[-1])
        if pieces:
            self._joined += "".join(pieces)

    def mentioning(self, mentions: _Mentions) -> tuple[list[int], list[int]]:
        """The ids of the audit entries and of the conflict notes that mention someone."""
        self._read_new()
        found = {
            self._owners[bisect.bisect_right(self._starts, end) - 1]
            for end in mentions.ends_in(self._joined)
        }
        return (
            sorted(row_id for kind, row_id in found if kind == "audit"),
            sorted(row_id for kind, row_id in found if kind == "note"),
        )


def _scrub_mentions(forum_id: int, needles: Iterable[str], texts: ForumTexts | None = None) -> None:
    """Free text elsewhere in the forum loses every mention of the erased people: another
    registration's over-capacity reason or needs ("companion of Alice Kim"), a conflict
    note, the details of any audit entry of the forum. The rest of each text stays.

    `texts` (a purge's, kept across its batches) saves reading every text each time. A purge
    blanks the free text of every registration of the forum in that registration's own
    batch, so other registrations' text is not searched then."""
    mentions = _Mentions(needles)
    if not mentions:
        return
    others = (
        db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum_id,
                or_(
                    Registration.over_capacity_reason != "",
                    Registration.accessibility_other != "",
                ),
            )
        )
        if texts is None
        else ()
    )
    for registration in others:
        for name in ("over_capacity_reason", "accessibility_other"):
            value = getattr(registration, name)
            cleaned = mentions.redact(value)
            if cleaned != value:
                setattr(registration, name, cleaned)
    notes = select(ConflictAcceptance).where(
        ConflictAcceptance.forum_id == forum_id, ConflictAcceptance.note != ""
    )
    entries = select(AuditEntry).where(AuditEntry.forum_id == forum_id)
    if texts is not None:
        entry_ids, note_ids = texts.mentioning(mentions)
        notes = notes.where(ConflictAcceptance.id.in_(note_ids))
        entries = entries.where(AuditEntry.id.in_(entry_ids))
    for acceptance in db.session.scalars(notes):
        cleaned = mentions.redact(acceptance.note)
        if cleaned != acceptance.note:
            acceptance.note = cleaned
    for entry in db.session.scalars(entries):
        cleaned = mentions.redact(entry.details or {})
        if cleaned != entry.details:
            entry.details = cleaned


def _forget_mail(
    registration_ids: Sequence[int], *, forum_id: int | None = None, email: str | None = None
) -> tuple[int, int]:
    """Drop the unsent mail of these registrations; strip the rows of sent (or dead) mail of
    the address, every secret and any free text. Returns (dropped, scrubbed).

    Mail queued to the same address for the same forum without a registration id is treated
    the same way. A message a worker is sending right now is not stopped; recording its
    result then finds no row and changes nothing.
    """
    ids = list(registration_ids)
    if not ids:
        return 0, 0
    match = OutboxMessage.registration_id.in_(ids)
    if email and forum_id is not None:
        match = or_(
            match,
            and_(
                OutboxMessage.registration_id.is_(None),
                OutboxMessage.forum_id == forum_id,
                func.lower(OutboxMessage.recipient) == email.casefold(),
            ),
        )
    dropped = db.session.execute(
        delete(OutboxMessage)
        .where(match, OutboxMessage.status == OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    scrubbed = db.session.execute(
        update(OutboxMessage)
        .where(match, OutboxMessage.status != OutboxStatus.PENDING)
        .values(recipient="", context={}, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return int(dropped or 0), int(scrubbed or 0)


# ------------------------------------------------------------------------------ export


def forget_certificates(registration_ids: Sequence[int]) -> None:
    """Certificates go with the person: their code then verifies nothing."""
    db.session.execute(
        delete(Certificate)
        .where(Certificate.registration_id.in_(list(registration_ids)))
        .execution_options(synchronize_session=False)
    )


def forget_online_attendance(registration_ids: Sequence[int]) -> None:
    """Which sessions a person watched goes with them (the retention purge keeps the rows: they
    name nobody once the registration is anonymous, and the counts stay right)."""
    db.session.execute(
        delete(OnlineAttendance)
        .where(OnlineAttendance.registration_id.in_(list(registration_ids)))
        .execution_options(synchronize_session=False)
    )


def forget_access(registration_ids: Sequence[int]) -> None:
    """A person's requests for access services (sensitive) and their receiver loans go with
    them; the receivers out are then counted no more."""
    access_requests.forget(registration_ids)
    db.session.execute(
        delete(ReceiverLoan)
        .where(ReceiverLoan.registration_id.in_(list(registration_ids)))
        .execution_options(synchronize_session=False)
    )


def forget_feedback(registration_ids: Sequence[int], *, keep_ratings: bool = False) -> None:
    """A person's survey answer goes with them. The retention purge keeps the ratings (they
    name nobody once the registration is anonymous) and clears the comments (free text may)."""
    ids = list(registration_ids)
    if not keep_ratings:
        db.session.execute(
            delete(FeedbackAnswer)
            .where(FeedbackAnswer.registration_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return
    answers = select(FeedbackAnswer.id).where(FeedbackAnswer.registration_id.in_(ids))
    db.session.execute(
        update(SessionFeedback)
        .where(SessionFeedback.answer_id.in_(answers))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(FeedbackAnswer)
        .where(FeedbackAnswer.registration_id.in_(ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )


def forget_voices(registration_ids: Sequence[int], now: datetime) -> None:
    """What a person said through their own link goes with them: the questions they asked
    from the stream stay (the hall heard them) without their name or link, and the comment
    entry their manage link confirmed is anonymised like any other."""
    ids = list(registration_ids)
    db.session.execute(
        update(Question)
        .where(Question.registration_id.in_(ids))
        .values(author_name="", registration_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(CommentEntry)
        .where(CommentEntry.registration_id.in_(ids), CommentEntry.anonymised_at.is_(None))
        .values(**_anonymous_entry(now))
        .execution_options(synchronize_session=False)
    )


def _anonymous_entry(now: datetime) -> dict[str, Any]:
    return {
        "name": ERASED_NAME,
        "email": "",
        "email_normalized": None,
        "confirm_token_hash": None,
        "registration_id": None,
        "anonymised_at": now,
    }


def purge_voices(forum_id: int, now: datetime) -> int:
    """The retention purge of a forum's citizens' voices: comment entries keep their
    published text (said in public) without name or address, unpublished text is cleared,
    and the live questions are deleted. How many entries and questions it touched."""
    events = select(CommentEvent.id).where(CommentEvent.forum_id == forum_id)
    open_entries = and_(CommentEntry.event_id.in_(events), CommentEntry.anonymised_at.is_(None))
    cleared = db.session.execute(
        update(CommentEntry)
        .where(open_entries, CommentEntry.status != "published")
        .values(text="", hidden_reason="", **_anonymous_entry(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    kept = db.session.execute(
        update(CommentEntry)
        .where(open_entries)
        .values(**_anonymous_entry(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    asked = db.session.execute(
        delete(Question)
        .where(Question.forum_id == forum_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    participants_mail = and_(
        OutboxMessage.forum_id == forum_id,
        OutboxMessage.kind.in_(VOICE_KINDS),
        OutboxMessage.recipient != "",
    )
    db.session.execute(
        update(OutboxMessage)
        .where(participants_mail, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SKIPPED, last_error="the forum's personal data was purged")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(participants_mail)
        .values(recipient="", context={})
        .execution_options(synchronize_session=False)
    )
    return cleared + kept + asked


def export_registration(registration: Registration, *, now: datetime | None = None) -> dict:
    """Everything held about this registration, for the person (or an organizer on their
    request). Nothing about other people: no operator names, no other registrations."""
    now = now or utcnow()
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.id == registration.id)
        .options(selectinload(Registration.bookings).selectinload(Booking.session))
        .execution_options(populate_existing=True)
    )
    if registration is None:
        raise NotFound(_("This registration no longer exists."))
    forum = registration.forum
    place = attendance_state(registration)
    checkins = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.registration_id == registration.id)
        .order_by(CheckIn.created_at, CheckIn.id)
    ).all()
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    answer = db.session.scalar(
        select(FeedbackAnswer).where(FeedbackAnswer.registration_id == registration.id)
    )
    issued = db.session.scalars(
        select(Certificate).where(Certificate.registration_id == registration.id)
    ).all()
    watched = db.session.execute(
        select(OnlineAttendance, ForumSession)
        .join(ForumSession, ForumSession.id == OnlineAttendance.session_id)
        .where(OnlineAttendance.registration_id == registration.id)
        .order_by(OnlineAttendance.first_opened_at, OnlineAttendance.id)
    ).all()
    entries = db.session.scalars(
        select(CommentEntry)
        .where(CommentEntry.registration_id == registration.id)
        .order_by(CommentEntry.id)
    ).all()
    questions = db.session.scalars(
        select(Question).where(Question.registration_id == registration.id).order_by(Question.id)
    ).all()
    asked = db.session.execute(
        select(ServiceRequest, ForumSession)
        .join(ForumSession, ForumSession.id == ServiceRequest.session_id)
        .where(ServiceRequest.registration_id == registration.id)
        .order_by(ServiceRequest.created_at, ServiceRequest.id)
    ).all()
    loans = db.session.scalars(
        select(ReceiverLoan)
        .where(ReceiverLoan.registration_id == registration.id)
        .order_by(ReceiverLoan.handed_out_at, ReceiverLoan.id)
    ).all()
    actions = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.registration_id == registration.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(now),
        "forum": {
            "slug": forum.slug,
            "title": {"ko": forum.title_ko, "en": forum.title_en},
            "first_day": forum.first_day.isoformat(),
            "last_day": forum.last_day.isoformat(),
            "organizer": {
                "name": {"ko": forum.organizer_name_ko, "en": forum.organizer_name_en},
                "email": forum.organizer_email,
            },
        },
        "registration": {
            "confirmation_code": registration.confirmation_code,
            "name": registration.name,
            "email": registration.email,
            "affiliation": registration.affiliation,
            "attendance": registration.attendance,
            "locale": registration.locale,
            "source": registration.source,
            "status": place.status,
            "waitlist_position": place.waitlist_position,
            "registered_at": _iso(registration.created_at),
            "updated_at": _iso(registration.updated_at),
            "cancelled_at": _iso(registration.cancelled_at),
            "checked_in_at": _iso(registration.checked_in_at),
            "over_capacity_reason": registration.over_capacity_reason,
            "anonymised_at": _iso(registration.anonymised_at),
        },
        "consents": {
            "version": registration.consent_version,
            "personal_data": {"given": True, "at": _iso(registration.consented_at)},
            "marketing": {
                "given": bool(registration.marketing_consent),
                "at": _iso(registration.marketing_consented_at),
            },
            "accessibility": {
                "given": bool(registration.accessibility_consent),
                "at": _iso(registration.accessibility_consented_at),
            },
        },
        "accessibility": {
            "needs": list(registration.accessibility_needs or []),
            "other": registration.accessibility_other,
        },
        "languages": {
            "listening_language": registration.listening_language,
            "needs_receiver": bool(registration.needs_receiver),
        },
        "service_requests": [
            {
                "session_id": session.id,
                "title": {"ko": session.title_ko, "en": session.title_en},
                "kind": row.kind,
                "language": row.language,
                "status": row.status,
                "requested_at": _iso(row.created_at),
                "answered_at": _iso(row.answered_at),
            }
            for row, session in asked
        ],
        "receiver_loans": [
            {
                "language": loan.language,
                "desk": loan.desk,
                "handed_out_at": _iso(loan.handed_out_at),
                "returned_at": _iso(loan.returned_at),
            }
            for loan in loans
        ],
        "sessions": [
            {
                "id": b.session_id,
                "title": {"ko": b.session.title_ko, "en": b.session.title_en},
                "starts_at": _iso(b.session.starts_at),
                "status": b.status,
                "waitlist_position": place.position_in(b.session_id),
                "checked_in_at": _iso(b.checked_in_at),
            }
            for b in registration.bookings
        ],
        "check_ins": [
            {
                "at": _iso(c.created_at),
                "direction": c.direction,
                "session_id": c.session_id,
                "desk": c.desk,
            }
            for c in checkins
        ],
        "online_attendance": [
            {
                "session_id": session.id,
                "title": {"ko": session.title_ko, "en": session.title_en},
                "first_opened_at": _iso(row.first_opened_at),
            }
            for row, session in watched
        ],
        "certificates": [
            {"code": certificate_code(c.code), "issued_at": _iso(c.issued_at)} for c in issued
        ],
        "feedback": {
            "rating": answer.rating,
            "comment": answer.comment,
            "answered_at": _iso(answer.answered_at),
            "sessions": [
                {"session_id": f.session_id, "rating": f.rating, "comment": f.comment}
                for f in answer.sessions
            ],
        }
        if answer is not None
        else None,
        "comments": [
            {
                "name": e.name,
                "text": e.text,
                "status": e.status,
                "likes": e.likes,
                "submitted_at": _iso(e.created_at),
                "confirmed_at": _iso(e.confirmed_at),
                "consent": {"version": e.consent_version, "at": _iso(e.consented_at)},
            }
            for e in entries
        ],
        "questions": [
            {
                "session_id": q.session_id,
                "text": q.text,
                "name": q.author_name,
                "status": q.status,
                "asked_at": _iso(q.created_at),
            }
            for q in questions
        ],
        "messages": [
            {
                "kind": m.kind,
                "status": m.status,
                "queued_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in messages
        ],
        "organizer_actions": [{"action": a.action, "at": _iso(a.created_at)} for a in actions],
        "retention": {
            "days_after_the_forum": retention_days(),
            "personal_data_kept_until": _iso(purge_due_at(forum)),
        },
    }


# ------------------------------------------------------------------------------- erase


@dataclass(frozen=True)
class Erasure:
    registration_id: int
    forum_id: int
    previous_status: str
    erased_at: datetime
    mail_dropped: int
    mail_scrubbed: int


def erase_registration(
    registration: Registration,
    *,
    user: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Erasure:
    """Erase a registration: release its places (the first people waiting get them), then
    replace the personal data by placeholders and end the links. An organizer's erasure
    (`user` given) and the person's own are both written to the audit log."""
    now = now or utcnow()
    reason = _clean_reason(reason)
    registration_id, forum_id = registration.id, registration.forum_id
    with write_transaction():
        # Same lock order as every seat change: the forum row, then session rows by id.
        lock_forum(forum_id)
        fresh = db.session.get(Registration, registration_id, populate_existing=True)
        if fresh is None:
            raise NotFound(_("This registration no longer exists."))
        if fresh.anonymised_at is not None:
            raise AlreadyErased(_("This registration has been erased already."))
        previous = fresh.status
        if previous != "cancelled":
            for booking in sorted(fresh.bookings, key=lambda b: b.session_id):
                if booking.status != PlaceStatus.CANCELLED:
                    ledger.release_booking(booking)
            ledger.release_forum_place(fresh)
            fresh.status = "cancelled"
            fresh.cancelled_at = now
        email = fresh.email_normalized
        # The person's cancelled registrations that a fresh one replaced go with it.
        rows = [fresh, *_replaced_registrations(forum_id, email)]
        needles = {row.id: _personal_values(row) for row in rows}
        mentions = [n for row in rows for n in _mention_needles(row)]
        for row in rows:
            for name, value in _anonymous_values(now).items():
                setattr(row, name, value)
        fresh.waitlist_seq = None
        dropped, scrubbed = _forget_mail(list(needles), forum_id=forum_id, email=email)
        forget_certificates(list(needles))
        forget_feedback(list(needles))
        forget_online_attendance(list(needles))
        forget_voices(list(needles), now)
        forget_access(list(needles))
        _scrub_audit(needles)
        _scrub_mentions(forum_id, mentions)
        db.session.add(
            AuditEntry(
                user_id=user.id if user is not None else None,
                action="registration.erase",
                forum_id=forum_id,
                registration_id=registration_id,
                details={
                    "by": "organizer" if user is not None else "attendee",
                    "previous_status": previous,
                    "reason": _scrub_text(reason, needles[registration_id]),
                },
                created_at=now,
            )
        )
    return Erasure(registration_id, forum_id, previous, now, dropped, scrubbed)


def _replaced_registrations(forum_id: int, email_key: str | None) -> list[Registration]:
    """Cancelled registrations of this address in this forum that gave up the address's key
    when it registered again (see `registration._register_once`), not yet anonymised."""
    if not email_key:
        return []
    candidates = db.session.scalars(
        select(Registration).where(
            Registration.forum_id == forum_id,
            Registration.status == PlaceStatus.CANCELLED,
            Registration.email_normalized.is_(None),
            Registration.anonymised_at.is_(None),
            Registration.email != "",
        )
    )
    return [
        row
        for row in candidates
        if (checked := registrations.normalise_email(row.email)) and checked[1] == email_key
    ]


def _registration_of(forum: Forum, registration_id: int) -> Registration:
    if not 0 < registration_id <= ID_MAX:
        raise NotFound(_("This forum has no such registration."))
    row = db.session.get(Registration, registration_id)
    if row is None or row.forum_id != forum.id:
        raise NotFound(_("This forum has no such registration."))
    return row


def registration_for_organizer(forum: Forum, registration_id: int) -> Registration:
    """A registration of this forum (NotFound for one of another forum: ids do not cross)."""
    return _registration_of(forum, registration_id)


def find_by_code(forum: Forum, code: str) -> Registration | None:
    """A registration of this forum by its confirmation code, as typed or read aloud."""
    cleaned = normalise_code(code or "")
    if not is_well_formed_code(cleaned):
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.forum_id == forum.id, Registration.confirmation_code == cleaned
        )
    )


def export_for_organizer(forum: Forum, registration_id: int, user: User, *, reason: str = ""):
    """The person's data for an organizer answering their request; the audit log records it."""
    registration = _registration_of(forum, registration_id)
    data = export_registration(registration)
    with write_transaction():
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="registration.export",
                forum_id=forum.id,
                registration_id=registration_id,
                details={"reason": _scrub_text(_clean_reason(reason), _personal_values_of(data))},
            )
        )
    return data


def _personal_values_of(data: dict) -> list[str]:
    r = data["registration"]
    values = [r["name"], r["email"], r["affiliation"], r["confirmation_code"]]
    return [v for v in values if v and len(v.strip()) >= 2 and v != ERASED_NAME]


def erase_for_organizer(
    forum: Forum, registration_id: int, user: User, *, reason: str = ""
) -> Erasure:
    """Erase a registration of this forum on the person's request (audited)."""
    registration = _registration_of(forum, registration_id)
    return erase_registration(registration, user=user, reason=reason)


__all__ = [
    "ERASED_NAME",
    "EXPORT_FORMAT",
    "AlreadyErased",
    "Erasure",
    "erase_for_organizer",
    "erase_registration",
    "export_for_organizer",
    "export_registration",
    "find_by_code",
    "purge_due_at",
    "registration_for_organizer",
    "retention_days",
]
