"""The one iCalendar builder behind every feed, download and email attachment.

Plain dataclasses in, RFC 5545 bytes out. The same inputs always give the same bytes: every
timestamp comes from the data (``updated_at``), never from the clock, and nothing random (no
calendar UID, no uuid4) is emitted. icalendar does the escaping, the VTIMEZONE and the property
serialisation; only the final line folding is ours (see ``_fold``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Conference, Event, vCalAddress, vDuration

from scheduling.types import (
    Bilingual,
    ForumInfo,
    Language,
    MeetingInfo,
    ServiceInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
)

__all__ = ["CANCELLED_PREFIX", "PRODID", "build_calendar", "session_uid"]

PRODID = "-//Madang//Madang forum calendar//EN"
CANCELLED_PREFIX = "[취소됨 / Cancelled] "
MEETING_LABEL = "집결 장소 / Meeting point"

# Subscribed clients poll at this rate (REFRESH-INTERVAL is RFC 7986, X-PUBLISHED-TTL is what
# Outlook and older Apple clients read).
_REFRESH = timedelta(hours=1)

# Role labels for the plain-text description, English first like the rest of the line.
_ROLE_LABELS = {
    "keynote": "Keynote / 기조연설",
    "presenter": "Presenter / 발표",
    "moderator": "Moderator / 좌장",
    "panelist": "Panelist / 패널",
    "host": "Host / 사회",
    "guest": "Guest / 초청",
}

# Languages and access services, for the description and the channels' labels.
_FLOOR_LABEL = Bilingual(ko="언어", en="Language")
_SERVICE_LABELS = {
    "interpretation": Bilingual(ko="동시통역", en="Interpretation"),
    "ksl": Bilingual(ko="한국수어", en="Korean Sign Language"),
    "international_sign": Bilingual(ko="국제수어", en="International Sign"),
    "captions": Bilingual(ko="실시간 자막", en="Live captions"),
    "transcript": Bilingual(ko="속기록", en="Transcript"),
}
# Cancelled services are left out.
_SERVICE_STATUSES = {
    "planned": Bilingual(ko="예정", en="planned"),
    "confirmed": Bilingual(ko="확정", en="confirmed"),
}
# Streams other than the main feed, and those that carry a language of their own.
_CHANNEL_LABELS = {
    "interpretation": Bilingual(ko="통역 채널", en="Interpretation channel"),
    "sign": Bilingual(ko="수어 화면", en="Sign-language feed"),
    "captions": Bilingual(ko="자막 화면", en="Captioned feed"),
}
_LANGUAGE_KINDS = frozenset({"interpretation", "captions"})

# A session with neither venue nor address still tells people where it happens.
_FORMAT_LOCATIONS = {"online": Bilingual(ko="온라인", en="Online")}

# Methods we can honestly produce: we never emit ATTENDEE, so REQUEST/REPLY/CANCEL are out.
_METHODS = frozenset({"PUBLISH"})

# One folding unit: a TEXT escape pair (backslash + the character it escapes), an RFC 6868
# parameter escape (^n, ^^, ^'), or one character. Scanned left to right, so `\\\,` splits
# into the pairs `\\` and `\,`.
_FOLD_UNIT = re.compile(r"\\.|\^[n^']|.", re.DOTALL)
# Unicode categories Cc (C0, DEL, C1) and Cs (surrogates), except newline and tab.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
EVENT_CACHE_SIZE = 4096  # rendered VEVENTs kept (about 1 KB each)
_FOLD_LIMIT = 75  # octets per physical line, CRLF excluded (RFC 5545 section 3.1)


def session_uid(session_id: int, domain: str) -> str:
    """The iCalendar UID of a session; stable for its whole life so clients update in place."""
    return f"session-{session_id}@{domain}"


def build_calendar(
    forum: ForumInfo,
    sessions: Iterable[SessionInfo],
    *,
    domain: str,
    name: Bilingual | None = None,
    method: str | None = None,
    tentative_ids: frozenset[int] = frozenset(),
    include_private_streams: bool = False,
    organizer: bool = False,
) -> bytes:
    """Build a VCALENDAR for `sessions` of `forum`.

    - ``method=None``: a subscription feed (no METHOD property).
    - ``method="PUBLISH"``: a single-session download or email attachment (RFC 5546 PUBLISH):
      every event carries ORGANIZER (the forum's organiser) and never an ATTENDEE.
    - ``organizer=True`` adds ORGANIZER to feeds too.
    - ``tentative_ids``: sessions shown as TENTATIVE (e.g. waitlisted places in a personal feed).
    - ``include_private_streams``: also list streams reserved for registrants.

    Cancelled sessions stay in the output (STATUS:CANCELLED) so clients remove or strike them.
    Raises ValueError for an unsupported method or a naive datetime.
    """
    if method is not None and method not in _METHODS:
        raise ValueError(f"unsupported METHOD {method!r}; only PUBLISH (or None for feeds)")
    zone = ZoneInfo(forum.timezone)
    ordered = sorted(sessions, key=lambda s: (_aware(s.start), s.id))

    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    if method is not None:
        cal.add("METHOD", method)
    calname = _clean((name.both() if name is not None else "") or forum.title.both())
    cal.add("NAME", calname)
    cal.add("X-WR-CALNAME", calname)
    cal.add("X-WR-TIMEZONE", forum.timezone)
    cal.add("REFRESH-INTERVAL", _REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(_REFRESH))

    with_organizer = (method is not None or organizer) and bool(forum.organizer_email)
    organizer_of = (forum.organizer_email, forum.organizer_name.both()) if with_organizer else None
    header = [line for line in cal.content_lines() if line][:-1]  # all but END:VCALENDAR
    parts = [_fold(line) + b"\r\n" for line in header]
    # VTIMEZONE from the tz database, limited to the span we publish so it stays short; the
    # span depends only on the data, so the bytes stay deterministic. A feed with no event
    # still carries it: RFC 5545 (3.4) wants at least one component in a VCALENDAR.
    parts.append(_timezone_block(forum.timezone, *_span(forum, ordered, zone)))
    parts.extend(
        _event_block(
            session,
            zone_name=forum.timezone,
            domain=domain,
            tentative=session.id in tentative_ids,
            include_private_streams=include_private_streams,
            organizer=organizer_of,
            forum_streams=forum.streams,
        )
        for session in ordered
    )
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def _lines(component: Component) -> bytes:
    return b"".join(_fold(line) + b"\r\n" for line in component.content_lines() if line)


@functools.lru_cache(maxsize=EVENT_CACHE_SIZE)
def _event_block(
    session: SessionInfo,
    *,
    zone_name: str,
    domain: str,
    tentative: bool,
    include_private_streams: bool,
    organizer: tuple[str, str] | None,
    forum_streams: tuple[StreamInfo, ...] = (),
) -> bytes:
    """One VEVENT, folded. Cached by everything it shows: after an edit, a feed renders only
    the events that changed (a 500-session feed costs ~1.5 ms of CPU an event otherwise)."""
    return _lines(
        _event(
            session,
            zone=ZoneInfo(zone_name),
            domain=domain,
            tentative=tentative,
            include_private_streams=include_private_streams,
            organizer=organizer,
            forum_streams=forum_streams,
        )
    )


@functools.lru_cache(maxsize=64)
def _timezone_block(zone_name: str, first: date, last: date) -> bytes:
    """The VTIMEZONE of `zone_name` covering first..last, as `add_missing_timezones` adds it."""
    probe = Calendar()
    probe.add_component(Event.new(start=datetime.combine(first, time(), ZoneInfo(zone_name))))
    probe.add_missing_timezones(first_date=first, last_date=last)
    return b"".join(_lines(timezone) for timezone in probe.timezones)


def _event(
    session: SessionInfo,
    *,
    zone: ZoneInfo,
    domain: str,
    tentative: bool,
    include_private_streams: bool,
    organizer: tuple[str, str] | None,
    forum_streams: tuple[StreamInfo, ...] = (),
) -> Event:
    cancelled = session.status == "cancelled"
    updated = _aware(session.updated_at).astimezone(UTC).replace(microsecond=0)
    # No join links for a session that will not happen. A session watched online without a
    # stream of its own is on the forum's streams.
    own = session.streams or (forum_streams if session.format != "in_person" else ())
    streams = [] if cancelled else _visible_streams(own, include_private_streams)
    summary = _clean(session.title.both())
    if cancelled:
        summary = CANCELLED_PREFIX + summary

    return Event.new(
        uid=session_uid(session.id, domain),
        stamp=updated,
        last_modified=updated,
        sequence=session.revision,
        summary=summary,
        start=_local(session.start, zone),
        end=_local(session.end, zone),
        location=_location(session) or None,
        description=_description(session, streams, zone) or None,
        url=session.url or None,
        categories=[_clean(session.kind)] if session.kind else (),
        status="CANCELLED" if cancelled else ("TENTATIVE" if tentative else "CONFIRMED"),
        # A cancelled session no longer blocks the time in free/busy views.
        transparency="TRANSPARENT" if cancelled else None,
        conferences=[_conference(stream) for stream in streams] or None,
        organizer=(
            vCalAddress.new(organizer[0], cn=_clean(organizer[1]) or None) if organizer else None
        ),
    )


def _conference(stream: StreamInfo) -> Conference:
    """RFC 7986 CONFERENCE: an interpretation channel or a captioned feed carries its language
    (LANGUAGE); LABEL is the stream's label (both languages, like the rest of the calendar),
    else the platform with what the channel carries."""
    interpretation = stream.kind == "interpretation"
    return Conference(
        stream.url,
        feature=["AUDIO", "VIDEO"] if interpretation else "VIDEO",
        label=_clean(_stream_label(stream)) or None,
        language=stream.language.code
        if stream.language and stream.kind in _LANGUAGE_KINDS
        else None,
    )


def _stream_label(stream: StreamInfo) -> str:
    own = stream.labels.both()
    if own:
        return own
    channel = _channel(stream)
    return f"{stream.platform} · {channel}" if channel else stream.platform


def _channel(stream: StreamInfo) -> str:
    """What a stream other than the main feed carries: "Interpretation: English / 통역: 영어"."""
    kind = _CHANNEL_LABELS.get(stream.kind)
    if kind is None:
        return ""
    language = stream.language if stream.kind in _LANGUAGE_KINDS else None
    if language is None:
        return _en_ko(kind)
    names = language.name
    return _en_ko(
        Bilingual(
            ko=f"{kind.ko}: {names.ko or language.code}",
            en=f"{kind.en}: {names.en or language.code}",
        )
    )


def _en_ko(text: Bilingual) -> str:
    """English first, like the role labels: "Captions / 자막"."""
    if text.ko and text.en and text.ko != text.en:
        return f"{text.en} / {text.ko}"
    return text.en or text.ko


def _language_names(languages: Iterable[Language]) -> str:
    return ", ".join(_en_ko(lang.name) or lang.code for lang in languages)


def _service_line(service: ServiceInfo) -> str:
    kind = _SERVICE_LABELS.get(service.kind)
    line = _en_ko(kind) if kind else service.kind
    if service.language is not None:
        line += f": {_en_ko(service.language.name) or service.language.code}"
    status = _SERVICE_STATUSES.get(service.status)
    return f"{line} ({_en_ko(status)})" if status else line


def _access_block(session: SessionInfo, streams: list[StreamInfo]) -> str:
    """The floor languages, the services (planned and confirmed) and the channels: shown when
    the session offers a service or a channel beyond the main feed."""
    services = [s for s in session.services if s.status in _SERVICE_STATUSES]
    channels = [s for s in streams if s.kind in _CHANNEL_LABELS]
    if not services and not channels:
        return ""
    lines = []
    if session.floor:
        lines.append(f"{_en_ko(_FLOOR_LABEL)}: {_language_names(session.floor)}")
    lines += [_service_line(s) for s in services]
    lines += [f"{_channel(s)} — {s.labels.both() or s.platform} {s.url}" for s in channels]
    return "\n".join(lines)


def _visible_streams(streams: Iterable[StreamInfo], include_private: bool) -> list[StreamInfo]:
    return [s for s in streams if s.url and (include_private or not s.registrants_only)]


def _location(session: SessionInfo) -> str:
    venue = session.venue
    if venue is None or venue.kind == "studio":
        # A broadcast studio has no audience: never send anyone there.
        fallback = _FORMAT_LOCATIONS["online"] if venue else _FORMAT_LOCATIONS.get(session.format)
        return fallback.both() if fallback else ""
    parts = (venue.name, venue.building, venue.floor, venue.room, venue.address)
    cleaned = (_clean(p.both()).strip() for p in parts)
    return ", ".join(p for p in cleaned if p)


def _speaker_line(speaker: SpeakerRole) -> str:
    label = _ROLE_LABELS.get(speaker.role, speaker.role.replace("_", " ").capitalize())
    line = f"{label}: {speaker.name.both()}"
    if affiliation := speaker.affiliation.both():
        line += f" ({affiliation})"
    return line


def _meeting_block(meeting: MeetingInfo, zone: ZoneInfo) -> str:
    """First in the description: a tour leaves from here, not from the venue."""
    at = f"{_local(meeting.at, zone):%H:%M}, " if meeting.at else ""
    lines = [f"{MEETING_LABEL}: {at}{meeting.place.both()}"]
    lines += [note.strip() for note in dict.fromkeys((meeting.note.ko, meeting.note.en)) if note]
    return "\n".join(lines)


def _description(session: SessionInfo, streams: list[StreamInfo], zone: ZoneInfo) -> str:
    """Plain text, paragraphs separated by a blank line; icalendar escapes it."""
    blocks: list[str] = []
    if session.meeting is not None:
        blocks.append(_meeting_block(session.meeting, zone))
    desc = session.description
    if desc.ko and desc.en and desc.ko != desc.en:
        blocks += [desc.ko.strip(), desc.en.strip()]
    elif desc.ko or desc.en:
        blocks.append((desc.ko or desc.en).strip())
    # sorted() is stable: equal `order` keeps the order the app gave.
    speakers = sorted(session.speakers, key=lambda s: s.order)
    if speakers:
        blocks.append("\n".join(_speaker_line(s) for s in speakers))
    blocks.append(_access_block(session, streams))
    links = [f"Session page: {session.url}"] if session.url else []
    # The main feeds; the other channels are listed with the languages and services.
    links += [
        f"Livestream: {s.labels.both() or s.platform} {s.url}"
        for s in streams
        if s.kind not in _CHANNEL_LABELS
    ]
    if links:
        blocks.append("\n".join(links))
    return _clean("\n\n".join(b for b in blocks if b))


def _aware(value: datetime) -> datetime:
    # A naive datetime would silently take the server's zone: refuse it.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}; scheduling needs timezone-aware values")
    return value


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """Forum wall-clock time, so DTSTART/DTEND carry TZID=<forum zone> (never floating or Z)."""
    return _aware(value).astimezone(zone).replace(microsecond=0)


def _span(forum: ForumInfo, sessions: list[SessionInfo], zone: ZoneInfo) -> tuple[date, date]:
    days = [forum.first_day, forum.last_day]
    for s in sessions:
        days += [_local(s.start, zone).date(), _local(s.end, zone).date()]
    return min(days), max(days) + timedelta(days=1)


def _clean(text: str) -> str:
    """Drop control characters (other than newline and tab) that no calendar or XML allows."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", text)


def _fold(line: str) -> bytes:
    """Fold one content line at 75 octets.

    icalendar 7.3's folder already avoids splitting a UTF-8 character, but it keeps escapes
    together by looking only at the last character, so in a run like ``\\\\\\,`` it can leave
    ``\\`` at a line end and put the character it escapes on the next line (verified on 7.3.0;
    tests/scheduling/test_calendar.py has the reproducer). Some clients (Outlook, Google) then
    mangle the text, so we fold by units that never separate an escape pair or a character.
    """
    encoded = line.encode("utf-8")
    if len(encoded) <= _FOLD_LIMIT:
        return encoded
    physical: list[str] = []
    current: list[str] = []
    size = 0
    for unit in _FOLD_UNIT.findall(line):
        width = len(unit.encode("utf-8"))
        if current and size + width > _FOLD_LIMIT:
            physical.append("".join(current))
            current, size = [" "], 1  # a continuation line starts with one space
        current.append(unit)
        size += width
    physical.append("".join(current))
    return "\r\n".join(physical).encode("utf-8")
