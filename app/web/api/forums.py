"""Read-only forum data: GET /api/v1/forums and /api/v1/forums/<slug>.

Only published forums; only public stream links. Every instant is given twice: ISO 8601 with
the offset of the forum's zone (`starts_at`) and in UTC (`starts_at_utc`, ending in Z). Field
names are documented in app/web/api/openapi.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify

from app.programme import views as programme
from app.programme.views import ForumListEntry, ForumView, ProgrammeItem, RegistrationState
from app.web.api import bp
from scheduling.types import Bilingual, SpeakerRole, StreamInfo, VenueInfo


@bp.get("/forums")
def list_forums():
    listing = programme.published_forums(datetime.now(UTC))
    base = current_app.config["BASE_URL"]
    return jsonify(forums=[forum_summary_json(entry, base_url=base) for entry in listing.all])


@bp.get("/forums/<slug>")
def get_forum(slug: str):
    base = current_app.config["BASE_URL"]
    view = programme.forum_view(slug, base_url=base, now=datetime.now(UTC))
    if view is None:
        abort(404, description="No published forum has this slug.")
    return jsonify(forum_detail_json(view, base_url=base))


# -- serialisation ----------------------------------------------------------------------------


def local_iso(value: datetime | None, tz: str) -> str | None:
    """ISO 8601 with the zone's offset: 2018-09-19T10:30:00+09:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()


def utc_iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z: 2018-09-19T01:30:00Z."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def bilingual_json(text: Bilingual) -> dict[str, str]:
    return {"ko": text.ko, "en": text.en}


def registration_json(reg: RegistrationState, tz: str, onsite: bool) -> dict[str, Any]:
    return {
        "state": reg.state,
        "opens_at": local_iso(reg.opens, tz),
        "opens_at_utc": utc_iso(reg.opens),
        "closes_at": local_iso(reg.closes, tz),
        "closes_at_utc": utc_iso(reg.closes),
        "onsite": onsite,
    }


def _api_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/forums/{slug}"


def forum_summary_json(entry: ForumListEntry, *, base_url: str) -> dict[str, Any]:
    forum = entry.forum
    return {
        "slug": forum.slug,
        "title": {"ko": forum.title_ko, "en": forum.title_en},
        "theme": {"ko": forum.theme_ko, "en": forum.theme_en},
        "timezone": forum.timezone,
        "first_day": forum.first_day.isoformat(),
        "last_day": forum.last_day.isoformat(),
        "format": forum.format,
        "upcoming": entry.upcoming,
        "registration": registration_json(
            entry.registration, forum.timezone, forum.onsite_registration
        ),
        "url": base_url.rstrip("/") + programme.forum_path(forum.slug),
        "api_url": _api_url(base_url, forum.slug),
    }


def venue_json(venue: VenueInfo, *, slug: str, base_url: str) -> dict[str, Any]:
    return {
        "id": venue.id,
        "name": bilingual_json(venue.name),
        "kind": venue.kind,
        "building": venue.building,
        "floor": venue.floor,
        "room": venue.room,
        "address": venue.address,
        "seats": venue.seats,
        "accessibility": venue.accessibility,
        "map_url": venue.map_url or None,
        "url": base_url.rstrip("/") + programme.venue_path(slug, venue.id),
    }


def stream_json(stream: StreamInfo) -> dict[str, Any]:
    return {"platform": stream.platform, "url": stream.url, "label": stream.label}


def session_speaker_json(role: SpeakerRole) -> dict[str, Any]:
    return {
        "speaker_id": role.speaker_id,
        "name": bilingual_json(role.name),
        "role": role.role,
        "affiliation": role.affiliation,
        "order": role.order,
    }


def session_json(item: ProgrammeItem, *, tz: str) -> dict[str, Any]:
    s = item.session
    zone = ZoneInfo(tz)
    return {
        "id": s.id,
        "title": bilingual_json(s.title),
        "description": bilingual_json(s.description),
        "kind": s.kind,
        "format": s.format,
        "status": s.status,
        "language": s.language,
        "day": s.start.astimezone(zone).date().isoformat(),
        "starts_at": local_iso(s.start, tz),
        "ends_at": local_iso(s.end, tz),
        "starts_at_utc": utc_iso(s.start),
        "ends_at_utc": utc_iso(s.end),
        "venue_id": s.venue.id if s.venue is not None else None,
        "parent_id": s.parent_id,
        "part_ids": [p.session.id for p in item.parts],
        "seats": s.seats,
        "seats_left": item.seats_left,
        "speakers": [session_speaker_json(r) for r in s.speakers],
        "streams": [stream_json(st) for st in item.public_streams],
        "revision": s.revision,
        "updated_at": utc_iso(s.updated_at),
        "url": s.url,
    }


def _day_json(day: date, ids: list[int]) -> dict[str, Any]:
    return {"date": day.isoformat(), "session_ids": ids}


def forum_detail_json(view: ForumView, *, base_url: str) -> dict[str, Any]:
    forum, info = view.forum, view.info
    tz = info.timezone
    by_day = {d.day: [row.item.session.id for row in d.rows] for d in view.programme.days}
    base = base_url.rstrip("/")
    return {
        "slug": info.slug,
        "title": bilingual_json(info.title),
        "theme": bilingual_json(info.theme),
        "description": bilingual_json(info.description),
        "timezone": tz,
        "first_day": info.first_day.isoformat(),
        "last_day": info.last_day.isoformat(),
        "format": info.format,
        "upcoming": view.upcoming,
        "organizer": {"name": info.organizer_name, "email": info.organizer_email},
        "homepage_url": forum.homepage_url or None,
        "registration": registration_json(view.registration, tz, forum.onsite_registration),
        "in_person": {"capacity": forum.in_person_capacity, "seats_left": view.seats_left},
        "programme_revision": forum.programme_revision,
        "updated_at": utc_iso(info.updated_at),
        "url": info.url,
        "programme_url": base + programme.programme_path(info.slug),
        "api_url": _api_url(base, info.slug),
        "days": [_day_json(day, by_day.get(day, [])) for day in view.days],
        "venues": [
            venue_json(programme.venue_info(v), slug=info.slug, base_url=base) for v in forum.venues
        ],
        "speakers": [
            {
                "id": sp.id,
                "name": {"ko": sp.name_ko, "en": sp.name_en},
                "title": sp.title,
                "affiliation": sp.affiliation,
                "country": sp.country,
                "bio": {"ko": sp.bio_ko, "en": sp.bio_en},
                "url": base + programme.speaker_path(info.slug, sp.id),
            }
            for sp in forum.speakers
        ],
        "streams": [stream_json(s) for s in view.public_streams],
        "sessions": [session_json(view.programme.by_id[s.id], tz=tz) for s in info.sessions],
    }
