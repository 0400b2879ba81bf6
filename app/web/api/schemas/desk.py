"""Check-ins at the desk (a desk bearer token), for scanner apps."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field, StrictInt, StrictStr

from app.models.enums import ATTENDANCE_MODES, REGISTRATION_SOURCES
from app.web.api.schemas.base import (
    LocalTime,
    RequestModel,
    ResponseModel,
    UtcTime,
    absent_unless,
    one_of,
)


class CheckInRequest(RequestModel):
    field_messages: ClassVar[dict[str, Any]] = {
        "code": _l("Send the confirmation code or the scanned QR payload.")
    }

    code: StrictStr = Field(
        description="A confirmation code as typed (ABCD-EFGH, any case) or the scanned QR "
        "payload (MDG1:<code>:<signature>).",
        json_schema_extra={"maxLength": 200},
    )
    session_id: StrictInt | None = Field(
        None,
        description="Check in to this session with seats of its own (a tour, a site visit) "
        "instead of the forum's entrance.",
    )
    desk: StrictStr = Field(
        "",
        description="The desk's name, recorded with the check-in (default: API).",
        json_schema_extra={"maxLength": 100},
    )


class CheckedInSession(ResponseModel):
    id: int
    status: Literal["confirmed", "waitlisted"]
    checked_in: bool


class CheckedInPerson(ResponseModel):
    """The person being checked in (and no one else): what the desk shows, accessibility
    needs included."""

    confirmation_code: str
    name: str
    affiliation: str
    attendance: one_of(ATTENDANCE_MODES)
    source: one_of(REGISTRATION_SOURCES)
    accessibility_needs: list[str]
    accessibility_other: str
    sessions: list[CheckedInSession]


class CheckIn(ResponseModel):
    """A check-in at the desk."""

    status: Literal["checked_in", "already_checked_in"] = Field(
        description="checked_in: this request recorded it (201); already_checked_in: an "
        "earlier one did (200), at the time given."
    )
    checked_in_at: LocalTime = Field(description="When the person was first checked in.")
    checked_in_at_utc: UtcTime
    by: str = Field(description="Who checked them in ('' for the kiosk).")
    desk: str = Field(description="At which desk.")
    session_id: int | None = Field(description="The session, if any.")
    registration: CheckedInPerson


class CheckInError(ResponseModel):
    error: str = Field(
        description="unauthorized, forbidden, not_found, unknown_code, registration_cancelled, "
        "not_admitted, other_forum, desk_closed, invalid_input, invalid, "
        "unsupported_media_type."
    )
    message: str
    reason: str = absent_unless(
        "For not_admitted: waitlisted, online, not_booked, session_waitlisted, "
        "session_cancelled. For invalid_input (refused before any look-up): garbage, "
        "truncated, forged, malformed_code, empty, code_only."
    )
    errors: dict[str, list[str]] = absent_unless("For invalid: messages by field.")
