"""`flask demo load`: the four real Seoul forum editions and one upcoming sample.

Loading is idempotent: a forum whose slug is already in the database is left exactly as it is
(children included), so loading twice changes nothing, and the sample keeps the dates it got
when it was first loaded. Each forum is written in a transaction of its own.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.users import authenticate, create_user, hash_password
from app.core.db import db, write_transaction
from app.core.i18n import split_glued
from app.core.tokens import hash_token, new_confirmation_code, new_token
from app.demo_data import demo_forums, placeholder
from app.models import (
    Certificate,
    CertificateSettings,
    CommentEntry,
    CommentEvent,
    DrawWinner,
    FeedbackAnswer,
    Forum,
    ForumSession,
    Material,
    OnlineAttendance,
    Question,
    QuestionBoard,
    Registration,
    ServiceRequest,
    SessionFeedback,
    SessionService,
    SessionSpeaker,
    Speaker,
    SpeakerAvailability,
    StreamLink,
    User,
    Venue,
)
from app.models.enums import AttendanceMode, CommentStatus, PlaceStatus
from app.registration.certificates import new_code as new_certificate_code
from app.registration.operations import CONSENT_VERSION
from app.voices.comments import EVENT_FIELDS
from app.voices.common import COMMENT_CONSENT_VERSION
from app.voices.draw import entries_digest, rank, seed_digest

_CHILDREN = (
    "venues",
    "speakers",
    "sessions",
    "streams",
    "record",
    "voices",
    "services",
    "requests",
)
# Text about a real place or organisation is written "English / 한국어" in the demo data (one
# language when it needs no translation); each half goes to its own column.
_BILINGUAL = {
    "forum": ("organizer_name",),
    "venue": ("building", "floor", "room", "address", "accessibility_notes"),
    "speaker": ("affiliation", "title"),
}
# Keys of a session spec that are not ForumSession columns.
_SESSION_KEYS = ("key", "day", "start", "end", "meet", "venue", "parent", "speakers", "streams")


def load_demo(now: datetime | None = None) -> list[str]:
    """Load every demo forum not loaded yet; return one report line per forum and a summary.

    `now` (aware; default: the current time) only dates the upcoming sample forum.
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("load_demo needs an aware datetime for `now`")
    report: list[str] = []
    loaded = 0
    for spec in demo_forums(now):
        line, created = _load_forum(spec)
        report.append(line)
        loaded += created
    skipped = len(report) - loaded
    report.append(f"demo: {loaded} loaded, {skipped} already loaded")
    return report


def _load_forum(spec: dict[str, Any]) -> tuple[str, bool]:
    slug = spec["slug"]
    try:
        with write_transaction():
            if _exists(slug):
                return f"already loaded {slug}: left untouched", False
            forum, sessions = _build_forum(spec)
            db.session.add(forum)
            db.session.flush()
            if "record" in spec:
                _load_record(forum, sessions, spec["record"])
            if "voices" in spec:
                _load_voices(forum, sessions, spec["voices"])
            if "services" in spec:
                _load_services(forum, sessions, spec["services"], spec.get("requests", ()))
            line = (
                f"loaded {slug}: {_count(len(forum.sessions), 'session')}, "
                f"{_count(len(forum.speakers), 'speaker')}, "
                f"{_count(len(forum.venues), 'venue')}, "
                f"{_count(len(forum.all_streams), 'stream')}"
            )
    except IntegrityError:
        # Someone else loaded the same slug at the same time; anything else is a data bug.
        if _exists(slug):
            return f"already loaded {slug}: left untouched (loaded concurrently)", False
        raise
    return line, True


def _exists(slug: str) -> bool:
    return db.session.scalar(select(Forum.id).where(Forum.slug == slug)) is not None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _split(fields: dict[str, Any], kind: str) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k not in _BILINGUAL[kind]}
    for name in _BILINGUAL[kind]:
        text = fields.get(name, "")
        out[f"{name}_ko"], out[f"{name}_en"] = split_glued(text) or (text, "")
    return out


def _build_forum(spec: dict[str, Any]) -> tuple[Forum, dict[str, ForumSession]]:
    forum = Forum(**_split({k: v for k, v in spec.items() if k not in _CHILDREN}, "forum"))
    zone = ZoneInfo(forum.timezone)

    venues = {
        key: Venue(forum=forum, **_split(fields, "venue")) for key, fields in spec["venues"].items()
    }
    speakers: dict[str, Speaker] = {}
    for key, fields in spec["speakers"].items():
        windows = fields.get("availability", ())
        speaker = Speaker(
            forum=forum,
            **_split({k: v for k, v in fields.items() if k != "availability"}, "speaker"),
        )
        for day, start, end in windows:  # in the forum's zone; kept in UTC
            SpeakerAvailability(
                speaker=speaker,
                starts_at=_local(day, start, zone).astimezone(UTC),
                ends_at=_local(day, end, zone).astimezone(UTC),
            )
        speakers[key] = speaker

    sessions: dict[str, ForumSession] = {}
    for item in spec["sessions"]:
        key = item["key"]
        if key in sessions:
            raise ValueError(f"{forum.slug}: session key {key!r} used twice")
        parent = item.get("parent")
        if parent is not None and parent not in sessions:
            raise ValueError(f"{forum.slug}: block {parent!r} must come before its part {key!r}")
        venue = item.get("venue")
        session = ForumSession(
            forum=forum,
            parent=sessions[parent] if parent is not None else None,
            venue=venues[venue] if venue is not None else None,
            starts_at=_local(item["day"], item["start"], zone),
            ends_at=_local(item["day"], item["end"], zone),
            meeting_at=_local(item["day"], item["meet"], zone) if "meet" in item else None,
            **{k: v for k, v in item.items() if k not in _SESSION_KEYS},
        )
        for position, (speaker_key, role) in enumerate(item.get("speakers", [])):
            SessionSpeaker(
                session=session, speaker=speakers[speaker_key], role=role, position=position
            )
        for stream in item.get("streams", []):
            StreamLink(forum=forum, session=session, **stream)
        sessions[key] = session

    for stream in spec["streams"]:
        StreamLink(forum=forum, session=None, **stream)
    return forum, sessions


def _load_record(forum: Forum, sessions: dict[str, ForumSession], record: dict[str, Any]) -> None:
    """A past forum's record: recordings, and fictional attendees who watched online, answered
    the survey and received certificates of attendance."""
    for key, language, title in record["recordings"]:
        db.session.add(
            Material(
                forum_id=forum.id,
                session_id=sessions[key].id,
                kind="recording",
                language=language,
                title=title,
                url=placeholder(forum.slug, f"recordings/{key}-{language}"),
            )
        )
    ended = datetime.combine(forum.last_day + timedelta(days=1), time(9), ZoneInfo(forum.timezone))
    db.session.add(
        CertificateSettings(
            forum_id=forum.id, enabled=True, issued_at=ended, **record["certificates"]
        )
    )
    opens = forum.registration_opens_at
    people = record["attendees"]
    for n, (name, locale, watched, rating, comment) in enumerate(people):
        registered = opens + (forum.registration_closes_at - opens) * (n + 1) / (len(people) + 1)
        registration = Registration(
            forum_id=forum.id,
            confirmation_code=new_confirmation_code(),
            name=name,
            email=f"attendee{n + 1}@{forum.slug}.example.org",
            email_normalized=f"attendee{n + 1}@{forum.slug}.example.org",
            attendance=AttendanceMode.ONLINE,
            locale=locale,
            status=PlaceStatus.CONFIRMED,
            manage_token_hash=hash_token(new_token()),
            calendar_token_hash=hash_token(new_token()),
            consent_version=CONSENT_VERSION,
            consented_at=registered,
            created_at=registered,
            updated_at=registered,
        )
        db.session.add(registration)
        db.session.flush()
        for key in watched:
            session = sessions[key]
            db.session.add(
                OnlineAttendance(
                    forum_id=forum.id,
                    registration_id=registration.id,
                    session_id=session.id,
                    first_opened_at=session.starts_at + timedelta(minutes=3 + n),
                )
            )
        if watched:
            db.session.add(
                Certificate(
                    forum_id=forum.id,
                    registration_id=registration.id,
                    code=new_certificate_code(),
                    issued_at=ended,
                )
            )
        if rating is not None:
            db.session.add(
                FeedbackAnswer(
                    forum_id=forum.id,
                    registration_id=registration.id,
                    rating=rating,
                    comment=comment,
                    answered_at=ended + timedelta(days=1, hours=n),
                    sessions=[
                        SessionFeedback(session_id=sessions[key].id, rating=rating)
                        for key in watched
                    ],
                )
            )


def _load_services(
    forum: Forum,
    sessions: dict[str, ForumSession],
    services: list[tuple[str, str, str, str]],
    requests: Any,
) -> None:
    """Access services of the forum's sessions (all samples), and registrants' requests
    waiting for an answer: an online registrant each, under the accessibility consent."""
    for key, kind, language, status in services:
        db.session.add(
            SessionService(
                forum_id=forum.id,
                session_id=sessions[key].id,
                kind=kind,
                language=language,
                status=status,
                sample=True,
            )
        )
    for n, asked in enumerate(requests, start=1):
        address = f"access{n}@{forum.slug}.example.org"
        registered = forum.registration_opens_at
        registration = Registration(
            forum_id=forum.id,
            confirmation_code=new_confirmation_code(),
            name=asked["name"],
            email=address,
            email_normalized=address,
            attendance=AttendanceMode.ONLINE,
            locale=asked["locale"],
            status=PlaceStatus.CONFIRMED,
            manage_token_hash=hash_token(new_token()),
            calendar_token_hash=hash_token(new_token()),
            consent_version=CONSENT_VERSION,
            consented_at=registered,
            accessibility_consent=True,
            accessibility_consented_at=registered,
            created_at=registered,
            updated_at=registered,
        )
        db.session.add(registration)
        db.session.flush()
        db.session.add(
            ServiceRequest(
                forum_id=forum.id,
                registration_id=registration.id,
                session_id=sessions[asked["session"]].id,
                kind=asked["kind"],
                language=asked["language"],
                created_at=registered,
            )
        )


def _load_voices(forum: Forum, sessions: dict[str, ForumSession], spec: dict[str, Any]) -> None:
    """A forum's comment event with its sample entries (and, with a seed, its completed draw:
    the winners are what `app.voices.draw.rank` gives, so `flask voices verify-draw` holds),
    and a session's live questions."""
    event = CommentEvent(
        forum_id=forum.id,
        sample=True,
        **{k: spec[k] for k in EVENT_FIELDS},
        seed_hash=seed_digest(spec["seed"]) if "seed" in spec else None,
        seed_committed_at=spec.get("seed_committed_at"),
    )
    db.session.add(event)
    db.session.flush()
    reading = sessions[spec["reading_session"]] if "reading_session" in spec else None
    entries = spec["entries"]
    # Spread over the window so far (an open event's entries are not dated in the future).
    span = min(event.closes_at, datetime.now(UTC)) - event.opens_at
    made: list[CommentEntry] = []
    for n, (name, locale, text, likes, status, read_order) in enumerate(entries):
        status, _, reason = status.partition(":")
        at = event.opens_at + span * (n + 1) / (len(entries) + 2)
        address = f"voice{n + 1}@{forum.slug}.example.org"
        entry = CommentEntry(
            event_id=event.id,
            name=name,
            email=address,
            email_normalized=address,
            locale=locale,
            text=text,
            status=status,
            hidden_reason=reason,
            confirmed_at=at + timedelta(minutes=5),
            consent_version=COMMENT_CONSENT_VERSION,
            consented_at=at,
            likes=likes,
            reading_session_id=reading.id if reading is not None and read_order else None,
            reading_order=read_order,
            read_at=reading.starts_at + timedelta(minutes=10 * read_order)
            if reading is not None and read_order
            else None,
            sample=True,
            created_at=at,
            updated_at=at,
        )
        db.session.add(entry)
        made.append(entry)
    db.session.flush()
    if "drawn_at" in spec:
        _load_draw(event, made, spec)
    if "questions" in spec:
        _load_questions(forum, sessions, spec["questions"])


def _load_draw(event: CommentEvent, entries: list[CommentEntry], spec: dict[str, Any]) -> None:
    """The completed draw: the published entries ranked by the revealed seed; the third winner
    declined, so the next of the ranking took the prize."""
    ids = sorted(e.id for e in entries if e.status == CommentStatus.PUBLISHED)
    ranking = rank(spec["seed"], ids)
    drawn_at = spec["drawn_at"]
    event.seed = spec["seed"]
    event.entries_hash = entries_digest(ids)
    event.drawn_entry_ids = ids
    event.drawn_at = drawn_at
    for place, entry_id in enumerate(ranking[: event.prizes + 1], start=1):
        declined = place == 3
        db.session.add(
            DrawWinner(
                event_id=event.id,
                entry_id=entry_id,
                rank=place,
                status="declined" if declined else "won",
                drawn_at=drawn_at if place <= event.prizes else drawn_at + timedelta(days=2),
                declined_at=drawn_at + timedelta(days=2) if declined else None,
                decline_reason="경품 수령을 원하지 않음 (샘플)" if declined else "",
            )
        )


def _load_questions(forum: Forum, sessions: dict[str, ForumSession], spec: dict[str, Any]) -> None:
    session = sessions[spec["session"]]
    db.session.add(
        QuestionBoard(
            session_id=session.id,
            forum_id=forum.id,
            open=True,
            desk_may_moderate=spec["desk_may_moderate"],
        )
    )
    for text, locale, name, status, votes in spec["asked"]:
        db.session.add(
            Question(
                forum_id=forum.id,
                session_id=session.id,
                text=text,
                locale=locale,
                author_name=name,
                origin="hall",
                status=status,
                votes=votes,
                answered_at=session.starts_at if status == "answered" else None,
            )
        )


def _local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), zone)


# ================================================================ demo accounts (development)

DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin@demo.madang.example.org", "Demo admin"),
    ("organizer", "organizer@demo.madang.example.org", "Demo organizer"),
    ("desk", "desk@demo.madang.example.org", "Demo desk"),
)
DEMO_ACCOUNTS_FORUM = "seoul-smart-city-forum-sample"
DEMO_PASSWORDS_FILE = "demo-passwords.json"


def create_demo_accounts() -> list[str]:
    """A demo admin, organizer and desk account (the latter two on the sample forum), returned
    as report lines to print. Their passwords are kept in the instance folder
    (`demo-passwords.json`, readable by its owner only), so `make run` prints the same ones
    every time; an account whose kept password no longer works gets a new one. Only
    `flask demo load` calls this, and only when the configuration allows demo accounts (never
    in production)."""
    kept_file = Path(current_app.instance_path) / DEMO_PASSWORDS_FILE
    kept = _read_kept(kept_file)
    forum = db.session.scalar(select(Forum).where(Forum.slug == DEMO_ACCOUNTS_FORUM))
    lines = []
    for role, email, name in DEMO_ACCOUNTS:
        slugs = [DEMO_ACCOUNTS_FORUM] if forum is not None and role != "admin" else []
        user = db.session.scalar(select(User).where(User.email == email))
        password = kept.get(email)
        if user is not None and password and authenticate(email, password) is not None:
            lines.append(f"demo account {role}: {email} password {password} (unchanged)")
            continue
        password = secrets.token_urlsafe(12)
        kept[email] = password
        if user is None:
            create_user(email, password, role, name=name, forum_slugs=slugs)
            lines.append(f"demo account {role}: {email} password {password}")
            continue
        with write_transaction():
            user = db.session.scalar(select(User).where(User.email == email))
            user.password_hash = hash_password(password)
            user.session_version += 1  # sessions signed in with the old password end
            user.role, user.active = role, True
            if forum is not None and role != "admin" and forum not in user.forums:
                user.forums.append(forum)
        lines.append(f"demo account {role}: {email} password {password} (password renewed)")
    _write_kept(kept_file, kept)
    return lines


def _read_kept(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write_kept(path: Path, kept: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, indent=2), encoding="utf-8")
    path.chmod(0o600)
