"""Calendar feeds and schedule exports, built from the database and cached by programme version.

Every feed is made by the one builder in `scheduling` from the plain data `app.programme.views`
maps (`forum_info` / `session_info`), so a session looks the same, with the same UID, in every
feed, download and email attachment.

Rendered feeds are cached by programme version (`app.feeds.feed_cache`).

Personal feeds. A registrant's feed lists (see `personal_selection`):
- the sessions they hold a place in: bookings that are confirmed, or waitlisted (TENTATIVE);
- the forum-wide sessions of their attendance mode: sessions without seats of their own whose
  format an attendee of that mode can follow (in person: in_person and hybrid; online: online
  and hybrid);
- while their forum place is waitlisted (in person, places gone), every entry is TENTATIVE.
Registrants-only stream links appear there and nowhere public. A cancelled registration, an
unknown or replaced token, or a forum back in draft gives no feed (404).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Literal
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import selectinload

from app.core.db import db
from app.core.languages import parse_floor_languages
from app.core.tokens import hash_token
from app.feeds.feed_cache import (
    Feed,
    _cached,
    _published_version,
    version_memo,
)
from app.models import (
    Forum,
    ForumSession,
    Registration,
    SessionSpeaker,
    Speaker,
    StreamLink,
    Venue,
)
from app.models.enums import PlaceStatus
from app.programme import archive
from app.programme.checks import FOLLOWS
from app.programme.views import forum_info, forum_services, language_info, service_order
from app.registration.state import attendance_state
from scheduling.calendar import build_calendar
from scheduling.frab import build_frab_json, build_frab_xml
from scheduling.types import Bilingual, ForumInfo, ServiceInfo

__all__ = [
    "CALENDAR_TYPE",
    "FRAB_LOCALES",
    "JSON_TYPE",
    "PERSONAL_FORMATS",
    "XML_TYPE",
    "Feed",
    "forum_feed",
    "frab_export",
    "personal_calendar",
    "personal_feed",
    "personal_selection",
    "session_calendar",
    "session_feed",
    "speaker_calendar",
    "speaker_feed",
    "venue_feed",
]

CALENDAR_TYPE = "text/calendar; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json"
FRAB_LOCALES = ("ko", "en")

# Which forum-wide sessions (no seats of their own) each attendance mode follows: the
# programme's rule.
PERSONAL_FORMATS = FOLLOWS
# Booking statuses that hold a place; waitlisted places are shown TENTATIVE.
_HELD = ("confirmed", "waitlisted")

_TOKEN_MAX = 200  # real tokens are 32 characters; anything far longer is not worth hashing


# -- loading and mapping ------------------------------------------------------------------------


class _Row(SimpleNamespace):
    """One row of the forum tree, read-only by convention, with the ORM's attribute names."""


def _rows(statement) -> list[_Row]:
    result = db.session.execute(statement)
    names = tuple(result.keys())  # once per query, not once per row
    return [_Row(**dict(zip(names, row, strict=True))) for row in result]


def _load_forum(forum_id: int, *, only: ColumnElement[bool] | None = None) -> Forum:
    """The forum with everything a feed shows, in six plain queries, whatever the number of
    sessions. Not ORM objects: a tree with the same attribute names (`forum.sessions`,
    `session.venue`, `session.speaker_links[i].speaker`, …), several times cheaper to build
    than loading a 500-session tree into the session. Nothing here is ever written.
    `only`, a condition on the sessions table, loads just those sessions and their speakers'
    links (a personal calendar's candidates)."""
    forums, venues_t, speakers_t = Forum.__table__, Venue.__table__, Speaker.__table__
    sessions_t, links_t, streams_t = (
        ForumSession.__table__,
        SessionSpeaker.__table__,
        StreamLink.__table__,
    )
    chosen = () if only is None else (only,)
    [forum] = _rows(select(forums).where(forums.c.id == forum_id))
    venues = {v.id: v for v in _rows(select(venues_t).where(venues_t.c.forum_id == forum_id))}
    speakers = {
        s.id: s
        for s in _rows(
            select(speakers_t).where(speakers_t.c.forum_id == forum_id).order_by(speakers_t.c.id)
        )
    }
    streams: dict[int | None, list[_Row]] = {}
    for stream in _rows(
        select(streams_t).where(streams_t.c.forum_id == forum_id).order_by(streams_t.c.id)
    ):
        streams.setdefault(stream.session_id, []).append(stream)
    links: dict[int, list[_Row]] = {}
    for link in _rows(
        select(links_t)
        .join(sessions_t, sessions_t.c.id == links_t.c.session_id)
        .where(sessions_t.c.forum_id == forum_id, *chosen)
        .order_by(links_t.c.session_id, links_t.c.position, links_t.c.id)
    ):
        link.speaker = speakers[link.speaker_id]
        links.setdefault(link.session_id, []).append(link)
    sessions = _rows(
        select(sessions_t)
        .where(sessions_t.c.forum_id == forum_id, *chosen)
        .order_by(sessions_t.c.starts_at, sessions_t.c.id)
    )
    # No link back from a session to the forum: without cycles the snapshot is freed as soon
    # as the feed is built, not left for the collector's slow full passes.
    for session in sessions:
        session.venue = venues.get(session.venue_id)
        session.speaker_links = links.get(session.id, [])
        session.streams = streams.get(session.id, [])
    forum.venues = sorted(venues.values(), key=lambda v: v.id)
    forum.speakers = list(speakers.values())
    forum.streams = streams.get(None, [])
    forum.sessions = sessions
    return forum  # type: ignore[return-value]  # duck-typed: see the docstring


@dataclass(frozen=True, slots=True)
class _Site:
    base_url: str
    domain: str


def _site() -> _Site:
    base_url = current_app.config["BASE_URL"].rstrip("/")
    domain = urlsplit(base_url).hostname
    if not domain:
        raise RuntimeError(f"BASE_URL has no host name: {base_url!r}")
    return _Site(base_url=base_url, domain=domain)


def _info(forum: Forum, sessions: Sequence[ForumSession], site: _Site) -> ForumInfo:
    """The forum as plain data, with each session's floor languages and the services it offers
    (planned or confirmed)."""
    info = forum_info(forum, base_url=site.base_url, sessions=sessions)
    offered = _offered(forum.id) if sessions else {}
    return replace(
        info,
        sessions=tuple(
            replace(
                s,
                floor=tuple(language_info(code) for code in parse_floor_languages(s.language)),
                services=offered.get(s.id, ()),
            )
            for s in info.sessions
        ),
    )


def _offered(forum_id: int) -> dict[int, tuple[ServiceInfo, ...]]:
    """The forum's services that are not cancelled, by session, in display order."""
    return {
        session_id: tuple(
            ServiceInfo(
                kind=row.kind,
                status=row.status,
                language=language_info(row.language) if row.language else None,
            )
            for row in sorted(rows, key=service_order)
        )
        for session_id, rows in forum_services(forum_id).items()
    }


def _changed_at(info: ForumInfo, sessions: Iterable[ForumSession]) -> datetime:
    """The latest change a feed of `sessions` shows: forum, sessions, venues, streams (all in
    `info.updated_at`) and the speakers named."""
    stamps = [info.updated_at]
    stamps += [link.speaker.updated_at for s in sessions for link in s.speaker_links]
    return max(stamps)


def _named(forum: Forum, ko: str, en: str) -> Bilingual:
    """A calendar name: the forum's title followed by what the feed holds, in each language."""
    title_ko = forum.title_ko or forum.title_en
    title_en = forum.title_en or forum.title_ko
    return Bilingual(ko=f"{title_ko} · {ko}", en=f"{title_en} · {en}")


def _ics(
    forum: Forum,
    sessions: Sequence[ForumSession],
    site: _Site,
    *,
    filename: str,
    name: Bilingual | None = None,
    method: str | None = None,
    tentative_ids: frozenset[int] = frozenset(),
    include_private_streams: bool = False,
) -> Feed:
    info = _info(forum, sessions, site)
    body = build_calendar(
        info,
        info.sessions,
        domain=site.domain,
        name=name,
        method=method,
        tentative_ids=tentative_ids,
        include_private_streams=include_private_streams,
    )
    return Feed.of(body, CALENDAR_TYPE, _changed_at(info, sessions), filename)


# -- public feeds -------------------------------------------------------------------------------


def _public(slug: str, what: tuple, render: Callable[[Forum, _Site], Feed | None]) -> Feed | None:
    version = version_memo().get(slug, current_app.config["FEED_VERSION_TTL"])
    if version is None:
        return None
    site = _site()
    key = (*what, version.key, site.base_url)
    return _cached(key, lambda: render(_load_forum(version.forum_id), site))


def forum_feed(slug: str) -> Feed | None:
    """`/forums/<slug>/schedule.ics`: the whole published programme, cancelled sessions
    included (STATUS:CANCELLED), public streams only. None: unknown or draft forum."""

    def render(forum: Forum, site: _Site) -> Feed:
        return _ics(forum, forum.sessions, site, filename=f"{forum.slug}.ics")

    return _public(slug, ("forum",), render)


def session_feed(slug: str, session_id: int) -> Feed | None:
    """`/forums/<slug>/sessions/<id>.ics`: one session for download, METHOD:PUBLISH with an
    ORGANIZER (the same bytes as `session_calendar`). None: unknown forum or session, or a
    session of another forum."""

    def render(forum: Forum, site: _Site) -> Feed | None:
        session = next((s for s in forum.sessions if s.id == session_id), None)
        if session is None:
            return None
        return _session_download(forum, session, site, include_private_streams=False)

    return _public(slug, ("session", session_id), render)


def venue_feed(slug: str, venue_id: int) -> Feed | None:
    """`/forums/<slug>/venues/<id>.ics`: the sessions held at one venue of the forum."""

    def render(forum: Forum, site: _Site) -> Feed | None:
        venue = next((v for v in forum.venues if v.id == venue_id), None)
        if venue is None:
            return None
        sessions = [s for s in forum.sessions if s.venue_id == venue_id]
        name = _named(forum, venue.name_ko or venue.name_en, venue.name_en or venue.name_ko)
        filename = f"{forum.slug}-venue-{venue_id}.ics"
        return _ics(forum, sessions, site, filename=filename, name=name)

    return _public(slug, ("venue", venue_id), render)


def speaker_feed(slug: str, speaker_id: int) -> Feed | None:
    """`/forums/<slug>/speakers/<id>.ics`: the sessions one speaker of the forum appears in."""

    def render(forum: Forum, site: _Site) -> Feed | None:
        speaker = next((p for p in forum.speakers if p.id == speaker_id), None)
        if speaker is None:
            return None
        sessions = [
            s
            for s in forum.sessions
            if any(link.speaker_id == speaker_id for link in s.speaker_links)
        ]
        name = _named(forum, speaker.name_ko or speaker.name_en, speaker.name_en or speaker.name_ko)
        filename = f"{forum.slug}-speaker-{speaker_id}.ics"
        return _ics(forum, sessions, site, filename=filename, name=name)

    return _public(slug, ("speaker", speaker_id), render)


def frab_export(slug: str, fmt: Literal["xml", "json"], locale: str = "ko") -> Feed | None:
    """`/forums/<slug>/schedule.xml|json`: the frab / c3voc schedule, texts in `locale` (the
    other language as subtitle). Cancelled sessions are left out (the format has no status)."""
    if locale not in FRAB_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    if fmt not in ("xml", "json"):
        raise ValueError(f"unsupported format {fmt!r}")

    def render(forum: Forum, site: _Site) -> Feed:
        info = _info(forum, forum.sessions, site)
        archived = archive.material_infos(forum.id, forum.slug, site.base_url)
        sessions = [replace(s, materials=archived.get(s.id, ())) for s in info.sessions]
        builder = build_frab_xml if fmt == "xml" else build_frab_json
        body = builder(info, sessions, base_url=f"{info.url}/", locale=locale)
        content_type = XML_TYPE if fmt == "xml" else JSON_TYPE
        changed = _changed_at(info, forum.sessions)
        return Feed.of(body, content_type, changed, f"{forum.slug}-schedule-{locale}.{fmt}")

    return _public(slug, ("frab", fmt, locale), render)


# -- single sessions ----------------------------------------------------------------------------


def _session_download(
    forum: Forum, session: ForumSession, site: _Site, *, include_private_streams: bool
) -> Feed:
    return _ics(
        forum,
        [session],
        site,
        filename=f"{forum.slug}-session-{session.id}.ics",
        method="PUBLISH",
        include_private_streams=include_private_streams,
    )


def session_calendar(session: ForumSession, *, include_private_streams: bool = False) -> bytes:
    """One session as an email attachment or download: METHOD:PUBLISH, ORGANIZER (the forum's
    organiser, when it has an address), no ATTENDEE, the same UID as in every feed.

    With the default (public streams only) the bytes equal the public download's.
    `include_private_streams=True` adds the registrants-only links, for mail to registrants.
    """
    return _session_download(
        session.forum, session, _site(), include_private_streams=include_private_streams
    ).body


def session_calendar_for(registration: Registration, session: ForumSession) -> bytes:
    """One session as the registrant's calendar shows it, for a change notice: the same UID,
    SEQUENCE and STATUS as their personal feed (TENTATIVE while they wait for a place), and
    registrants-only links only for a person who holds a place."""
    state = attendance_state(registration, positions=False)
    tentative = state.is_tentative(session.id)
    return _ics(
        session.forum,
        [session],
        _site(),
        filename=f"{session.forum.slug}-session-{session.id}.ics",
        method="PUBLISH",
        tentative_ids=frozenset({session.id}) if tentative else frozenset(),
        include_private_streams=not tentative and not state.cancelled,
    ).body


# -- personal feeds -----------------------------------------------------------------------------


def personal_selection(
    registration: Registration, sessions: Iterable[ForumSession]
) -> tuple[list[ForumSession], frozenset[int]]:
    """The sessions of `registration`'s personal calendar, and those shown TENTATIVE.

    Booked sessions (confirmed or waitlisted) plus the forum-wide sessions (no seats of their
    own) whose format suits the attendance mode (`PERSONAL_FORMATS`). Waitlisted bookings are
    tentative; while the forum place itself is waitlisted, everything is. Nothing for a
    cancelled registration. Cancelled sessions stay in (STATUS:CANCELLED), so calendars update.
    """
    state = attendance_state(registration, positions=False)
    if state.cancelled:
        return [], frozenset()
    formats = PERSONAL_FORMATS.get(registration.attendance, ())
    chosen = [
        s
        for s in sessions
        if state.session(s.id) is not None or (s.seats is None and s.format in formats)
    ]
    return chosen, frozenset(s.id for s in chosen if state.is_tentative(s.id))


def _candidates(registration: Registration) -> ColumnElement[bool]:
    """The sessions `personal_selection` picks from, as a condition on the sessions table: a
    superset (booked, or without seats of their own), so a personal calendar does not load
    the whole programme to keep a few of its sessions."""
    c = ForumSession.__table__.c
    return or_(c.seats.is_(None), c.id.in_([b.session_id for b in registration.bookings]))


def _selection_key(registration: Registration) -> tuple:
    """What the personal selection depends on besides the forum version."""
    held = sorted((b.session_id, b.status) for b in registration.bookings if b.status in _HELD)
    return (registration.attendance, registration.status, tuple(held))


def _personal(registration: Registration, forum: Forum, site: _Site, *, method: str | None) -> Feed:
    sessions, tentative = personal_selection(registration, forum.sessions)
    return _ics(
        forum,
        sessions,
        site,
        filename=f"{forum.slug}-my-sessions.ics",
        name=_named(forum, "내 일정", "My sessions"),
        method=method,
        tentative_ids=tentative,
        include_private_streams=True,
    )


def _registration_changed(registration: Registration) -> datetime:
    """When the registration's selection last changed (a booking or the forum place)."""
    return max([registration.updated_at, *(b.updated_at for b in registration.bookings)])


def personal_feed(token: str) -> Feed | None:
    """`/calendar/<token>.ics`: the registrant's personal feed (no METHOD; see
    `personal_selection`). None for an unknown or replaced token, a cancelled registration or
    a forum that is not published.

    The rendered bytes are cached by forum version and selection, so registrants with the same
    choices share one entry; Last-Modified also covers the registration's own changes.
    """
    if not token or len(token) > _TOKEN_MAX:
        return None
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.calendar_token_hash == hash_token(token))
        .options(selectinload(Registration.bookings))
        .execution_options(populate_existing=True)
    ).one_or_none()
    if registration is None or registration.status == PlaceStatus.CANCELLED:
        return None
    version = _published_version("id", registration.forum_id)
    if version is None:
        return None
    site = _site()
    key = ("personal", _selection_key(registration), version.key, site.base_url)
    feed = _cached(
        key,
        lambda: _personal(
            registration,
            _load_forum(version.forum_id, only=_candidates(registration)),
            site,
            method=None,
        ),
    )
    if feed is None:  # never: a personal feed always renders; keeps the types honest
        return None
    return feed.modified_at_least(_registration_changed(registration))


def personal_calendar(registration: Registration) -> bytes:
    """The registrant's sessions as an email attachment: the personal feed's events (same UIDs,
    registrants-only links included) with METHOD:PUBLISH and an ORGANIZER."""
    forum = _load_forum(registration.forum_id, only=_candidates(registration))
    return _personal(registration, forum, _site(), method="PUBLISH").body


# -- speakers' own calendars ---------------------------------------------------------------------


def speaker_calendar(speaker_id: int, forum_id: int) -> bytes | None:
    """A speaker's sessions for their own mail: the events (same UIDs) of the public speaker
    feed, METHOD:PUBLISH, registrants-only links included (a speaker is part of the forum);
    drafts too (speakers hear of their sessions before the programme is public). None when
    the speaker is on no session."""
    forum = _load_forum(forum_id)
    speaker = next((p for p in forum.speakers if p.id == speaker_id), None)
    if speaker is None:
        return None
    sessions = [
        s for s in forum.sessions if any(link.speaker_id == speaker_id for link in s.speaker_links)
    ]
    if not sessions:
        return None
    name = _named(forum, speaker.name_ko or speaker.name_en, speaker.name_en or speaker.name_ko)
    return _ics(
        forum,
        sessions,
        _site(),
        filename=f"{forum.slug}-speaker-{speaker_id}.ics",
        name=name,
        method="PUBLISH",
        include_private_streams=True,
    ).body
