"""Schedule exports in the frab / c3voc format (schedule.xml and schedule.json).

This is what pretalx and frab export and what conference apps read (Giggity, EventFahrplan,
ConfClerk). The XML follows the c3voc ``schedule.xml.xsd`` and the JSON the c3voc
``schedule.schema.json``; tests validate both against copies of those schemas.

Cancelled sessions are left out: the format has no status field, pretalx only exports what is
on the schedule, and apps such as EventFahrplan flag a session that disappears between two
versions as cancelled in their "changes" view.

Both builders share one data model (`_schedule`), so XML and JSON always agree.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from scheduling.calendar import _clean, _local, session_uid
from scheduling.types import (
    Bilingual,
    ForumInfo,
    MaterialInfo,
    SessionInfo,
    SpeakerRole,
    StreamInfo,
    VenueInfo,
)

__all__ = ["GENERATOR", "JSON_SCHEMA_URL", "build_frab_json", "build_frab_xml"]

GENERATOR = "Madang"
JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"

# A schedule day runs from 04:00 to 03:59 the next morning (frab's default day_change), so a
# late-night session stays on the evening it belongs to.
_DAY_CHANGE = time(4, 0)
_TIMESLOT = "00:05"  # the grid apps snap to; pretalx's default

# Room for sessions without a venue, named after the format ("Online").
_FORMAT_ROOMS = {
    "online": Bilingual(ko="온라인", en="Online"),
    "hybrid": Bilingual(ko="하이브리드", en="Hybrid"),
    "in_person": Bilingual(ko="장소 미정", en="Venue TBA"),
}
_FORMAT_ORDER = ("online", "hybrid", "in_person")
# c3voc room types (schema enum); only kinds that map cleanly.
_ROOM_TYPES = {"hall": "lecturehall"}
# The JSON schema's pattern for time_zone_name; other zones are left out rather than invalid.
_TZ_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_LANGUAGE_KINDS = frozenset({"interpretation", "captions"})  # streams with a language
_LINK_TYPE = "web"  # schema enum has no "livestream"; "media" means recordings to c3voc tools


def build_frab_xml(
    forum: ForumInfo, sessions: Iterable[SessionInfo], *, base_url: str, locale: str = "en"
) -> bytes:
    """schedule.xml for `forum`, texts in `locale` ("ko" or "en"; the other language is the
    fallback and goes to subtitle/description). Cancelled sessions are omitted."""
    sched = _schedule(forum, sessions, base_url=base_url, locale=locale)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR)
    _text(root, "version", sched.version)

    conf = ET.SubElement(root, "conference")
    _text(conf, "title", sched.title)
    _text(conf, "acronym", sched.acronym)
    _text(conf, "start", sched.days[0].date.isoformat())
    _text(conf, "end", sched.days[-1].date.isoformat())
    _text(conf, "days", str(len(sched.days)))
    _text(conf, "timeslot_duration", _TIMESLOT)
    _text(conf, "base_url", sched.base_url)
    if sched.url:
        _text(conf, "url", sched.url)
    _text(conf, "time_zone_name", sched.time_zone)
    for track in sched.tracks:
        ET.SubElement(conf, "track", name=track)

    for day in sched.days:
        day_el = ET.SubElement(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=day.start,
            end=day.end,
        )
        for room, events in day.rooms:
            room_el = ET.SubElement(day_el, "room", name=room.name, guid=room.guid)
            for event in events:
                _xml_event(room_el, event)

    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def build_frab_json(
    forum: ForumInfo, sessions: Iterable[SessionInfo], *, base_url: str, locale: str = "en"
) -> bytes:
    """schedule.json (c3voc schema v1, as pretalx exports) with the same content as the XML."""
    sched = _schedule(forum, sessions, base_url=base_url, locale=locale)
    conference: dict[str, Any] = {
        "acronym": sched.acronym,
        "title": sched.title,
        "start": sched.days[0].date.isoformat(),
        "end": sched.days[-1].date.isoformat(),
        "daysCount": len(sched.days),
        "timeslot_duration": _TIMESLOT,
        "rooms": [_json_room(room) for room in sched.rooms],
        "tracks": [{"name": track} for track in sched.tracks],
        "days": [
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": day.start,
                "day_end": day.end,
                # Room order is display order in apps: keep it, don't sort these keys.
                "rooms": _RoomMap((room.name, events) for room, events in day.rooms),
            }
            for day in sched.days
        ],
    }
    if sched.description:
        conference["description"] = sched.description
    if sched.url:
        conference["url"] = sched.url
    if _TZ_NAME.search(sched.time_zone):
        conference["time_zone_name"] = sched.time_zone
    document = {
        "$schema": JSON_SCHEMA_URL,
        "generator": {"name": GENERATOR},
        "schedule": {
            "version": sched.version,
            "base_url": sched.base_url,
            "conference": conference,
        },
    }
    text = json.dumps(_sorted_keys(document), ensure_ascii=False, indent=2)
    return text.encode("utf-8") + b"\n"


# --- the shared model -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Room:
    name: str
    guid: str
    type: str = ""
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class _Day:
    index: int
    date: date
    start: str
    end: str
    rooms: tuple[tuple[_Room, tuple[dict[str, Any], ...]], ...]


@dataclass(frozen=True, slots=True)
class _Schedule:
    version: str
    base_url: str
    acronym: str
    title: str
    description: str
    url: str
    time_zone: str
    tracks: tuple[str, ...]
    rooms: tuple[_Room, ...]
    days: tuple[_Day, ...]


class _RoomMap(dict):
    """A JSON object whose key order is meaningful (rooms in display order)."""


def _schedule(
    forum: ForumInfo, sessions: Iterable[SessionInfo], *, base_url: str, locale: str
) -> _Schedule:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    domain = parts.hostname
    zone = ZoneInfo(forum.timezone)
    every = list(sessions)
    # Cancelled sessions still count for the version, so cancelling one changes it.
    stamps = [forum.updated_at, *(s.updated_at for s in every)]
    version = max(_local(t, zone) for t in stamps).strftime("%Y-%m-%d %H:%M:%S")
    shown = sorted(
        (s for s in every if s.status != "cancelled"), key=lambda s: (_local(s.start, zone), s.id)
    )
    acronym = _acronym(forum)

    rooms_by_key = dict(_rooms(forum, shown, domain=domain, locale=locale))
    by_day: dict[date, dict[tuple, list[dict[str, Any]]]] = {}
    for session in shown:
        key = _room_key(session)
        event = _event(forum, session, rooms_by_key[key], zone, domain, base_url, acronym, locale)
        by_day.setdefault(_schedule_day(session, zone), {}).setdefault(key, []).append(event)

    first = min([forum.first_day, *by_day])
    last = max([forum.last_day, first, *by_day])
    days = []
    for index in range((last - first).days + 1):
        day = first + timedelta(days=index)
        day_rooms = by_day.get(day, {})
        start = datetime.combine(day, _DAY_CHANGE, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), _DAY_CHANGE, tzinfo=zone)
        days.append(
            _Day(
                index=index + 1,
                date=day,
                start=start.isoformat(timespec="seconds"),
                end=(end - timedelta(minutes=1)).isoformat(timespec="seconds"),
                rooms=tuple(
                    (rooms_by_key[key], tuple(day_rooms[key]))
                    for key in sorted(day_rooms, key=_room_order)
                ),
            )
        )

    return _Schedule(
        version=version,
        base_url=base_url,
        acronym=acronym,
        title=_clean(forum.title.get(locale)),
        description=_clean(forum.description.get(locale)),
        url=forum.url if _is_http(forum.url) else "",
        time_zone=forum.timezone,
        tracks=tuple(sorted({_clean(s.kind) for s in shown if s.kind})),
        rooms=tuple(rooms_by_key[key] for key in sorted(rooms_by_key, key=_room_order)),
        days=tuple(days),
    )


def _event(
    forum: ForumInfo,
    session: SessionInfo,
    room: _Room,
    zone: ZoneInfo,
    domain: str,
    base_url: str,
    acronym: str,
    locale: str,
) -> dict[str, Any]:
    start = _local(session.start, zone)
    end = _local(session.end, zone)
    minutes = max(0, int((end - start).total_seconds() // 60))
    other = "en" if locale == "ko" else "ko"
    title = _clean(session.title.get(locale))
    # Bilingual forum: the other language's title/description go where apps show them next.
    subtitle = _clean(session.title.get(other))
    abstract = _clean(session.description.get(locale))
    description = _clean(session.description.get(other))
    return {
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, session_uid(session.id, domain))),
        "id": session.id,
        "date": start.isoformat(timespec="seconds"),
        "start": start.strftime("%H:%M"),
        "end": end.isoformat(timespec="seconds"),
        "duration": f"{minutes // 60:02d}:{minutes % 60:02d}",
        "room": room.name,
        "slug": _slug(acronym, session),
        "url": urljoin(base_url, session.url or forum.url),
        "title": title,
        "subtitle": "" if subtitle == title else subtitle,
        "track": _clean(session.kind),
        "type": _clean(session.kind),
        "language": _floor_language(session),
        "abstract": abstract,
        "description": "" if description == abstract else description,
        "persons": [
            _person(s, domain, locale) for s in sorted(session.speakers, key=lambda s: s.order)
        ],
        "links": [_link(s, locale) for s in session.streams if s.url and not s.registrants_only]
        + [_material(m) for m in session.materials if m.kind == "recording"],
        "attachments": [_material(m) for m in session.materials if m.kind != "recording"],
    }


def _person(speaker: SpeakerRole, domain: str, locale: str) -> dict[str, Any]:
    return {
        "id": speaker.speaker_id,
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"speaker-{speaker.speaker_id}@{domain}")),
        "public_name": _clean(speaker.name.get(locale)),
        "role": speaker.role,
    }


def _floor_language(session: SessionInfo) -> str:
    """The first language spoken on the floor: apps read one code ("ko"), not "ko+en"."""
    if session.floor:
        return session.floor[0].code
    return _clean(session.language.split("+")[0])


def _link(stream: StreamInfo, locale: str) -> dict[str, str]:
    """A stream as a link, titled in `locale`; an interpretation channel or a captioned feed
    names its language in the title ("YouTube (English)")."""
    title = stream.labels.get(locale) or stream.platform
    language = stream.language if stream.kind in _LANGUAGE_KINDS else None
    if language is not None:
        title = f"{title} ({language.name.get(locale) or language.code})"
    return {"url": stream.url, "title": _clean(title), "type": _LINK_TYPE}


# The schema's reference types: a recording is "media", slides "slides", a document "paper".
_MATERIAL_TYPES = {"recording": "media", "slides": "slides", "document": "paper"}


def _material(material: MaterialInfo) -> dict[str, str]:
    title = _clean(material.title) or material.url
    if material.language:
        title = f"{title} ({material.language})"
    return {"url": material.url, "title": title, "type": _MATERIAL_TYPES[material.kind]}


def _room_key(session: SessionInfo) -> tuple:
    if session.venue is not None:
        return ("venue", session.venue.id)
    return ("format", session.format)


def _room_order(key: tuple) -> tuple:
    # Venues by id, then the format rooms in a fixed order.
    if key[0] == "venue":
        return (0, key[1], "")
    fmt = key[1]
    rank = _FORMAT_ORDER.index(fmt) if fmt in _FORMAT_ORDER else len(_FORMAT_ORDER)
    return (1, rank, fmt)


def _rooms(
    forum: ForumInfo, sessions: list[SessionInfo], *, domain: str, locale: str
) -> list[tuple[tuple, _Room]]:
    venues: dict[tuple, VenueInfo | None] = {}
    for s in sessions:
        venues.setdefault(_room_key(s), s.venue)
    keys = sorted(venues, key=_room_order)
    base = {}
    for key in keys:
        venue = venues[key]
        if venue is not None:
            base[key] = _clean(venue.name.get(locale)).strip() or f"Room {venue.id}"
        else:
            label = _FORMAT_ROOMS.get(key[1])
            base[key] = label.get(locale) if label else (key[1] or "Online")
    # Room names key the JSON "rooms" object, so two venues sharing a name get their id added.
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    result = []
    for key in keys:
        venue = venues[key]
        name = base[key]
        if counts[name] > 1:
            name = f"{name} ({venue.id if venue is not None else key[1]})"
        if venue is not None:
            guid_name = f"venue-{venue.id}@{domain}"
            kind = _ROOM_TYPES.get(venue.kind, "")
            capacity = venue.seats
        else:
            guid_name = f"forum-{forum.id}-{key[1]}-room@{domain}"
            kind = "online" if key[1] in ("online", "hybrid") else ""
            capacity = None
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, guid_name))
        result.append((key, _Room(name=name, guid=guid, type=kind, capacity=capacity)))
    return result


def _schedule_day(session: SessionInfo, zone: ZoneInfo) -> date:
    start = _local(session.start, zone)
    return (start - timedelta(hours=_DAY_CHANGE.hour, minutes=_DAY_CHANGE.minute)).date()


def _acronym(forum: ForumInfo) -> str:
    """The forum slug made to fit both schemas: [a-z0-9_], at least 4 characters.

    Hyphens become underscores because the XSD event slug is ``<acronym>-<rest>`` with no hyphen
    in the acronym part.
    """
    acronym = re.sub(r"[^a-z0-9_]+", "_", _ascii(forum.slug)).strip("_")
    if len(acronym) < 4:
        acronym = f"forum{forum.id}_{acronym}".rstrip("_")
    return acronym


def _slug(acronym: str, session: SessionInfo) -> str:
    # <acronym>-<id>-<english title>, pretalx style; Korean-only titles become "session".
    words = re.sub(r"[^a-z0-9]+", "-", _ascii(session.title.en)).strip("-")
    words = words[:48].strip("-") or "session"
    return f"{acronym}-{session.id}-{words}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- serialisation helpers ----------------------------------------------------------------------


def _json_room(room: _Room) -> dict[str, Any]:
    data: dict[str, Any] = {"name": room.name, "guid": room.guid}
    if room.type:
        data["type"] = room.type
    if room.capacity is not None:
        data["capacity"] = room.capacity
    return data


def _sorted_keys(value: Any) -> Any:
    """Sort object keys for stable output, except where order carries meaning."""
    if isinstance(value, _RoomMap):
        return {k: _sorted_keys(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_keys(v) for v in value]
    return value


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _xml_event(parent: ET.Element, event: dict[str, Any]) -> None:
    el = ET.SubElement(parent, "event", guid=event["guid"], id=str(event["id"]))
    for tag in ("room", "title", "subtitle", "type", "date", "start", "duration", "abstract"):
        _text(el, tag, event[tag])
    for tag in ("slug", "track"):
        _text(el, tag, event[tag])
    persons = ET.SubElement(el, "persons")
    for person in event["persons"]:
        # The XSD allows only id and guid on <person>; the role is in the JSON only.
        _text(persons, "person", person["public_name"]).attrib.update(
            id=str(person["id"]), guid=person["guid"]
        )
    _text(el, "language", event["language"])
    _text(el, "description", event["description"])
    recordings = [link["url"] for link in event["links"] if link["type"] == "media"]
    if recordings:  # the first recording, where video tools look for it
        recording = ET.SubElement(el, "recording")
        _text(recording, "license", "")
        _text(recording, "optout", "false")
        _text(recording, "url", recordings[0])
    links = ET.SubElement(el, "links")
    for link in event["links"]:
        _text(links, "link", link["title"]).attrib.update(href=link["url"], type=link["type"])
    attachments = ET.SubElement(el, "attachments")
    for item in event["attachments"]:
        _text(attachments, "attachment", item["title"]).attrib.update(
            href=item["url"], type=item["type"]
        )
    _text(el, "url", event["url"])
