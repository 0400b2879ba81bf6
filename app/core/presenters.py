"""Template helpers: local times in the forum's zone, bilingual fields, translated labels."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.i18n import current_locale, pick

LABELS = {
    "format": {
        "in_person": _l("In person"),
        "online": _l("Online"),
        "hybrid": _l("Hybrid (in person and online)"),
    },
    "attendance": {"in_person": _l("In person"), "online": _l("Online")},
    "category": {
        "general": _l("General public"),
        "speaker": _l("Speaker"),
        "guest": _l("Guest (VIP)"),
        "press": _l("Press"),
        "staff": _l("Staff"),
    },
    "session_kind": {
        "keynote": _l("Keynote"),
        "plenary": _l("Plenary"),
        "session": _l("Session"),
        "panel": _l("Panel"),
        "lecture": _l("Lecture"),
        "talk_concert": _l("Talk concert"),
        "roundtable": _l("Roundtable"),
        "networking": _l("Networking"),
        "tour": _l("Tour"),
        "site_visit": _l("Site visit"),
        "ceremony": _l("Ceremony"),
        "general_assembly": _l("General assembly"),
    },
    "role": {
        "keynote": _l("Keynote speaker"),
        "presenter": _l("Presenter"),
        "moderator": _l("Moderator"),
        "panelist": _l("Panelist"),
        "host": _l("Host"),
        "guest": _l("Guest"),
    },
    "venue_kind": {
        "hall": _l("Hall"),
        "studio": _l("Broadcast studio (no audience)"),
        "offsite": _l("Off-site"),
    },
    "session_status": {"scheduled": _l("Scheduled"), "cancelled": _l("Cancelled")},
    "place_status": {
        "confirmed": _l("Confirmed"),
        "waitlisted": _l("Waitlisted"),
        "cancelled": _l("Cancelled"),
    },
    "accessibility": {
        "wheelchair": _l("Wheelchair access"),
        "sign_language": _l("Sign-language interpretation"),
        "live_captions": _l("Live captions"),
        "large_print": _l("Large print"),
        "companion": _l("A companion"),
    },
    "forum_status": {"draft": _l("Draft"), "published": _l("Published")},
    "solver_run": {
        "queued": _l("Waiting for a worker"),
        "running": _l("Searching"),
        "done": _l("Proposal ready"),
        "failed": _l("Failed"),
        "applied": _l("Applied"),
    },
    "solver_mode": {"repair": _l("Repair"), "propose": _l("Proposal")},
    "mail_state": {
        "pending": _l("Waiting to be sent"),
        "retrying": _l("Retrying"),
        "sent": _l("Sent"),
        "dead": _l("Failed"),
        "skipped": _l("Not needed any more"),
    },
    "mail_kind": {
        "registration_confirmed": _l("Registration confirmed"),
        "registration_waitlisted": _l("On the waitlist"),
        "waitlist_promoted": _l("Promoted from the waitlist"),
        "registration_cancelled": _l("Registration cancelled"),
        "manage_link": _l("Manage link"),
        "session_changed": _l("Programme change"),
        "speaker_programme": _l("Speaker's programme"),
        "speaker_session_changed": _l("Programme change (speaker)"),
        "reminder": _l("Reminder"),
        "announcement": _l("Announcement"),
    },
    "material_kind": {
        "recording": _l("Recording"),
        "slides": _l("Slides"),
        "document": _l("Document"),
    },
    "material_language": {
        "": _l("Both, or no words"),
        "ko": _l("Korean version"),
        "en": _l("English version"),
    },
    "segment": {
        "everyone": _l("Everyone registered (waiting or not)"),
        "in_person": _l("People with an in-person place"),
        "online": _l("People attending online"),
        "waitlisted": _l("People on a waiting list (the forum's or a session's)"),
        "session": _l("The people of one session (seat or waiting list)"),
        "checked_in": _l("People who checked in"),
    },
    "search_status": {
        "optimal": _l("the best possible"),
        "feasible": _l("good, not proven the best"),
        "infeasible": _l("impossible with these rules"),
        "unknown": _l("nothing found in the time given"),
    },
}


def label(group: str, value: str) -> str:
    return str(LABELS.get(group, {}).get(value, value))


# What a badge says of its category, in both languages whatever the desk's: read across the
# hall by people of either language (the colour comes from desk.css, never alone).
BADGE_WORDING = {
    "speaker": "연사 · SPEAKER",
    "guest": "귀빈 · VIP",
    "press": "취재 · PRESS",
    "staff": "운영 · STAFF",
}


def badge_wording(category: str) -> str:
    return BADGE_WORDING.get(category, "")


def to_local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def tz_abbrev(tz: str, at: datetime | None = None) -> str:
    """'KST' for Asia/Seoul: the zone's abbreviation at that instant."""
    at = at or datetime.now(ZoneInfo(tz))
    return at.astimezone(ZoneInfo(tz)).tzname() or tz


def clock(value: datetime) -> str:
    """'09:30': Babel's "HH:mm" is the same in every locale offered, so it is not asked."""
    return value.strftime("%H:%M")


def fmt_time(value: datetime, tz: str) -> str:
    return clock(to_local(value, tz))


def fmt_date(value: date | datetime, tz: str | None = None) -> str:
    if isinstance(value, datetime):
        value = to_local(value, tz or "UTC").date()
    return format_date(value, "full", locale=current_locale())


def fmt_day(value: datetime, tz: str) -> str:
    """A short local date, e.g. 9월 22일 (화) / Tue, Sep 22."""
    return _day_text(to_local(value, tz).date(), current_locale())


@functools.lru_cache(maxsize=256)
def _day_text(day: date, locale: str) -> str:
    # A programme has a few days and a page names them once per session.
    pattern = "M월 d일 (E)" if locale == "ko" else "EEE, MMM d"
    return format_date(day, pattern, locale=locale)


def fmt_datetime(value: datetime, tz: str) -> str:
    local = to_local(value, tz)
    # Babel's Korean "medium" pattern prints PM; people read 오후.
    pattern = "y년 M월 d일 (E) aaaa h:mm" if current_locale() == "ko" else "EEE, MMM d, y, h:mm a"
    text = format_datetime(local, pattern, tzinfo=ZoneInfo(tz), locale=current_locale())
    return f"{text} ({tz_abbrev(tz, value)})"


def meeting_line(values: object, tz: str, locale: str | None = None) -> str:
    """A tour's meeting point as one line, "13:30, 서울시청 동문", from a session or from the
    `before`/`after` of a programme change; empty when there is none."""
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name, None)
    locale = locale or current_locale()
    other = "en" if locale == "ko" else "ko"
    place = get(f"meeting_point_{locale}") or get(f"meeting_point_{other}") or ""
    if not place:
        return ""
    at = get("meeting_at")
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return f"{to_local(at, tz):%H:%M}, {place}" if at else place


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def text_lang(text: str) -> str:
    """The language of a free text field that has no language of its own: Korean when it holds
    Hangul, else English (so screen readers pronounce it right)."""
    return "ko" if HANGUL.search(text or "") else "en"


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        t=pick,
        label=label,
        badge_wording=badge_wording,
        fmt_time=fmt_time,
        fmt_date=fmt_date,
        fmt_day=fmt_day,
        fmt_datetime=fmt_datetime,
        tz_abbrev=tz_abbrev,
        current_locale=current_locale,
        text_lang=text_lang,
        meeting_line=meeting_line,
    )
