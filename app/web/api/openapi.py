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
    ACCESSIBILITY_NEEDS,
    ATTENDANCE_MODES,
    FORUM_FORMATS,
    LOCALES,
    PLACE_STATUSES,
    REGISTRATION_SOURCES,
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


SLUG_PARAMETER: dict[str, Any] = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The forum's slug: lower-case letters and digits in words joined by hyphens.",
    "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100},
}

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
            "parameters": [SLUG_PARAMETER],
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
    {
        "name": "registrations",
        "description": "Pre-registration, and a registration reached through its manage token: "
        "read, change, cancel, export (download my data) and erase.",
    },
    {"name": "meta", "description": "About the API itself."},
]


# ---------------------------------------------------------------------------- registrations

_NAME_LIMIT, _TEXT_LIMIT, _OTHER_LIMIT = 200, 200, 500

_PLACE_STATUS = _s(
    "confirmed; waitlisted (see waitlist_position); cancelled.", enum=list(PLACE_STATUSES)
)
_WAITLIST_POSITION = nullable(
    _i("Rank among those still waiting (1 is next); null unless waitlisted.", minimum=1)
)

_REGISTRATION_OUT: dict[str, Schema] = {
    "confirmation_code": _s("ABCD-EFGH: easy to read aloud (no 0/O, 1/I)."),
    "forum": _s("The forum's slug."),
    "name": _s("Full name, as typed."),
    "email": _s("Email address."),
    "affiliation": _s("Organisation; may be empty."),
    "attendance": _s("How the person attends.", enum=list(ATTENDANCE_MODES)),
    "locale": _s("Language of the emails.", enum=list(LOCALES)),
    "status": _PLACE_STATUS,
    "waitlist_position": _WAITLIST_POSITION,
    "sessions": {"type": "array", "items": ref("RegistrationPlace")},
}


SCHEMAS.update(
    {
        "ValidationError": obj(
            {
                "error": _s("Always `invalid`.", enum=["invalid"]),
                "message": _s("Human-readable summary."),
                "errors": {
                    "type": "object",
                    "description": "Messages for each invalid field, by field name (`body` "
                    "when the body is not a JSON object).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            description="422: invalid fields; nothing was written.",
        ),
        "RegistrationRequest": {
            "type": "object",
            "description": "A pre-registration. Other fields are ignored; null in an optional "
            "field means the same as leaving it out. Names and texts may be Korean, Latin or "
            "emoji; line breaks and control characters are refused.",
            "properties": {
                "name": _s(
                    "Full name: not blank; no line breaks or control characters.",
                    minLength=1,
                    maxLength=_NAME_LIMIT,
                    pattern="^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$",
                ),
                "email": _s(
                    "Email address; one registration per address and forum.",
                    format="email",
                    maxLength=254,
                ),
                "affiliation": nullable(_s("Organisation (optional).", maxLength=_TEXT_LIMIT)),
                "attendance": _s(
                    "How the person attends; the forum's format decides which are offered.",
                    enum=list(ATTENDANCE_MODES),
                ),
                "session_ids": {
                    "type": ["array", "null"],
                    "items": {"type": "integer"},
                    "description": "Sessions with seats of their own to book (scheduled, of "
                    "this forum, not overlapping).",
                },
                "locale": {
                    "type": ["string", "null"],
                    "enum": [*LOCALES, None],
                    "description": "Language of the emails (absent or null: ko).",
                },
                "consent_personal_data": {
                    "type": "boolean",
                    "const": True,
                    "description": "Consent to the collection and use of personal data; "
                    "must be true.",
                },
                "consent_marketing": {
                    "type": ["boolean", "null"],
                    "description": "Optional: hear about future forums.",
                },
                "consent_accessibility": {
                    "type": ["boolean", "null"],
                    "description": "Optional, separate consent: required to record "
                    "accessibility needs (sensitive data).",
                },
                "accessibility_needs": {
                    "type": ["array", "null"],
                    "items": {"type": "string", "enum": list(ACCESSIBILITY_NEEDS)},
                },
                "accessibility_other": nullable(
                    _s("Other needs, free text.", maxLength=_OTHER_LIMIT)
                ),
            },
            "required": ["name", "email", "attendance", "consent_personal_data"],
        },
        "RegistrationChange": {
            "type": "object",
            "description": "What a registration may change; any other field is refused. "
            "A field left out (or null) stays as it is.",
            "properties": {
                "attendance": {
                    "type": ["string", "null"],
                    "enum": [*ATTENDANCE_MODES, None],
                    "description": "Switch attendance.",
                },
                "session_ids": {
                    "type": ["array", "null"],
                    "items": {"type": "integer"},
                    "description": "The full new list of sessions with seats of their own.",
                },
            },
            "additionalProperties": False,
        },
        "RegistrationPlace": obj(
            {
                "id": _i("The session."),
                "status": _PLACE_STATUS,
                "waitlist_position": _WAITLIST_POSITION,
            },
            description="A place in one session with seats of its own.",
        ),
        "Registration": obj(
            _REGISTRATION_OUT,
            description="A registration as its holder sees it.",
        ),
        "RegistrationCreated": obj(
            {
                **_REGISTRATION_OUT,
                "manage_url": _s(
                    "The secret manage link (shown once; keep it private).", format="uri"
                ),
                "calendar_url": _s("The secret personal calendar feed.", format="uri"),
            },
        ),
        "RegistrationErased": obj(
            {
                "status": _s("Always `erased`.", enum=["erased"]),
                "erased_at": _utc_time("When it was erased"),
                "previous_status": _PLACE_STATUS,
            },
            description="The registration is erased: its places went to the people waiting, "
            "its personal data was replaced with placeholders, its links stopped working.",
        ),
    }
)

_BILINGUAL_TEXT = ref("Bilingual")
_CONSENT = obj(
    {
        "given": {"type": "boolean"},
        "at": nullable(_utc_time("When it was given")),
    }
)

SCHEMAS["PersonalDataExport"] = obj(
    {
        "format": _s("Format and version of this export.", enum=["madang-personal-data/1"]),
        "generated_at": _utc_time("When this export was made"),
        "forum": obj(
            {
                "slug": _s("The forum."),
                "title": _BILINGUAL_TEXT,
                "first_day": _s("First day.", format="date"),
                "last_day": _s("Last day.", format="date"),
                "organizer": ref("Organizer"),
            }
        ),
        "registration": obj(
            {
                "confirmation_code": _s("The confirmation code."),
                "name": _s("Full name."),
                "email": _s("Email address."),
                "affiliation": _s("Organisation; may be empty."),
                "attendance": _s("How the person attends.", enum=list(ATTENDANCE_MODES)),
                "locale": _s("Language of the emails.", enum=list(LOCALES)),
                "source": _s("Where it was made.", enum=list(REGISTRATION_SOURCES)),
                "status": _PLACE_STATUS,
                "waitlist_position": _WAITLIST_POSITION,
                "registered_at": _utc_time("Registered"),
                "updated_at": _utc_time("Last change"),
                "cancelled_at": nullable(_utc_time("Cancelled")),
                "checked_in_at": nullable(_utc_time("First check-in at the door")),
                "over_capacity_reason": _s("Why an organizer admitted beyond capacity."),
                "anonymised_at": nullable(_utc_time("When the personal data was removed")),
            }
        ),
        "consents": obj(
            {
                "version": _s("Version of the consent text accepted."),
                "personal_data": _CONSENT,
                "marketing": _CONSENT,
                "accessibility": _CONSENT,
            },
            description="Each consent separately, with when it was given.",
        ),
        "accessibility": obj(
            {
                "needs": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(ACCESSIBILITY_NEEDS)},
                },
                "other": _s("Other needs, free text."),
            }
        ),
        "sessions": {
            "type": "array",
            "items": obj(
                {
                    "id": _i("The session."),
                    "title": _BILINGUAL_TEXT,
                    "starts_at": _utc_time("Start"),
                    "status": _PLACE_STATUS,
                    "waitlist_position": _WAITLIST_POSITION,
                    "checked_in_at": nullable(_utc_time("Check-in to the session")),
                }
            ),
            "description": "Every place held or once held.",
        },
        "check_ins": {
            "type": "array",
            "items": obj(
                {
                    "at": _utc_time("When"),
                    "direction": _s("In or out.", enum=["in", "out"]),
                    "session_id": nullable(_i("A session's own door; null: the forum's.")),
                    "desk": _s("The desk's name."),
                }
            ),
        },
        "messages": {
            "type": "array",
            "items": obj(
                {
                    "kind": _s("What the message was about."),
                    "status": _s("Delivery status.", enum=["pending", "sent", "dead"]),
                    "queued_at": _utc_time("Queued"),
                    "sent_at": nullable(_utc_time("Sent")),
                }
            ),
            "description": "Emails queued for this registration.",
        },
        "organizer_actions": {
            "type": "array",
            "items": obj({"action": _s("What was done."), "at": _utc_time("When")}),
            "description": "What organizers and the desk did with this registration.",
        },
        "retention": obj(
            {
                "days_after_the_forum": _i("How long the data is kept.", minimum=0),
                "personal_data_kept_until": _utc_time("When the data is anonymised"),
            }
        ),
    },
    description="Everything held about one registration (download my data).",
)


def _error_response(description: str, schema: str = "Error") -> dict[str, Any]:
    return _json_response(description, schema)


RESPONSES.update(
    {
        "Unsupported": _error_response("The body is not JSON (Content-Type: application/json)."),
        "Invalid": _error_response("Invalid fields; nothing was written.", "ValidationError"),
        "TooManyRequests": _error_response("Rate-limited: wait and try again."),
        "BadRequest": _error_response(
            "A JSON body nested deeper than 32 levels (`bad_json`), or a query string holding a"
            " NUL byte (`bad_request`); nothing was written."
        ),
        "UnknownToken": _error_response(
            "No registration behind this token (mistyped, replaced or erased)."
        ),
    }
)

_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The secret manage token from the manage link (URL-safe base64).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"},
}


def _ref_response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _private_ok(description: str, schema: str) -> dict[str, Any]:
    return _json_response(description + " Sent with Cache-Control: no-store.", schema)


PATHS.update(
    {
        "/forums/{slug}/registrations": {
            "post": {
                "operationId": "createRegistration",
                "summary": "Pre-register for a forum",
                "description": "Takes an in-person place (if limited) and a seat in each chosen "
                "session, or a waitlist place. A repeated address answers 409 without saying "
                "anything about the existing registration and mails its manage link to it.",
                "tags": ["registrations"],
                "parameters": [SLUG_PARAMETER],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("RegistrationRequest")}},
                },
                "responses": {
                    "201": _private_ok("Registered.", "RegistrationCreated"),
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": _error_response(
                        "Pre-registration is not open, or the address is registered already "
                        "(`registration_closed`, `already_registered`)."
                    ),
                    "415": _ref_response("Unsupported"),
                    "422": _ref_response("Invalid"),
                    "429": _ref_response("TooManyRequests"),
                },
            }
        },
        "/registrations/{token}": {
            "parameters": [_TOKEN],
            "get": {
                "operationId": "getRegistration",
                "summary": "A registration, through its manage token",
                "tags": ["registrations"],
                "responses": {
                    "200": _private_ok("The registration.", "Registration"),
                    "404": _ref_response("UnknownToken"),
                    "429": _ref_response("TooManyRequests"),
                },
            },
            "patch": {
                "operationId": "changeRegistration",
                "summary": "Switch attendance, add or drop sessions",
                "description": "Under the same rules as registering; freed seats go to the "
                "first person waiting.",
                "tags": ["registrations"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("RegistrationChange")}},
                },
                "responses": {
                    "200": _private_ok("The changed registration.", "Registration"),
                    "404": _ref_response("UnknownToken"),
                    "409": _error_response("The registration is cancelled."),
                    "415": _ref_response("Unsupported"),
                    "422": _ref_response("Invalid"),
                    "429": _ref_response("TooManyRequests"),
                },
            },
            "delete": {
                "operationId": "cancelRegistration",
                "summary": "Cancel the registration",
                "description": "Every place goes to the first person waiting for it. The data "
                "is kept (see erase).",
                "tags": ["registrations"],
                "responses": {
                    "200": _private_ok("The cancelled registration.", "Registration"),
                    "404": _ref_response("UnknownToken"),
                    "409": _error_response("Cancelled already."),
                    "429": _ref_response("TooManyRequests"),
                },
            },
        },
        "/registrations/{token}/export": {
            "parameters": [_TOKEN],
            "get": {
                "operationId": "exportRegistration",
                "summary": "Download my data",
                "description": "Everything held about this registration: what was given, each "
                "consent with its time, places, check-ins, messages, organizer actions and "
                "when the data will be anonymised.",
                "tags": ["registrations"],
                "responses": {
                    "200": _private_ok("The data.", "PersonalDataExport"),
                    "404": _ref_response("UnknownToken"),
                    "429": _ref_response("TooManyRequests"),
                },
            },
        },
        "/registrations/{token}/erase": {
            "parameters": [_TOKEN],
            "post": {
                "operationId": "eraseRegistration",
                "summary": "Erase my registration",
                "description": "Cancels every place (the first people waiting get them), "
                "replaces the personal data with placeholders, ends the manage link and the "
                "calendar feed, and drops unsent mail. Cannot be undone: the body must say "
                '`{"confirm": true}`. Afterwards the token answers 404.',
                "tags": ["registrations"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"confirm": {"type": "boolean", "const": True}},
                                "required": ["confirm"],
                                "additionalProperties": False,
                            }
                        }
                    },
                },
                "responses": {
                    "200": _private_ok("Erased.", "RegistrationErased"),
                    "404": _ref_response("UnknownToken"),
                    "409": _error_response("Erased a moment ago by another request."),
                    "415": _ref_response("Unsupported"),
                    "422": _ref_response("Invalid"),
                    "429": _ref_response("TooManyRequests"),
                },
            },
        },
    }
)


def add_path(path: str, operations: dict[str, Any]) -> None:
    """Document more operations (merged into any already at `path`)."""
    PATHS.setdefault(path, {}).update(operations)


def add_schema(name: str, schema: Schema) -> None:
    SCHEMAS[name] = schema


def add_tag(name: str, description: str) -> None:
    if all(tag["name"] != name for tag in TAGS):
        TAGS.append({"name": name, "description": description})


def _with_rate_limits(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every API route is rate-limited (API_RATE_LIMIT unless it has a limit of its own), so
    every operation may answer 429; and 400 for input no database holds (app/web/input_guard)."""
    for operations in paths.values():
        for method, operation in operations.items():
            if method in ("get", "put", "post", "patch", "delete") and "responses" in operation:
                operation["responses"].setdefault("429", _ref_response("TooManyRequests"))
                operation["responses"].setdefault("400", _ref_response("BadRequest"))
    return paths


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole document, as a fresh dict (callers may change it freely)."""
    document = copy.deepcopy(
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
    _with_rate_limits(document["paths"])
    return document


@bp.get("/openapi.json")
def openapi():
    base = current_app.config["BASE_URL"].rstrip("/")
    return jsonify(openapi_document(server_url=f"{base}/api/v1"))
