"""Check-ins through the API, for scanner apps at the desk: a desk bearer token, JSON in and out.

`POST /api/v1/forums/<slug>/checkins` with `{"code": …}` (a confirmation code or a scanned QR
payload; optional `session_id` for a session's own check-in and `desk` for the desk's name):
201 checked in, 200 already checked in (with the time), 404 unknown code, 409 cancelled or not
admitted (or another forum's code, or the desk closed), 422 a garbled, truncated or forged
payload, 401 a missing or bad token, 403 a token of someone who may not work this desk.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app.accounts.access import can_work_desk
from app.core.errors import Forbidden, NotFound
from app.core.tokens import display_code
from app.desk import checkin, desks
from app.extensions import limiter
from app.models.enums import PlaceStatus
from app.web.api.auth import bearer_user
from app.web.api.bodies import parse, respond
from app.web.api.forums import local_iso, utc_iso
from app.web.api.openapi import Answer, operation
from app.web.api.schemas.desk import (
    CheckedInPerson,
    CheckedInSession,
    CheckIn,
    CheckInError,
    CheckInRequest,
)


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def checkin_body(result: checkin.CheckInResult) -> CheckIn:
    registration = result.registration
    zone = registration.forum.timezone
    return CheckIn(
        status="checked_in" if result.first else "already_checked_in",
        checked_in_at=local_iso(result.at, zone),
        checked_in_at_utc=utc_iso(result.at),
        by=result.by,
        desk=result.desk,
        session_id=result.session.id if result.session is not None else None,
        registration=CheckedInPerson(
            confirmation_code=display_code(registration.confirmation_code),
            name=registration.name,
            affiliation=registration.affiliation,
            attendance=registration.attendance,
            source=registration.source,
            # Shown to the desk for the person being checked in only.
            accessibility_needs=list(registration.accessibility_needs or []),
            accessibility_other=registration.accessibility_other,
            sessions=[
                CheckedInSession(
                    id=b.session_id, status=b.status, checked_in=b.checked_in_at is not None
                )
                for b in registration.bookings
                if b.status != PlaceStatus.CANCELLED
            ],
        ),
    )


def _refused(description: str) -> Answer:
    return Answer(description, CheckInError)


@operation(
    "/forums/<slug>/checkins",
    "POST",
    operation_id="createCheckIn",
    tag="desk",
    summary="Check a person in at the desk",
    description="For scanner apps at the desk. Send `Authorization: Bearer <token>` with a "
    "token of a desk, organizer or admin account of this forum (`flask users token`). Two "
    "desks scanning the same person at once record one check-in: one gets 201, the other 200 "
    "with the time of the first.",
    body=CheckInRequest,
    bearer=True,
    responses={
        201: Answer("Checked in now.", CheckIn),
        200: Answer("Already checked in (the time and operator of the first).", CheckIn),
        401: _refused("No token, or not a valid one."),
        403: _refused("The token's account may not work this forum's desk."),
        404: _refused("No such forum, session, or no registration with this code."),
        409: _refused(
            "Not admitted: a cancelled registration, a person only on the waiting list or "
            "registered online, a code of another forum, or the desk closed."
        ),
        415: _refused("The body is not JSON."),
        422: _refused("A garbled, truncated or forged QR payload, or a wrong field."),
    },
)
@limiter.limit(api_limit)
def create_checkin(slug: str):
    user = bearer_user()
    forum = desks.forum_by_slug(slug)
    if forum is None:
        raise NotFound(_("There is no such forum."))
    if not can_work_desk(user, forum):
        raise Forbidden(_("This token may not check people in at this forum."))
    request = parse(CheckInRequest)
    session = None
    if request.session_id is not None:
        if not 0 < request.session_id <= checkin.ID_MAX:
            raise NotFound(_("This session has no check-in of its own at this forum."))
        session = checkin.desk_session(forum, request.session_id)
    desk = desks.Desk(forum=forum, operator=user, label=request.desk or "API", session=session)
    result = checkin.scan(desk, request.code, allow_search=False).checked_in
    return respond(checkin_body(result), 201 if result.first else 200, private=True)
