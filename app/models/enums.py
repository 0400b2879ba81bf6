"""The vocabularies of the domain, as plain string tuples the database checks."""

FORUM_FORMATS = ("in_person", "online", "hybrid")
FORUM_STATUSES = ("draft", "published")
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
SESSION_STATUSES = ("scheduled", "cancelled")
SPEAKER_ROLES = ("keynote", "presenter", "moderator", "panelist", "host", "guest")
STREAM_VISIBILITIES = ("public", "registrants")
ATTENDANCE_MODES = ("in_person", "online")
PLACE_STATUSES = ("confirmed", "waitlisted", "cancelled")
REGISTRATION_SOURCES = ("web", "api", "desk")
LOCALES = ("ko", "en")
ACCESSIBILITY_NEEDS = (
    "wheelchair",
    "sign_language",
    "live_captions",
    "large_print",
    "companion",
)
USER_ROLES = ("admin", "organizer", "desk")
OUTBOX_STATUSES = ("pending", "sent", "dead")
