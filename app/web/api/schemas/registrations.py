"""Pre-registration, and a registration reached through its manage token."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import ConfigDict, Field, StrictBool, StrictInt, StrictStr

from app.models.enums import (
    ACCESSIBILITY_NEEDS,
    ATTENDANCE_MODES,
    ATTENDEE_CATEGORIES,
    COMMENT_STATUSES,
    LOCALES,
    OUTBOX_STATUSES,
    PLACE_STATUSES,
    QUESTION_STATUSES,
    REGISTRATION_SOURCES,
    REQUEST_STATUSES,
    SERVICE_KINDS,
)
from app.privacy.operations import EXPORT_FORMAT
from app.registration import access_requests
from app.registration import operations as registrations
from app.web.api.schemas.base import (
    Bilingual,
    Day,
    RequestModel,
    ResponseModel,
    Url,
    UtcTime,
    documented,
    one_of,
)
from app.web.api.schemas.forums import Organizer

# ------------------------------------------------------------------------------ requests

# Ids come as numbers (the HTML form sends their digits, which the service also takes).
SessionId = documented(StrictInt | StrictStr, {"type": "integer"})
AccessibilityNeed = documented(
    StrictInt | StrictStr, {"type": "string", "enum": list(ACCESSIBILITY_NEEDS)}
)
_ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
LanguageCode = documented(
    StrictStr | None,
    {"type": ["string", "null"], "pattern": "^([a-z]{2,3})?$", "description": "ISO 639"},
)


class ServiceRequestItem(RequestModel):
    """An access service asked for in one of the person's sessions."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId | None = Field(
        None, description="A session the person chose, or a forum-wide one they attend."
    )
    kind: documented(
        StrictStr | None,
        {"anyOf": [{"type": "string", "enum": list(SERVICE_KINDS)}, {"type": "null"}]},
    ) = Field(None, description="The service asked for (required).")
    language: LanguageCode = Field(
        None,
        description="ISO 639 code: required for interpretation (into), captions and a "
        "transcript; empty or absent for ksl and international_sign. Interpretation into the "
        "session's own floor language is refused; anything else may be asked for, offered or "
        "not yet.",
    )

    def as_dict(self) -> dict:
        return {"session_id": self.session_id, "kind": self.kind, "language": self.language}


class LanguageBody(RequestModel):
    """The listening language, the receiver and the requests: the same when registering and
    when changing."""

    listening_language: LanguageCode = Field(
        None,
        description="The language the person listens in: empty for the floor's, or one their "
        "sessions are spoken in or interpreted into.",
    )
    needs_receiver: StrictBool | None = Field(
        None,
        description="An interpretation receiver in the hall: in-person attendance only, and a "
        "listening language that is interpreted (not spoken on the floor).",
    )
    service_requests: list[ServiceRequestItem] | None = Field(
        None,
        description="Access services asked for (needs consent_accessibility). Refused after "
        "the registration window (409).",
        json_schema_extra={"maxItems": access_requests.REQUESTS_MAX},
    )

    def requests_list(self) -> list[dict] | None:
        if self.service_requests is None:
            return None
        return [item.as_dict() for item in self.service_requests]


class RegistrationRequest(LanguageBody):
    """A pre-registration. Other fields are ignored; null in an optional field means the same
    as leaving it out. Names and texts may be Korean, Latin or emoji; line breaks and control
    characters are refused."""

    documented_required = ("name", "email", "attendance", "consent_personal_data")

    name: StrictStr | None = Field(
        None,
        description="Full name: not blank; no line breaks or control characters.",
        json_schema_extra={
            "minLength": 1,
            "maxLength": registrations.NAME_MAX,
            "pattern": _ONE_LINE,
        },
    )
    email: StrictStr | None = Field(
        None,
        description="Email address; one registration per address and forum.",
        json_schema_extra={"format": "email", "maxLength": 254},
    )
    affiliation: StrictStr | None = Field(
        None,
        description="Organisation (optional).",
        json_schema_extra={"maxLength": registrations.AFFILIATION_MAX},
    )
    attendance: documented(StrictStr | None, {"type": "string", "enum": list(ATTENDANCE_MODES)}) = (
        Field(None, description="How the person attends; the forum's format decides which.")
    )
    session_ids: list[SessionId] | None = Field(
        None,
        description="Sessions with seats of their own to book (scheduled, of this forum, not "
        "overlapping).",
    )
    locale: documented(StrictStr | None, {"type": ["string", "null"], "enum": [*LOCALES, None]}) = (
        Field(None, description="Language of the emails (absent or null: ko).")
    )
    consent_personal_data: documented(StrictBool | None, {"type": "boolean", "const": True}) = (
        Field(
            None,
            description="Consent to the collection and use of personal data; must be true.",
        )
    )
    consent_marketing: StrictBool | None = Field(
        None, description="Optional: hear about future forums."
    )
    consent_accessibility: StrictBool | None = Field(
        None,
        description="Optional, separate consent: required to record accessibility needs "
        "(sensitive data).",
    )
    accessibility_needs: list[AccessibilityNeed] | None = None
    accessibility_other: StrictStr | None = Field(
        None,
        description="Other needs, free text.",
        json_schema_extra={"maxLength": registrations.OTHER_NEEDS_MAX},
    )

    def for_service(self, *, source: str) -> registrations.RegistrationRequest:
        return registrations.RegistrationRequest(
            name=self.name or "",
            email=self.email or "",
            affiliation=self.affiliation or "",
            attendance=self.attendance or "",
            session_ids=list(self.session_ids or []),
            # Absent or null: Korean. Anything else, "" included, must be ko or en.
            locale="ko" if self.locale is None else self.locale,
            consent_personal_data=self.consent_personal_data is True,
            consent_marketing=self.consent_marketing is True,
            consent_accessibility=self.consent_accessibility is True,
            accessibility_needs=list(self.accessibility_needs or []),
            accessibility_other=self.accessibility_other or "",
            listening_language=self.listening_language or "",
            needs_receiver=self.needs_receiver is True,
            service_requests=self.requests_list() or [],
            source=source,
        )


class RegistrationChange(LanguageBody):
    """What a registration may change; any other field is refused. A field left out (or
    null) stays as it is."""

    model_config = ConfigDict(extra="forbid")
    unknown_field_message: ClassVar[Any] = _l("This field cannot be changed.")

    attendance: documented(
        StrictStr | None, {"type": ["string", "null"], "enum": [*ATTENDANCE_MODES, None]}
    ) = Field(None, description="Switch attendance.")
    session_ids: list[SessionId] | None = Field(
        None, description="The full new list of sessions with seats of their own."
    )
    consent_accessibility: StrictBool | None = Field(
        None,
        description="true gives the separate consent for accessibility needs now (needed to "
        "ask for a service).",
    )

    def languages(self) -> access_requests.LanguageChoice:
        return access_requests.LanguageChoice(
            self.listening_language, self.needs_receiver, self.requests_list()
        )


class EraseRequest(RequestModel):
    """Erasing cannot be undone: the body must say so."""

    model_config = ConfigDict(extra="forbid")
    field_messages: ClassVar[dict[str, Any]] = {
        "confirm": _l('Send "confirm": true to erase the registration for good.')
    }

    confirm: Literal[True]


# ----------------------------------------------------------------------------- responses

PlaceStatus = one_of(PLACE_STATUSES)
WaitlistPosition = Field(
    description="Rank among those still waiting (1 is next); null unless waitlisted.", ge=1
)


class RegistrationPlace(ResponseModel):
    """A place in one session with seats of its own."""

    id: int = Field(description="The session.")
    status: PlaceStatus
    waitlist_position: int | None = WaitlistPosition


class RegisteredServiceRequest(ResponseModel):
    """An access service the person asked for, and the organizers' answer."""

    session_id: int
    kind: one_of(SERVICE_KINDS)
    language: str = Field(description="ISO 639 code; empty for the sign-language kinds.")
    status: one_of(REQUEST_STATUSES) = Field(description="open, confirmed or declined.")


class Registration(ResponseModel):
    """A registration as its holder sees it."""

    confirmation_code: str = Field(description="ABCD-EFGH: easy to read aloud (no 0/O, 1/I).")
    forum: str = Field(description="The forum's slug.")
    name: str = Field(description="Full name, as typed.")
    email: str
    affiliation: str = Field(description="Organisation; may be empty.")
    attendance: one_of(ATTENDANCE_MODES)
    locale: one_of(LOCALES) = Field(description="Language of the emails.")
    category: one_of(ATTENDEE_CATEGORIES) = Field(
        description="general for everyone registering themselves; speaker, guest, press or "
        "staff when an organizer registered them."
    )
    status: PlaceStatus = Field(
        description="The forum place: confirmed; waitlisted (see waitlist_position); cancelled."
    )
    waitlist_position: int | None = WaitlistPosition
    sessions: list[RegistrationPlace]
    listening_language: str = Field(description="ISO 639 code; empty: the floor's language.")
    needs_receiver: bool = Field(description="An interpretation receiver in the hall.")
    service_requests: list[RegisteredServiceRequest]


class RegistrationCreated(Registration):
    manage_url: Url = Field(description="The secret manage link (shown once; keep it private).")
    calendar_url: Url = Field(description="The secret personal calendar feed.")


class RegistrationErased(ResponseModel):
    """The registration is erased: its places went to the people waiting, its personal data
    was replaced with placeholders, its links stopped working."""

    status: Literal["erased"]
    erased_at: UtcTime
    previous_status: PlaceStatus


# ------------------------------------------------------------------------ download my data


class Consent(ResponseModel):
    given: bool
    at: UtcTime | None = Field(description="When it was given.")


class ExportedForum(ResponseModel):
    slug: str
    title: Bilingual
    first_day: Day
    last_day: Day
    organizer: Organizer


class ExportedRegistration(ResponseModel):
    confirmation_code: str
    name: str
    email: str
    affiliation: str
    attendance: one_of(ATTENDANCE_MODES)
    locale: one_of(LOCALES)
    source: one_of(REGISTRATION_SOURCES) = Field(description="Where it was made.")
    status: PlaceStatus
    waitlist_position: int | None = WaitlistPosition
    registered_at: UtcTime
    updated_at: UtcTime
    cancelled_at: UtcTime | None
    checked_in_at: UtcTime | None = Field(description="First check-in at the door.")
    over_capacity_reason: str = Field(description="Why an organizer admitted beyond capacity.")
    anonymised_at: UtcTime | None = Field(description="When the personal data was removed.")


class Consents(ResponseModel):
    """Each consent separately, with when it was given."""

    version: str = Field(description="Version of the consent text accepted.")
    personal_data: Consent
    marketing: Consent
    accessibility: Consent


class ExportedNeeds(ResponseModel):
    needs: list[one_of(ACCESSIBILITY_NEEDS)]
    other: str = Field(description="Other needs, free text.")


class ExportedPlace(ResponseModel):
    id: int = Field(description="The session.")
    title: Bilingual
    starts_at: UtcTime
    status: PlaceStatus
    waitlist_position: int | None = WaitlistPosition
    checked_in_at: UtcTime | None = Field(description="Check-in to the session.")


class ExportedLanguages(ResponseModel):
    listening_language: str = Field(description="ISO 639 code; empty: the floor's language.")
    needs_receiver: bool = Field(description="An interpretation receiver in the hall.")


class ExportedServiceRequest(ResponseModel):
    session_id: int
    title: Bilingual
    kind: one_of(SERVICE_KINDS)
    language: str = Field(description="ISO 639 code; empty for the sign-language kinds.")
    status: one_of(REQUEST_STATUSES) = Field(description="open, or the organizers' answer.")
    requested_at: UtcTime
    answered_at: UtcTime | None


class ExportedReceiverLoan(ResponseModel):
    language: str = Field(description="The channel the receiver was set to.")
    desk: str = Field(description="The desk's name.")
    handed_out_at: UtcTime
    returned_at: UtcTime | None


class ExportedCheckIn(ResponseModel):
    at: UtcTime
    direction: Literal["in", "out"]
    session_id: int | None = Field(description="A session's own door; null: the forum's.")
    desk: str = Field(description="The desk's name.")


class ExportedOnlineAttendance(ResponseModel):
    session_id: int = Field(description="The session watched.")
    title: Bilingual
    first_opened_at: UtcTime = Field(description="When its stream was first opened.")


class ExportedCertificate(ResponseModel):
    code: str = Field(description="The verification code, as printed on the certificate.")
    issued_at: UtcTime


class ExportedSessionFeedback(ResponseModel):
    session_id: int
    rating: int = Field(ge=1, le=5)
    comment: str


class ExportedFeedback(ResponseModel):
    rating: int = Field(ge=1, le=5, description="The forum as a whole, 1 to 5.")
    comment: str
    answered_at: UtcTime
    sessions: list[ExportedSessionFeedback]


class EntryConsent(ResponseModel):
    version: str = Field(description="Version of the comment event's consent text accepted.")
    at: UtcTime


class ExportedComment(ResponseModel):
    name: str
    text: str
    status: one_of(COMMENT_STATUSES) = Field(description="Moderation status.")
    likes: int = Field(ge=0)
    submitted_at: UtcTime
    confirmed_at: UtcTime | None
    consent: EntryConsent


class ExportedQuestion(ResponseModel):
    session_id: int
    text: str
    name: str = Field(description="The name given with the question; empty: anonymous.")
    status: one_of(QUESTION_STATUSES)
    asked_at: UtcTime


class ExportedMessage(ResponseModel):
    kind: str = Field(description="What the message was about.")
    status: one_of(OUTBOX_STATUSES) = Field(description="Delivery status.")
    queued_at: UtcTime
    sent_at: UtcTime | None


class ExportedAction(ResponseModel):
    action: str = Field(description="What was done.")
    at: UtcTime


class Retention(ResponseModel):
    days_after_the_forum: int = Field(description="How long the data is kept.", ge=0)
    personal_data_kept_until: UtcTime = Field(description="When the data is anonymised.")


class PersonalDataExport(ResponseModel):
    """Everything held about one registration (download my data)."""

    format: Literal[EXPORT_FORMAT] = Field(description="Format and version of this export.")
    generated_at: UtcTime
    forum: ExportedForum
    registration: ExportedRegistration
    consents: Consents
    accessibility: ExportedNeeds
    languages: ExportedLanguages
    service_requests: list[ExportedServiceRequest] = Field(
        description="Access services asked for (under the accessibility consent), with answers."
    )
    receiver_loans: list[ExportedReceiverLoan] = Field(
        description="Interpretation receivers handed out at the desk."
    )
    sessions: list[ExportedPlace] = Field(description="Every place held or once held.")
    check_ins: list[ExportedCheckIn]
    online_attendance: list[ExportedOnlineAttendance] = Field(
        description="Sessions watched online: a stream opened from the watch page."
    )
    certificates: list[ExportedCertificate] = Field(description="Certificates of attendance.")
    feedback: ExportedFeedback | None = Field(description="The survey answer, if given.")
    comments: list[ExportedComment] = Field(
        description="The comment event entry confirmed through this registration's link."
    )
    questions: list[ExportedQuestion] = Field(
        description="Live questions asked from this registration's own link."
    )
    messages: list[ExportedMessage] = Field(description="Emails queued for this registration.")
    organizer_actions: list[ExportedAction] = Field(
        description="What organizers and the desk did with this registration."
    )
    retention: Retention
