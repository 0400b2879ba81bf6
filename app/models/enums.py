"""The vocabularies of the domain: string enums for the code, and the tuples of their values
that the database checks. A StrEnum member equals its string, so rows and JSON keep the
plain values."""

from enum import StrEnum


class ForumFormat(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class ForumStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AttendanceMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class AttendeeCategory(StrEnum):
    """Who a person comes as. Everyone but the general public is invited by an organizer and
    may take the places held back for invited people."""

    GENERAL = "general"
    SPEAKER = "speaker"
    GUEST = "guest"  # a VIP or invited guest
    PRESS = "press"
    STAFF = "staff"


class PlaceStatus(StrEnum):
    """A registration's forum place, or a booking's seat."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # due now or later, including a retry after a failure
    SENT = "sent"
    DEAD = "dead"  # refused for good or out of attempts: may be requeued
    SKIPPED = "skipped"  # no longer meaningful when its turn came (by design, never requeued)


class AnnouncementSegment(StrEnum):
    """Who an organizer's announcement goes to (registrations not cancelled, with an address)."""

    EVERYONE = "everyone"  # every registrant, waiting or not
    IN_PERSON = "in_person"  # a confirmed in-person place
    ONLINE = "online"  # attending online
    WAITLISTED = "waitlisted"  # waiting for the forum place or for a session's seat
    SESSION = "session"  # a seat in one session, or waiting for one
    CHECKED_IN = "checked_in"  # checked in at the desk


class SolverRunStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for another try after a worker stopped)
    RUNNING = "running"
    DONE = "done"  # a proposal, or the reasons it cannot be had
    FAILED = "failed"  # bad input or tried too often; `error` says why
    APPLIED = "applied"


class SolverMode(StrEnum):
    PROPOSE = "propose"
    REPAIR = "repair"


class CommentStatus(StrEnum):
    PENDING = "pending"  # waiting for a moderator
    PUBLISHED = "published"
    HIDDEN = "hidden"  # by a moderator, with a reason kept for organizers


class QuestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # on the presenter's screen
    ANSWERED = "answered"
    HIDDEN = "hidden"
    MERGED = "merged"  # a duplicate: its votes went to the question it was merged into


class ServiceKind(StrEnum):
    INTERPRETATION = "interpretation"  # simultaneous, into `language`
    KSL = "ksl"  # Korean Sign Language (한국수어)
    INTERNATIONAL_SIGN = "international_sign"
    CAPTIONS = "captions"  # live captions (CART) in `language`
    TRANSCRIPT = "transcript"  # after the session, in `language`


class ServiceStatus(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class RequestStatus(StrEnum):
    OPEN = "open"  # waiting for an organizer's answer
    CONFIRMED = "confirmed"
    DECLINED = "declined"


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


FORUM_FORMATS = _values(ForumFormat)
FORUM_STATUSES = _values(ForumStatus)
ANNOUNCEMENT_SEGMENTS = _values(AnnouncementSegment)
VENUE_KINDS = ("hall", "studio", "offsite")
SESSION_KINDS = (
    "keynote",
    "plenary",
    "session",
    "panel",
    "lecture",
    "talk_concert",
    "roundtable",
    "networking",
    "tour",
    "site_visit",
    "ceremony",
    "general_assembly",
)
SESSION_FORMATS = FORUM_FORMATS
SESSION_STATUSES = _values(SessionStatus)
SPEAKER_ROLES = ("keynote", "presenter", "moderator", "panelist", "host", "guest")
STREAM_VISIBILITIES = ("public", "registrants")
# What a stream carries: the main feed, an interpretation channel (its `language`), a
# sign-language feed or a captioned feed (captions in its `language`).
STREAM_KINDS = ("main", "interpretation", "sign", "captions")
ATTENDANCE_MODES = _values(AttendanceMode)
PLACE_STATUSES = _values(PlaceStatus)
WALK_IN_SOURCE = "desk"  # a registration taken at the desk on the day
INVITE_SOURCE = "invite"  # a person an organizer registered (an invited guest, a speaker)
REGISTRATION_SOURCES = ("web", "api", WALK_IN_SOURCE, INVITE_SOURCE)
ATTENDEE_CATEGORIES = _values(AttendeeCategory)
INVITED_CATEGORIES = tuple(c for c in ATTENDEE_CATEGORIES if c != AttendeeCategory.GENERAL)
LOCALES = ("ko", "en")
ACCESSIBILITY_NEEDS = (
    "wheelchair",
    "sign_language",
    "live_captions",
    "large_print",
    "companion",
)
USER_ROLES = ("admin", "organizer", "desk")
OUTBOX_STATUSES = _values(OutboxStatus)
SOLVER_RUN_STATUSES = _values(SolverRunStatus)
SOLVER_MODES = _values(SolverMode)
COMMENT_STATUSES = _values(CommentStatus)
QUESTION_STATUSES = _values(QuestionStatus)
QUESTION_ORIGINS = ("hall", "online")
WINNER_STATUSES = ("won", "declined")
SERVICE_KINDS = _values(ServiceKind)
SERVICE_STATUSES = _values(ServiceStatus)
REQUEST_STATUSES = _values(RequestStatus)
# Kinds without a language of their own: the sign language is the kind.
SIGN_KINDS = (ServiceKind.KSL.value, ServiceKind.INTERNATIONAL_SIGN.value)
