"""Registrations through the API: JSON bodies only, so no form post can reach it (no CSRF)."""

from __future__ import annotations

from flask import current_app

from app.core.tokens import display_code
from app.extensions import limiter
from app.models import Registration as RegistrationRow
from app.models import ServiceRequest
from app.models.enums import PlaceStatus
from app.privacy import operations as privacy
from app.registration import access_requests
from app.registration import operations as registrations
from app.registration.state import attendance_state
from app.web.api import bp
from app.web.api.bodies import parse, respond
from app.web.api.openapi import Answer, operation
from app.web.api.schemas.registrations import (
    EraseRequest,
    PersonalDataExport,
    RegisteredServiceRequest,
    Registration,
    RegistrationChange,
    RegistrationCreated,
    RegistrationErased,
    RegistrationPlace,
    RegistrationRequest,
)

UNKNOWN_TOKEN = Answer("No registration behind this token (mistyped, replaced or erased).")
PRIVATE = " Sent with Cache-Control: no-store."


def registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def registration_fields(
    registration: RegistrationRow, service_requests: list[ServiceRequest] | None = None
) -> dict:
    """The registration's fields; `service_requests` when the caller knows them already."""
    place = attendance_state(registration)
    if service_requests is None:
        service_requests = access_requests.requests_of(registration)
    return {
        "confirmation_code": display_code(registration.confirmation_code),
        "forum": registration.forum.slug,
        "name": registration.name,
        "email": registration.email,
        "affiliation": registration.affiliation,
        "attendance": registration.attendance,
        "locale": registration.locale,
        "category": registration.category,
        "status": place.status,
        "waitlist_position": place.waitlist_position,
        "sessions": [
            RegistrationPlace(
                id=b.session_id,
                status=b.status,
                waitlist_position=place.position_in(b.session_id),
            )
            for b in registration.bookings
            if b.status != PlaceStatus.CANCELLED
        ],
        "listening_language": registration.listening_language,
        "needs_receiver": bool(registration.needs_receiver),
        "service_requests": [
            RegisteredServiceRequest(
                session_id=r.session_id, kind=r.kind, language=r.language, status=r.status
            )
            for r in service_requests
        ],
    }


def registration_body(registration: RegistrationRow) -> Registration:
    return Registration(**registration_fields(registration))


@operation(
    "/forums/<slug>/registrations",
    "POST",
    operation_id="createRegistration",
    tag="registrations",
    summary="Pre-register for a forum",
    description="Takes an in-person place (if limited) and a seat in each chosen session, or a "
    "waitlist place. A repeated address answers 409 without saying anything about the existing "
    "registration and mails its manage link to it.",
    body=RegistrationRequest,
    responses={
        201: Answer("Registered." + PRIVATE, RegistrationCreated),
        404: Answer("No published forum has this slug."),
        409: Answer(
            "Pre-registration is not open, or the address is registered already "
            "(`registration_closed`, `already_registered`)."
        ),
    },
)
@limiter.limit(registration_limit)
def create_registration(slug: str):
    forum = registrations.published_forum(slug)
    request = parse(RegistrationRequest)
    result = registrations.register(forum, request.for_service(source="api"))
    base = current_app.config["BASE_URL"]
    body = RegistrationCreated(
        **registration_fields(result.registration, result.service_requests),
        manage_url=f"{base}/manage/{result.manage_token}",
        calendar_url=f"{base}/calendar/{result.calendar_token}.ics",
    )
    return respond(body, 201, private=True)


@operation(
    "/registrations/<token>",
    "GET",
    operation_id="getRegistration",
    tag="registrations",
    summary="A registration, through its manage token",
    responses={200: Answer("The registration." + PRIVATE, Registration), 404: UNKNOWN_TOKEN},
)
def get_registration(token: str):
    registration = registrations.registration_by_token(token)
    return respond(registration_body(registration), private=True)


@operation(
    "/registrations/<token>",
    "PATCH",
    operation_id="changeRegistration",
    tag="registrations",
    summary="Switch attendance, add or drop sessions, change languages and requests",
    description="Under the same rules as registering; freed seats go to the first person "
    "waiting. After the registration window, places and requests can be given up but not "
    "taken (409 `registration_closed`, nothing changed).",
    body=RegistrationChange,
    responses={
        200: Answer("The changed registration." + PRIVATE, Registration),
        404: UNKNOWN_TOKEN,
        409: Answer("The registration is cancelled, or asks for something new after the window."),
    },
)
def patch_registration(token: str):
    registration = registrations.registration_by_token(token)
    change = parse(RegistrationChange)
    registrations.update_registration(
        registration,
        attendance=change.attendance,
        session_ids=change.session_ids,
        languages=change.languages(),
        consent_accessibility=change.consent_accessibility,
    )
    return respond(registration_body(registration), private=True)


@operation(
    "/registrations/<token>",
    "DELETE",
    operation_id="cancelRegistration",
    tag="registrations",
    summary="Cancel the registration",
    description="Every place goes to the first person waiting for it. The data is kept (see "
    "erase).",
    responses={
        200: Answer("The cancelled registration." + PRIVATE, Registration),
        404: UNKNOWN_TOKEN,
        409: Answer("Cancelled already."),
    },
)
def delete_registration(token: str):
    registration = registrations.registration_by_token(token)
    registrations.cancel_registration(registration)
    return respond(registration_body(registration), private=True)


# ------------------------------------------------------------------- the person's own data


@operation(
    "/registrations/<token>/export",
    "GET",
    operation_id="exportRegistration",
    tag="registrations",
    summary="Download my data",
    description="Everything held about this registration: what was given, each consent with "
    "its time, places, check-ins, messages, organizer actions and when the data will be "
    "anonymised.",
    responses={200: Answer("The data." + PRIVATE, PersonalDataExport), 404: UNKNOWN_TOKEN},
)
def export_registration(token: str):
    registration = registrations.registration_by_token(token)
    export = PersonalDataExport.model_validate(privacy.export_registration(registration))
    return respond(export, private=True)


@operation(
    "/registrations/<token>/erase",
    "POST",
    operation_id="eraseRegistration",
    tag="registrations",
    summary="Erase my registration",
    description="Cancels every place (the first people waiting get them), replaces the "
    "personal data with placeholders, ends the manage link and the calendar feed, and drops "
    'unsent mail. Cannot be undone: the body must say `{"confirm": true}`. Afterwards the '
    "token answers 404.",
    body=EraseRequest,
    responses={
        200: Answer("Erased." + PRIVATE, RegistrationErased),
        404: UNKNOWN_TOKEN,
        409: Answer("Erased a moment ago by another request."),
    },
)
def erase_registration(token: str):
    registration = registrations.registration_by_token(token)
    parse(EraseRequest)
    erasure = privacy.erase_registration(registration)
    body = RegistrationErased(
        status="erased",
        erased_at=erasure.erased_at.isoformat().replace("+00:00", "Z"),
        previous_status=erasure.previous_status,
    )
    return respond(body, private=True)


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


# Every API route without a limit of its own (the forums, this document, a registration read,
# changed, exported or erased through its token) counts against API_RATE_LIMIT, per route and
# client address. Routes with their own limit (creating a registration, the organizer and desk
# APIs) keep theirs.
limiter.limit(api_limit)(bp)
