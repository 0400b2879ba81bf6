"""The data each scenario starts from, written through the app's own models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

RUSH_SLUG = "bench-rush"
CALENDAR_SLUG = "bench-calendar"
SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class RushForum:
    slug: str
    forum_id: int
    session_ids: list[int]
    seats: int


def _forum(slug: str, *, days: int = 1, **fields):
    from app.models import Forum

    now = datetime.now(UTC)
    first = (now + timedelta(days=30)).date()
    defaults = {
        "slug": slug,
        "title_ko": "벤치마크 스마트시티 포럼",
        "title_en": "Benchmark Smart City Forum",
        "theme_ko": "모두를 위한 도시",
        "theme_en": "A city for everyone",
        "timezone": "Asia/Seoul",
        "first_day": first,
        "last_day": first + timedelta(days=days - 1),
        "format": "hybrid",
        "status": "published",
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": now + timedelta(days=20),
        "onsite_registration": True,
        "in_person_capacity": None,
        "organizer_name_ko": "서울특별시",
        "organizer_name_en": "Seoul Metropolitan Government",
        "organizer_email": "forum@seoul.example.org",
    }
    defaults.update(fields)
    return Forum(**defaults)


def seed_rush(app, *, sessions: int, seats: int) -> RushForum:
    """A published hybrid forum, open for registration, with `sessions` non-overlapping
    in-person sessions of `seats` seats each (no forum-wide capacity)."""
    from app.core.db import db
    from app.models import ForumSession, Venue

    with app.app_context():
        forum = _forum(RUSH_SLUG)
        venue = Venue(forum=forum, name_ko="다목적홀", name_en="Multipurpose Hall", seats=seats)
        db.session.add_all([forum, venue])
        day = forum.first_day
        start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=SEOUL)
        rows = []
        for i in range(sessions):
            begins = start + timedelta(minutes=30 * i)
            rows.append(
                ForumSession(
                    forum=forum,
                    venue=venue,
                    title_ko=f"세션 {i + 1}",
                    title_en=f"Session {i + 1}",
                    format="in_person",
                    starts_at=begins,
                    ends_at=begins + timedelta(minutes=25),
                    seats=seats,
                )
            )
        db.session.add_all(rows)
        db.session.commit()
        result = RushForum(RUSH_SLUG, forum.id, [s.id for s in rows], seats)
        db.session.remove()
        return result


def seed_calendar(app, *, sessions: int = 500, slug: str = CALENDAR_SLUG) -> str:
    """A published forum over five days with `sessions` sessions in 10 venues, two speakers
    each (from a pool of 200), some with stream links: what a large programme looks like."""
    from app.core.db import db
    from app.models import ForumSession, SessionSpeaker, Speaker, StreamLink, Venue

    with app.app_context():
        forum = _forum(
            slug,
            days=5,
            description_ko="서울 스마트시티 주간의 전체 일정입니다. " * 5,
            description_en="The whole programme of the Seoul smart city week. " * 5,
        )
        venues = [
            Venue(
                forum=forum,
                name_ko=f"회의실 {i + 1}",
                name_en=f"Room {i + 1}",
                building_ko="서울시청",
                building_en="Seoul City Hall",
                floor_ko=f"{i + 1}층",
                floor_en=f"{i + 1}F",
                address_ko="서울특별시 중구 세종대로 110",
                address_en="110 Sejong-daero, Jung-gu, Seoul",
                seats=100 + 10 * i,
            )
            for i in range(10)
        ]
        speakers = [
            Speaker(
                forum=forum,
                name_ko=f"발표자 {i + 1}",
                name_en=f"Speaker {i + 1}",
                affiliation_ko="서울디지털재단",
                affiliation_en="Seoul Digital Foundation",
                title_ko="이사",
                title_en="Director",
                country="KR",
            )
            for i in range(200)
        ]
        db.session.add_all([forum, *venues, *speakers])
        per_day = -(-sessions // 5)
        for i in range(sessions):
            day = forum.first_day + timedelta(days=i // per_day)
            slot, room = divmod(i % per_day, len(venues))
            begins = datetime(day.year, day.month, day.day, 9, 0, tzinfo=SEOUL) + timedelta(
                minutes=45 * slot
            )
            session = ForumSession(
                forum=forum,
                venue=venues[room],
                title_ko=f"스마트시티 세션 {i + 1}: 데이터와 시민",
                title_en=f"Smart city session {i + 1}: data and citizens",
                description_ko="도시 데이터, 모빌리티, 안전, 기후 대응을 다룹니다. " * 3,
                description_en="Urban data, mobility, safety and climate action. " * 3,
                kind="session" if i % 7 else "panel",
                format=("in_person", "hybrid", "online")[i % 3],
                starts_at=begins,
                ends_at=begins + timedelta(minutes=40),
                seats=None if i % 4 else 80,
                status="cancelled" if i % 50 == 49 else "scheduled",
            )
            db.session.add(session)
            for position, k in enumerate((i % 200, (i * 7 + 3) % 200)):
                if position and k == i % 200:
                    continue
                db.session.add(
                    SessionSpeaker(
                        session=session,
                        speaker=speakers[k],
                        role="moderator" if position else "presenter",
                        position=position,
                    )
                )
            if i % 3:
                db.session.add(
                    StreamLink(
                        forum=forum,
                        session=session,
                        **_stream_fields(i),
                    )
                )
        db.session.commit()
        db.session.remove()
        return slug


def _stream_fields(i: int) -> dict:
    return {
        "url": f"https://www.youtube.com/watch?v=bench{i:05d}",
        "platform": "YouTube",
        "label": "생중계 Livestream",
        "visibility": "public" if i % 2 else "registrants",
    }


def seed_mail(app, *, count: int, forum_id: int | None = None, tag: str = "m") -> list[str]:
    """`count` confirmed in-person registrations, each with its confirmation queued in the
    outbox exactly as the registration service queues it. Returns the Message-IDs."""
    from app import outbox
    from app.core.db import db, utcnow
    from app.core.tokens import hash_token, new_confirmation_code, new_token
    from app.models import OutboxMessage, Registration
    from app.registration.operations import CONSENT_VERSION

    with app.app_context():
        if forum_id is None:
            forum = _forum(f"bench-mail-{tag}")
            db.session.add(forum)
            db.session.flush()
            forum_id = forum.id
        now = utcnow()
        ids = []
        for start in range(0, count, 500):
            batch = []
            for i in range(start, min(count, start + 500)):
                manage, calendar = new_token(), new_token()
                email = f"person{i}.{tag}@example.org"
                registration = Registration(
                    forum_id=forum_id,
                    confirmation_code=new_confirmation_code(),
                    name=f"참가자 {i}",
                    email=email,
                    email_normalized=email,
                    affiliation="서울디지털재단",
                    attendance="in_person",
                    locale="ko" if i % 3 else "en",
                    status="confirmed",
                    source="web",
                    manage_token_hash=hash_token(manage),
                    calendar_token_hash=hash_token(calendar),
                    consent_version=CONSENT_VERSION,
                    consented_at=now,
                    accessibility_needs=[],
                )
                db.session.add(registration)
                batch.append((registration, manage, calendar))
            db.session.flush()
            for registration, manage, calendar in batch:
                message = outbox.enqueue(
                    "registration_confirmed",
                    recipient=registration.email,
                    locale=registration.locale,
                    context={
                        "registration_id": registration.id,
                        "manage_token": manage,
                        "calendar_token": calendar,
                    },
                    forum_id=forum_id,
                    registration_id=registration.id,
                )
                assert isinstance(message, OutboxMessage)
                ids.append(message.message_id)
            db.session.commit()
        db.session.remove()
        return ids


REGISTRANTS_SLUG = "bench-registrants"
_AFFILIATIONS = ("서울디지털재단", "Seoul Metropolitan Government", "KAIST", "", "Naver Cloud")


def seed_registrants(
    app, *, count: int, forum_id: int | None = None, attendance: str | None = None
) -> int:
    """`count` confirmed registrations in a published forum (a new one unless `forum_id`),
    written with bulk Core inserts in one transaction: 10,000 take a second or two. Each row is
    what registering writes: a unique address and confirmation code, manage and calendar token
    hashes, consent; half Korean, half English readers; two in three in person (or all as
    `attendance` says), the rest online; the forum's in-person count follows when it counts
    places (it has a capacity). Returns the forum's id."""
    from sqlalchemy import func, insert, select, update

    from app.core.db import db, utcnow
    from app.core.tokens import hash_token, new_confirmation_code, new_token
    from app.models import Forum, Registration
    from app.registration.operations import CONSENT_VERSION

    with app.app_context():
        if forum_id is None:
            forum = _forum(REGISTRANTS_SLUG)
            db.session.add(forum)
            db.session.flush()
            forum_id = forum.id
        # Codes are global, as the table wants; addresses unique in the forum even when it
        # already has registrants.
        codes = set(db.session.scalars(select(Registration.confirmation_code)))
        first = db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.forum_id == forum_id)
        )
        now = utcnow()
        rows = []
        in_person = 0
        for i in range(first, first + count):
            code = new_confirmation_code()
            while code in codes:
                code = new_confirmation_code()
            codes.add(code)
            korean = i % 2 == 0
            mode = attendance or ("online" if i % 3 == 2 else "in_person")
            in_person += mode == "in_person"
            email = f"registrant{i}.f{forum_id}@example.org"
            rows.append(
                {
                    "forum_id": forum_id,
                    "confirmation_code": code,
                    "name": f"참가자 {i:06d}" if korean else f"Attendee {i:06d}",
                    "email": email,
                    "email_normalized": email,
                    "affiliation": _AFFILIATIONS[i % len(_AFFILIATIONS)],
                    "attendance": mode,
                    "locale": "ko" if korean else "en",
                    "status": "confirmed",
                    "source": "web",
                    "category": "general",
                    "manage_token_hash": hash_token(new_token()),
                    "calendar_token_hash": hash_token(new_token()),
                    "consent_version": CONSENT_VERSION,
                    "consented_at": now,
                    "marketing_consent": i % 4 == 0,
                    "marketing_consented_at": now if i % 4 == 0 else None,
                    "accessibility_consent": False,
                    "accessibility_needs": [],
                    "accessibility_other": "",
                    "over_capacity_reason": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        table = Registration.__table__
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(table), rows[start : start + 1000])
        db.session.execute(
            update(Forum)
            .where(Forum.id == forum_id, Forum.in_person_capacity.is_not(None))
            .values(in_person_taken=Forum.in_person_taken + in_person)
        )
        db.session.commit()
        db.session.remove()
        return forum_id


def seed_waiting(app, *, forum_id: int, session_id: int, seats: int, waiting: int) -> None:
    """The session full (`seats` confirmed bookings) and `waiting` people on its waiting list,
    numbered 1…n, each with an in-person registration: as after a rush."""
    from sqlalchemy import func, insert, select, update

    from app.core.db import db, utcnow
    from app.models import Booking, ForumSession, Registration

    with app.app_context():
        last_before = db.session.scalar(select(func.coalesce(func.max(Registration.id), 0)))
        db.session.remove()
    seed_registrants(app, count=seats + waiting, forum_id=forum_id, attendance="in_person")
    with app.app_context():
        ids = db.session.scalars(
            select(Registration.id)
            .where(Registration.forum_id == forum_id, Registration.id > last_before)
            .order_by(Registration.id)
        ).all()
        now = utcnow()
        rows = [
            {
                "registration_id": rid,
                "session_id": session_id,
                "status": "confirmed" if k < seats else "waitlisted",
                "waitlist_seq": None if k < seats else k - seats + 1,
                "created_at": now,
                "updated_at": now,
            }
            for k, rid in enumerate(ids)
        ]
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(Booking.__table__), rows[start : start + 1000])
        db.session.execute(
            update(ForumSession)
            .where(ForumSession.id == session_id)
            .values(seats_taken=seats, waitlist_seq=waiting)
        )
        db.session.commit()
        db.session.remove()


def seed_outbox(app, *, count: int, forum_id: int, status: str = "pending") -> None:
    """`count` outbox rows of the forum in bulk, due in the last hour (`pending`) or already
    `sent`, each to a registrant when the forum has them (one row per registration, in order)."""
    from sqlalchemy import insert, select

    from app.core.db import db, utcnow
    from app.models import OutboxMessage, Registration

    with app.app_context():
        people = db.session.execute(
            select(Registration.id, Registration.email)
            .where(Registration.forum_id == forum_id)
            .order_by(Registration.id)
            .limit(count)
        ).all()
        now = utcnow()
        rows = []
        for i in range(count):
            rid, email = people[i] if i < len(people) else (None, f"reader{i}@example.org")
            rows.append(
                {
                    "message_id": f"<bench.{forum_id}.{status}.{i}@madang.example.org>",
                    "kind": "registration_confirmed",
                    "recipient": email,
                    "locale": "ko" if i % 2 else "en",
                    "context": {"registration_id": rid} if rid else {},
                    "forum_id": forum_id,
                    "registration_id": rid,
                    "status": status,
                    "attempts": 0 if status == "pending" else 1,
                    "next_attempt_at": now - timedelta(seconds=3600 * (count - i) / count),
                    "sent_at": None if status == "pending" else now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(OutboxMessage.__table__), rows[start : start + 1000])
        db.session.commit()
        db.session.remove()


def seed_forum(app, slug: str, **fields) -> int:
    """A published forum of its own (`fields` override the defaults); returns its id."""
    from app.core.db import db

    with app.app_context():
        forum = _forum(slug, **fields)
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
        db.session.remove()
    return forum_id


def seed_organizer(app, *, forum_id: int) -> int:
    """An organizer account assigned to the forum (who sends announcements). Returns its id."""
    from app.core.db import db
    from app.models import User
    from app.models.user import ForumAssignment

    with app.app_context():
        user = User(
            email=f"organizer.f{forum_id}@staff.example.org",
            name="벤치 주최자",
            password_hash="-",
            role="organizer",
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(ForumAssignment(user_id=user.id, forum_id=forum_id))
        db.session.commit()
        user_id = user.id
        db.session.remove()
        return user_id
