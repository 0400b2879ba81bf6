"""The OpenAPI 3.1 description of the JSON API, served at GET /api/v1/openapi.json.

Built from plain dicts so that other modules can document their own endpoints:

    from app.web.api.openapi import add_path, add_schema
    add_schema("Registration", {...})
    add_path("/forums/{slug}/registrations", {"post": {...}})

Schemas are JSON Schema 2020-12 (OpenAPI 3.1 dialect). Objects list every field and forbid
others, so a test that validates real responses against them catches an undocumented field.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify

from app.models.enums import (
    FORUM_FORMATS,
    SESSION_FORMATS,
    SESSION_KINDS,
    SESSION_STATUSES,
    SPEAKER_ROLES,
    VENUE_KINDS,
)
from app.web.api import bp

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """`schema` or null (JSON Schema 2020-12 style; OpenAPI 3.1 has no `nullable`)."""
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif "$ref" in out:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def obj(properties: dict[str, Schema], *, description: str = "") -> Schema:
    """A closed object: every property required (possibly null), no others allowed."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _s(description: str, **extra: Any) -> Schema:
    return {"type": "string", "description": description, **extra}


def _i(description: str, **extra: Any) -> Schema:
    return {"type": "integer", "description": description, **extra}


def _local_time(what: str) -> Schema:
    return _s(
        f"{what}, ISO 8601 with the offset of the forum's time zone "
        "(e.g. 2018-09-19T10:30:00+09:00).",
        format="date-time",
    )


def _utc_time(what: str) -> Schema:
    return _s(
        f"{what} in UTC, ISO 8601 ending in Z (e.g. 2018-09-19T01:30:00Z).", format="date-time"
    )


_REGISTRATION_PROPS = {
    "state": _s(
        "not_open: pre-registration has not opened yet; open; closed: the deadline passed.",
        enum=["not_open", "open", "closed"],
    ),
    "opens_at": nullable(_local_time("When pre-registration opens; null: open already")),
    "opens_at_utc": nullable(_utc_time("When pre-registration opens")),
    "closes_at": _local_time(
        "The pre-registration deadline (the end of the forum's last day when none is set)"
    ),
    "closes_at_utc": _utc_time("The pre-registration deadline"),
    "onsite": {
        "type": "boolean",
        "description": "Whether people can also register at the desk on the day.",
    },
}

_FORUM_SUMMARY_PROPS: dict[str, Schema] = {
    "slug": _s("The forum's identifier in URLs."),
    "title": ref("Bilingual"),
    "theme": ref("Bilingual"),
    "timezone": _s("IANA time zone of the forum; local times use it.", examples=["Asia/Seoul"]),
    "first_day": _s("First local day of the forum.", format="date"),
    "last_day": _s("Last local day of the forum.", format="date"),
    "format": _s("How the forum is held.", enum=list(FORUM_FORMATS)),
    "upcoming": {
        "type": "boolean",
        "description": "True until the forum's last day is over; false for the archive.",
    },
    "registration": ref("RegistrationWindow"),
    "url": _s("The forum's public web page.", format="uri"),
    "api_url": _s("This forum's detail in the API.", format="uri"),
}

SCHEMAS: dict[str, Schema] = {
    "Bilingual": obj(
        {"ko": _s("Korean text; may be empty."), "en": _s("English text; may be empty.")},
        description="A text in Korean and English. Show the reader's language, falling back "
        "to the other when empty.",
    ),
    "Error": obj(
        {
            "error": _s("Machine-readable error name, e.g. not_found."),
            "message": _s("Human-readable explanation."),
        }
    ),
    "RegistrationWindow": obj(_REGISTRATION_PROPS, description="Pre-registration status."),
    "ForumSummary": obj(_FORUM_SUMMARY_PROPS, description="A published forum in the list."),
    "ForumList": obj(
        {
            "forums": {
                "type": "array",
                "items": ref("ForumSummary"),
                "description": "Upcoming forums by first day, then past forums, latest first.",
            }
        }
    ),
    "Organizer": obj({"name": _s("Organizer's name."), "email": _s("Contact address.")}),
    "InPersonPlaces": obj(
        {
            "capacity": nullable(_i("In-person places for the whole forum; null: no limit.")),
            "seats_left": nullable(_i("In-person places left; null: no limit.", minimum=0)),
        }
    ),
    "Day": obj(
        {
            "date": _s("A local day (the forum's zone).", format="date"),
            "session_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "Sessions starting that day in programme order (blocks "
                "followed by their parts).",
            },
        },
        description="Every forum day, plus any other day with a session (a tour the evening "
        "before).",
    ),
    "Venue": obj(
        {
            "id": _i("Venue id within the API."),
            "name": ref("Bilingual"),
            "kind": _s(
                "hall; studio: a broadcast studio with no audience; offsite: a site visit.",
                enum=list(VENUE_KINDS),
            ),
            "building": _s("Building."),
            "floor": _s("Floor, e.g. 8F."),
            "room": _s("Room."),
            "address": _s("Street address."),
            "seats": nullable(_i("Seats in the room; null: unknown or not applicable.")),
            "accessibility": _s("Accessibility notes (step-free access, hearing loops…)."),
            "map_url": nullable(_s("A map of the venue.", format="uri")),
            "url": _s("The venue's public web page.", format="uri"),
        }
    ),
    "Speaker": obj(
        {
            "id": _i("Speaker id within the API."),
            "name": ref("Bilingual"),
            "title": _s("Position, e.g. Professor."),
            "affiliation": _s("Organisation."),
            "country": _s("Country."),
            "bio": ref("Bilingual"),
            "url": _s("The speaker's public web page.", format="uri"),
        }
    ),
    "Stream": obj(
        {
            "platform": _s("Where the stream plays, e.g. YouTube, TBS, Live Seoul."),
            "url": _s("Address of the stream.", format="uri"),
            "label": _s("A label for the link; may be empty."),
        },
        description="A public livestream link (registrants-only links are never listed).",
    ),
    "SessionSpeaker": obj(
        {
            "speaker_id": _i("The speaker (see the forum's speakers)."),
            "name": ref("Bilingual"),
            "role": _s("The speaker's role in this session.", enum=list(SPEAKER_ROLES)),
            "affiliation": _s("Organisation."),
            "order": _i("Position in the session's list of speakers."),
        }
    ),
    "Session": obj(
        {
            "id": _i("Session id."),
            "title": ref("Bilingual"),
            "description": ref("Bilingual"),
            "kind": _s("What sort of session.", enum=list(SESSION_KINDS)),
            "format": _s("How the session is held.", enum=list(SESSION_FORMATS)),
            "status": _s(
                "scheduled, or cancelled (kept on the programme, marked).",
                enum=list(SESSION_STATUSES),
            ),
            "language": _s("Main language of the session (ko, en…)."),
            "day": _s("Local day the session starts on.", format="date"),
            "starts_at": _local_time("Start"),
            "ends_at": _local_time("End"),
            "starts_at_utc": _utc_time("Start"),
            "ends_at_utc": _utc_time("End"),
            "venue_id": nullable(_i("Where it takes place; null: online only.")),
            "parent_id": nullable(_i("The programme block this session is a part of.")),
            "part_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "For a programme block: its parts on the same day, in order.",
            },
            "seats": nullable(_i("Seats of its own; null: no separate limit.")),
            "seats_left": nullable(_i("Seats left; null when `seats` is null.", minimum=0)),
            "speakers": {
                "type": "array",
                "items": ref("SessionSpeaker"),
                "description": "Speakers with their roles, in order.",
            },
            "streams": {
                "type": "array",
                "items": ref("Stream"),
                "description": "Public livestream links of this session.",
            },
            "revision": _i(
                "Bumped by every change a calendar should see (iCalendar SEQUENCE).", minimum=1
            ),
            "updated_at": _utc_time("Last change"),
            "url": _s("The session's public web page.", format="uri"),
        }
    ),
    "ForumDetail": obj(
        {
            **_FORUM_SUMMARY_PROPS,
            "description": ref("Bilingual"),
            "organizer": ref("Organizer"),
            "homepage_url": nullable(_s("The forum's own website.", format="uri")),
            "in_person": ref("InPersonPlaces"),
            "programme_revision": _i("Bumped by any change to the published programme."),
            "updated_at": _utc_time("Last change to the forum or its programme"),
            "programme_url": _s("The programme's public web page.", format="uri"),
            "days": {"type": "array", "items": ref("Day")},
            "venues": {"type": "array", "items": ref("Venue")},
            "speakers": {"type": "array", "items": ref("Speaker")},
            "streams": {
                "type": "array",
                "items": ref("Stream"),
                "description": "Public forum-wide livestream links.",
            },
            "sessions": {
                "type": "array",
                "items": ref("Session"),
                "description": "Every session by start time, cancelled ones included.",
            },
        },
        description="A published forum with its programme.",
    ),
}


def _json_response(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


RESPONSES: dict[str, Any] = {
    "NotFound": _json_response("No published forum (or item) at this address.", "Error"),
}

PATHS: dict[str, dict[str, Any]] = {
    "/forums": {
        "get": {
            "operationId": "listForums",
            "summary": "Published forums",
            "description": "Upcoming forums first (by first day), then past ones (latest "
            "first). Drafts are never listed.",
            "tags": ["forums"],
            "responses": {"200": _json_response("The forums.", "ForumList")},
        }
    },
    "/forums/{slug}": {
        "get": {
            "operationId": "getForum",
            "summary": "A published forum with its programme",
            "description": "Days, venues, speakers, sessions with speakers and roles, public "
            "stream links, seats. Times are given in the forum's zone and in UTC.",
            "tags": ["forums"],
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "The forum's slug.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _json_response("The forum.", "ForumDetail"),
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "tags": ["meta"],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 description of the API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}

TAGS: list[dict[str, str]] = [
    {"name": "forums", "description": "Published forums and their programmes (read only)."},
    {"name": "meta", "description": "About the API itself."},
]


def add_path(path: str, operations: dict[str, Any]) -> None:
    """Document more operations (merged into any already at `path`)."""
    PATHS.setdefault(path, {}).update(operations)


def add_schema(name: str, schema: Schema) -> None:
    SCHEMAS[name] = schema


def add_tag(name: str, description: str) -> None:
    if all(tag["name"] != name for tag in TAGS):
        TAGS.append({"name": name, "description": description})


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole document, as a fresh dict (callers may change it freely)."""
    return copy.deepcopy(
        {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "Madang API",
                "version": API_VERSION,
                "summary": "Seoul smart-city forums: programmes and registration.",
                "description": "JSON in, JSON out. Errors are JSON objects with `error` and "
                "`message`. Bilingual texts come as {ko, en}; instants come in the forum's "
                "zone (`…_at`) and in UTC (`…_at_utc`).",
                "license": {"name": "MIT", "identifier": "MIT"},
            },
            "servers": [{"url": server_url}],
            "tags": TAGS,
            "paths": PATHS,
            "components": {"schemas": SCHEMAS, "responses": RESPONSES},
        }
    )


@bp.get("/openapi.json")
def openapi():
    base = current_app.config["BASE_URL"].rstrip("/")
    return jsonify(openapi_document(server_url=f"{base}/api/v1"))
