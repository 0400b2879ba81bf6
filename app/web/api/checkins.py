"""Check-ins through the API, for scanner apps at the desk: a desk bearer token, JSON in and out.

`POST /api/v1/forums/<slug>/checkins` with `{"code": …}` (a confirmation code or a scanned QR
payload; optional `session_id` for a session's own check-in and `desk` for the desk's name):
201 checked in, 200 already checked in (with the time), 404 unknown code, 409 cancelled or not
admitted (or another forum's code, or the desk closed), 422 a garbled, truncated or forged
payload, 401 a missing or bad token, 403 a token of someone who may not work this desk.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from app.accounts.access import can_work_desk
from app.accounts.users import user_for_api_token
from app.core.bounds import ID_MAX
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.tokens import display_code
from app.desk import checkin, desks
from app.extensions import limiter
from app.web.api import bp
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import add_path, add_schema, add_tag, nullable, obj, ref
from app.web.api.registrations import _json_body


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _problem(status: int, error: str, message: str, **extra: Any):
    response = jsonify({"error": error, "message": message, **extra})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="madang"'
    return response


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def checkin_json(result: checkin.CheckInResult) -> dict[str, Any]:
    registration = result.registration
    zone = registration.forum.timezone
    return {
        "status": "checked_in" if result.first else "already_checked_in",
        "checked_in_at": local_iso(result.at, zone),
        "checked_in_at_utc": utc_iso(result.at),
        "by": result.by,
        "desk": result.desk,
        "session_id": result.session.id if result.session is not None else None,
        "registration": {
            "confirmation_code": display_code(registration.confirmation_code),
            "name": registration.name,
            "affiliation": registration.affiliation,
            "attendance": registration.attendance,
            "source": registration.source,
            # Shown to the desk for the person being checked in only.
            "accessibility_needs": list(registration.accessibility_needs or []),
            "accessibility_other": registration.accessibility_other,
            "sessions": [
                {"id": b.session_id, "status": b.status, "checked_in": b.checked_in_at is not None}
                for b in registration.bookings
                if b.status != "cancelled"
            ],
        },
    }


@bp.post("/forums/<slug>/checkins")
@limiter.limit(api_limit)
def create_checkin(slug: str):
    user = user_for_api_token(_bearer_token())
    if user is None:
        return _problem(401, "unauthorized", _("Send a valid desk token: Authorization: Bearer …"))
    forum = desks.forum_by_slug(slug)
    if forum is None:
        return _problem(404, "not_found", _("There is no such forum."))
    if not can_work_desk(user, forum):
        return _problem(403, "forbidden", _("This token may not check people in at this forum."))
    try:
        body = _json_body()
        errors: dict[str, list[str]] = {}
        code = body.get("code")
        if not isinstance(code, str):
            errors["code"] = [_("Send the confirmation code or the scanned QR payload.")]
        session_id = body.get("session_id")
        if session_id is not None and (
            isinstance(session_id, bool) or not isinstance(session_id, int)
        ):
            errors["session_id"] = [_("This field has the wrong type.")]
        label = body.get("desk", "")
        if not isinstance(label, str):
            errors["desk"] = [_("This field has the wrong type.")]
        if errors:
            raise ValidationFailed(errors)
        session = None
        if session_id is not None:
            if not 0 < session_id <= ID_MAX:
                raise NotFound(_("This session has no check-in of its own at this forum."))
            session = checkin.desk_session(forum, session_id)
        desk = desks.Desk(forum=forum, operator=user, label=label or "API", session=session)
        result = checkin.scan(desk, code, allow_search=False)
    except ValidationFailed as exc:
        return _problem(exc.status, exc.code, exc.message, errors=exc.errors)
    except DomainError as exc:
        extra = {"reason": exc.reason} if getattr(exc, "reason", None) else {}
        return _problem(exc.status, exc.code, exc.message, **extra)
    response = jsonify(checkin_json(result.checked_in))
    response.status_code = 201 if result.checked_in.first else 200
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ the OpenAPI description

_TEXT = {"type": "string"}

add_tag("desk", "The check-in desk on the day of the forum (a desk bearer token).")
add_schema(
    "CheckInRequest",
    {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "maxLength": 200,
                "description": "A confirmation code as typed (ABCD-EFGH, any case) or the "
                "scanned QR payload (MDG1:<code>:<signature>).",
            },
            "session_id": {
                "type": "integer",
                "description": "Check in to this session with seats of its own (a tour, a "
                "site visit) instead of the forum's entrance.",
            },
            "desk": {
                "type": "string",
                "maxLength": 100,
                "description": "The desk's name, recorded with the check-in (default: API).",
            },
        },
        "required": ["code"],
        "additionalProperties": True,
    },
)
add_schema(
    "CheckIn",
    obj(
        {
            "status": {
                "type": "string",
                "enum": ["checked_in", "already_checked_in"],
                "description": "checked_in: this request recorded it (201); "
                "already_checked_in: an earlier one did (200), at the time given.",
            },
            "checked_in_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the person was first checked in, ISO 8601 with the "
                "offset of the forum's time zone.",
            },
            "checked_in_at_utc": {
                "type": "string",
                "format": "date-time",
                "description": "The same instant in UTC, ending in Z.",
            },
            "by": {"type": "string", "description": "Who checked them in ('' for the kiosk)."},
            "desk": {"type": "string", "description": "At which desk (kiosk: the kiosk)."},
            "session_id": nullable({"type": "integer", "description": "The session, if any."}),
            "registration": obj(
                {
                    "confirmation_code": _TEXT,
                    "name": _TEXT,
                    "affiliation": _TEXT,
                    "attendance": {"type": "string", "enum": ["in_person", "online"]},
                    "source": {"type": "string", "enum": ["web", "api", "desk"]},
                    "accessibility_needs": {"type": "array", "items": _TEXT},
                    "accessibility_other": _TEXT,
                    "sessions": {
                        "type": "array",
                        "items": obj(
                            {
                                "id": {"type": "integer"},
                                "status": {
                                    "type": "string",
                                    "enum": ["confirmed", "waitlisted"],
                                },
                                "checked_in": {"type": "boolean"},
                            }
                        ),
                    },
                },
                description="The person being checked in (and no one else): what the desk "
                "shows, accessibility needs included.",
            ),
        },
        description="A check-in at the desk.",
    ),
)
add_schema(
    "CheckInError",
    {
        "type": "object",
        "properties": {
            "error": {
                "type": "string",
                "description": "unauthorized, forbidden, not_found, unknown_code, "
                "registration_cancelled, not_admitted, other_forum, desk_closed, "
                "invalid_input, invalid, unsupported_media_type.",
            },
            "message": _TEXT,
            "reason": {
                "type": "string",
                "description": "For not_admitted: waitlisted, online, not_booked, "
                "session_waitlisted, session_cancelled. For invalid_input (refused before any "
                "look-up): garbage, truncated, forged, malformed_code, empty, code_only.",
            },
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _TEXT},
            },
        },
        "required": ["error", "message"],
        "additionalProperties": False,
    },
)


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref("CheckInError")}},
    }


add_path(
    "/forums/{slug}/checkins",
    {
        "post": {
            "operationId": "createCheckIn",
            "summary": "Check a person in at the desk",
            "description": "For scanner apps at the desk. Send `Authorization: Bearer <token>` "
            "with a token of a desk, organizer or admin account of this forum (`flask users "
            "token`). Two desks scanning the same person at once record one check-in: one "
            "gets 201, the other 200 with the time of the first.",
            "tags": ["desk"],
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "The forum's slug.",
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("CheckInRequest")}},
            },
            "responses": {
                "201": {
                    "description": "Checked in now.",
                    "content": {"application/json": {"schema": ref("CheckIn")}},
                },
                "200": {
                    "description": "Already checked in (the time and operator of the first).",
                    "content": {"application/json": {"schema": ref("CheckIn")}},
                },
                "401": _error("No token, or not a valid one."),
                "403": _error("The token's account may not work this forum's desk."),
                "404": _error("No such forum, session, or no registration with this code."),
                "409": _error(
                    "Not admitted: a cancelled registration, a person only on the waiting "
                    "list or registered online, a code of another forum, or the desk closed."
                ),
                "415": _error("The body is not JSON."),
                "422": _error("A garbled, truncated or forged QR payload, or a wrong field."),
            },
        }
    },
)
