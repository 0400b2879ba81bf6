"""Registrations through the API: JSON bodies only, so no form post can reach it (no CSRF)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from app.core.errors import DomainError, ValidationFailed
from app.core.tokens import display_code
from app.extensions import limiter
from app.models import Registration
from app.places import ledger
from app.privacy import operations as privacy
from app.registration import operations as registrations
from app.security import no_store
from app.web.api import bp
from app.web.input_guard import request_json


def registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _error(exc: DomainError):
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.errors
    return jsonify(body), exc.status


def _json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/422 DomainError."""
    if not request.is_json:
        exc = DomainError(_("Send a JSON body with Content-Type: application/json."))
        exc.status, exc.code = 415, "unsupported_media_type"
        raise exc
    body = request_json()
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_("The body must be a JSON object.")]})
    return body


def _typed(body: dict[str, Any], spec: dict[str, type | tuple[type, ...]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, kind in spec.items():
        if name in body and body[name] is not None and not isinstance(body[name], kind):
            errors[name] = [_("This field has the wrong type.")]
    for name in ("session_ids", "accessibility_needs"):
        value = body.get(name)
        if isinstance(value, list) and not all(
            isinstance(v, int | str) and not isinstance(v, bool) for v in value
        ):
            errors[name] = [_("This field has the wrong type.")]
    return errors


REQUEST_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "email": str,
    "affiliation": str,
    "attendance": str,
    "session_ids": list,
    "locale": str,
    "consent_personal_data": bool,
    "consent_marketing": bool,
    "consent_accessibility": bool,
    "accessibility_needs": list,
    "accessibility_other": str,
}


def registration_json(
    registration: Registration,
    *,
    manage_token: str | None = None,
    calendar_token: str | None = None,
) -> dict[str, Any]:
    base = current_app.config["BASE_URL"]
    place = registrations.forum_place(registration)
    body: dict[str, Any] = {
        "confirmation_code": display_code(registration.confirmation_code),
        "forum": registration.forum.slug,
        "name": registration.name,
        "email": registration.email,
        "affiliation": registration.affiliation,
        "attendance": registration.attendance,
        "locale": registration.locale,
        "status": place.status,
        "waitlist_position": place.waitlist_position,
        "sessions": [
            {
                "id": b.session_id,
                "status": b.status,
                "waitlist_position": ledger.booking_waitlist_position(b),
            }
            for b in registration.bookings
            if b.status != "cancelled"
        ],
    }
    if manage_token:
        body["manage_url"] = f"{base}/manage/{manage_token}"
    if calendar_token:
        body["calendar_url"] = f"{base}/calendar/{calendar_token}.ics"
    return body


@bp.post("/forums/<slug>/registrations")
@limiter.limit(registration_limit)
def create_registration(slug: str):
    try:
        forum = registrations.published_forum(slug)
        body = _json_body()
        type_errors = _typed(body, REQUEST_TYPES)
        if type_errors:
            raise ValidationFailed(type_errors)
        result = registrations.register(
            forum,
            registrations.RegistrationRequest(
                name=body.get("name") or "",
                email=body.get("email") or "",
                affiliation=body.get("affiliation") or "",
                attendance=body.get("attendance") or "",
                session_ids=body.get("session_ids") or [],
                # Absent or null: Korean. Anything else, "" included, must be ko or en.
                locale="ko" if body.get("locale") is None else body["locale"],
                consent_personal_data=body.get("consent_personal_data") is True,
                consent_marketing=body.get("consent_marketing") is True,
                consent_accessibility=body.get("consent_accessibility") is True,
                accessibility_needs=body.get("accessibility_needs") or [],
                accessibility_other=body.get("accessibility_other") or "",
                source="api",
            ),
        )
    except DomainError as exc:
        return _error(exc)
    response = jsonify(
        registration_json(
            result.registration,
            manage_token=result.manage_token,
            calendar_token=result.calendar_token,
        )
    )
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


_private = no_store  # a registration's own data, reached through its secret token


@bp.get("/registrations/<token>")
def get_registration(token: str):
    try:
        registration = registrations.registration_by_token(token)
    except DomainError as exc:
        return _error(exc)
    return _private(jsonify(registration_json(registration)))


@bp.patch("/registrations/<token>")
def patch_registration(token: str):
    try:
        registration = registrations.registration_by_token(token)
        body = _json_body()
        type_errors = _typed(body, {"attendance": str, "session_ids": list})
        unknown = sorted(set(body) - {"attendance", "session_ids"})
        if unknown:
            type_errors.update({name: [_("This field cannot be changed.")] for name in unknown})
        if type_errors:
            raise ValidationFailed(type_errors)
        registrations.update_registration(
            registration,
            attendance=body.get("attendance"),
            session_ids=body.get("session_ids"),
        )
    except DomainError as exc:
        return _error(exc)
    return _private(jsonify(registration_json(registration)))


@bp.delete("/registrations/<token>")
def delete_registration(token: str):
    try:
        registration = registrations.registration_by_token(token)
        registrations.cancel_registration(registration)
    except DomainError as exc:
        return _error(exc)
    return _private(jsonify(registration_json(registration)))


# ------------------------------------------------------------------- the person's own data


@bp.get("/registrations/<token>/export")
def export_registration(token: str):
    """Everything held about this registration (the manage page's "Download my data")."""
    try:
        registration = registrations.registration_by_token(token)
    except DomainError as exc:
        return _error(exc)
    return _private(jsonify(privacy.export_registration(registration)))


@bp.post("/registrations/<token>/erase")
def erase_registration(token: str):
    """Erase the registration: `{"confirm": true}` in a JSON body, as nothing can undo it."""
    try:
        registration = registrations.registration_by_token(token)
        body = _json_body()
        errors = {name: [_("Unknown field.")] for name in sorted(set(body) - {"confirm"})}
        if body.get("confirm") is not True:
            errors["confirm"] = [_('Send "confirm": true to erase the registration for good.')]
        if errors:
            raise ValidationFailed(errors)
        erasure = privacy.erase_registration(registration)
    except DomainError as exc:
        return _error(exc)
    return _private(
        jsonify(
            status="erased",
            erased_at=erasure.erased_at.isoformat().replace("+00:00", "Z"),
            previous_status=erasure.previous_status,
        )
    )


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


# Every API route without a limit of its own (the forums, this document, a registration read,
# changed, exported or erased through its token) counts against API_RATE_LIMIT, per route and
# client address. Routes with their own limit (creating a registration, the organizer and desk
# APIs) keep theirs.
limiter.limit(api_limit)(bp)
