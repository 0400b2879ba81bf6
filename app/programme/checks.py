"""What organizers type, checked: the fields of forums, venues, speakers, streams and
sessions, their rules and the domain errors of the programme.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from app.core.bounds import id_in_range, parse_id
from app.core.errors import DomainError, ValidationFailed
from app.core.text import normalise_email
from scheduling.conflicts import Conflict

# Which forum-wide sessions (no seats of their own) each attendance mode follows: the same
# rule as the personal calendar feeds.
FOLLOWS: dict[str, tuple[str, ...]] = {
    "in_person": ("in_person", "hybrid"),
    "online": ("online", "hybrid"),
}
# Attendance modes each forum format offers (as `registration.allowed_attendance`).
FOLLOWS_FORUM: dict[str, tuple[str, ...]] = {
    "in_person": ("in_person",),
    "online": ("online",),
    "hybrid": ("in_person", "online"),
}
NOTICE_KIND = "session_changed"
# A speaker's own mail: their programme (sent by an organizer), and change notices grouped
# like the registrants' (`SPEAKER_NOTICE_KIND`).
SPEAKER_PROGRAMME_KIND = "speaker_programme"
SPEAKER_NOTICE_KIND = "speaker_session_changed"
SPEAKER_KINDS = (SPEAKER_PROGRAMME_KIND, SPEAKER_NOTICE_KIND)
NOTICE_DELAY_MINUTES = 10
NOTIFYING_KINDS = ("moved", "venue", "retitled", "meeting", "cancelled", "reinstated")

SESSION_FIELDS = (
    "title_ko",
    "title_en",
    "description_ko",
    "description_en",
    "kind",
    "format",
    "language",
    "status",
    "starts_at",
    "ends_at",
    "venue_id",
    "seats",
    "reserved_seats",
    "parent_id",
    "meeting_point_ko",
    "meeting_point_en",
    "meeting_at",
    "meeting_note_ko",
    "meeting_note_en",
    "speakers",
)
MEETING_FIELDS = ("meeting_point_ko", "meeting_point_en", "meeting_at")
# People gather for a tour at most this long before it leaves.
MEETING_LEAD_HOURS = 12
VENUE_FIELDS = (
    "name_ko",
    "name_en",
    "kind",
    "building_ko",
    "building_en",
    "floor_ko",
    "floor_en",
    "room_ko",
    "room_en",
    "address_ko",
    "address_en",
    "seats",
    "accessibility_notes_ko",
    "accessibility_notes_en",
    "map_url",
)
SPEAKER_FIELDS = (
    "name_ko",
    "name_en",
    "affiliation_ko",
    "affiliation_en",
    "title_ko",
    "title_en",
    "country",
    "bio_ko",
    "bio_en",
    "email",
    "locale",
    "connection_details",
)
STREAM_FIELDS = (
    "session_id",
    "platform",
    "url",
    "kind",
    "language",
    "label",
    "label_en",
    "visibility",
)
FORUM_FIELDS = (
    "title_ko",
    "title_en",
    "theme_ko",
    "theme_en",
    "description_ko",
    "description_en",
    "timezone",
    "first_day",
    "last_day",
    "format",
    "registration_opens_at",
    "registration_closes_at",
    "onsite_registration",
    "in_person_capacity",
    "reserved_places",
    "organizer_name_ko",
    "organizer_name_en",
    "organizer_email",
    "homepage_url",
)
RESERVED_SLUGS = frozenset({"new"})  # /organize/forums/new is the form for a new forum
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[+,/][a-z]{2,3}){0,3}$")


# ============================================================================ domain errors


class StaleRevision(DomainError):
    """Someone saved the record since the editor opened it; nothing was changed."""

    status = 409
    code = "stale_revision"
    public_details = ("revision", "fingerprint")


class InUse(DomainError):
    """The record is still referred to (sessions in a venue, a speaker on the programme…)."""

    status = 409
    code = "in_use"


class PublishBlocked(DomainError):
    """Publishing is refused while conflicts are not accepted; `conflicts` lists them."""

    status = 409
    code = "unaccepted_conflicts"

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"


# ============================================================================ raw fields

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"", "0", "false", "no", "off", "n"}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Years a forum plausibly uses: catches a typo such as 0202 or 20260.
MIN_YEAR, MAX_YEAR = 1990, 2100


def _bad_characters(text: str, *, multiline: bool) -> bool:
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return True
    return False


def parse_moment(value: Any, zone: ZoneInfo) -> datetime:
    """An instant from `value`: an aware datetime, an ISO 8601 string with an offset, or a
    wall-clock time in `zone` ("2026-04-01T10:00" or "2026-04-01 10:00"). Returns aware UTC.

    Raises ValueError with a message for people: a missing time, a bad format, or a local time
    that does not exist in the zone (skipped by a clock change).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) <= 10:
            raise ValueError(_("Give a date and a time, like 2026-04-01 10:00."))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(_("Give a date and a time, like 2026-04-01 10:00.")) from None
    else:
        raise ValueError(_("This field has the wrong type."))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(_("Check the year."))
    if moment.tzinfo is None or moment.utcoffset() is None:
        aware = moment.replace(tzinfo=zone)
        # A wall-clock time skipped by a clock change comes back as another time.
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(fold=0):
            raise ValueError(_("This time does not exist in %(zone)s.", zone=zone.key))
        moment = aware
    return moment.astimezone(UTC)


def local_input(value: datetime | None, tz: str) -> str:
    """An instant as the wall-clock text a form shows: 2026-04-01T10:00 in the forum's zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


class Fields:
    """Reads fields from `raw`, collecting a list of messages per field name."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def has(self, name: str) -> bool:
        return name in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def _wrong_type(self, name: str) -> None:
        self.add(name, _("This field has the wrong type."))

    def text(
        self, name: str, *, limit: int, required: bool = False, multiline: bool = False
    ) -> str:
        value = self.raw.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self._wrong_type(name)
            return ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = unicodedata.normalize("NFC", value).strip()
        if required and not value:
            self.add(name, _("This field is required."))
        elif len(value) > limit:
            self.add(name, _("Use at most %(limit)d characters.", limit=limit))
        elif _bad_characters(value, multiline=multiline):
            self.add(
                name,
                _("Remove control characters.")
                if multiline
                else _("Remove line breaks and control characters."),
            )
        return value

    def bilingual(self, name: str, *, limit: int, multiline: bool = False) -> dict[str, str]:
        """`<name>_ko` and `<name>_en`, each checked as `text`."""
        return {
            f"{name}_{lang}": self.text(f"{name}_{lang}", limit=limit, multiline=multiline)
            for lang in ("ko", "en")
        }

    def choice(self, name: str, choices: Iterable[str], *, default: str | None = None) -> str:
        value = self.raw.get(name)
        allowed = tuple(choices)
        if (value is None or value == "") and default is not None:
            return default
        if not isinstance(value, str) or value not in allowed:
            self.add(name, _("Choose one of: %(choices)s.", choices=", ".join(allowed)))
            return default or ""
        return value

    def count(self, name: str, *, required: bool = False, limit: int = 1_000_000) -> int | None:
        """A whole number from 0 up, or None when left empty."""
        value = self.raw.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
            elif re.fullmatch(r"[+-]?\d{1,9}", value):
                value = int(value)
            else:
                self.add(name, _("Enter a whole number, or leave it empty."))
                return None
        if value is None:
            if required:
                self.add(name, _("This field is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(name)
            return None
        if value < 0:
            self.add(name, _("Enter 0 or more."))
            return None
        if value > limit:
            self.add(name, _("Enter at most %(limit)d.", limit=limit))
            return None
        return value

    def ref(self, name: str) -> int | None:
        """The id of another record, or None when left empty."""
        value = self.raw.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
            if parse_id(value) is None:
                self.add(name, _("Choose from the list."))
                return None
            value = int(value)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self._wrong_type(name)
            return None
        if not id_in_range(value):
            # No row has it: the same answer as for an id of another forum.
            self.add(name, _("Choose from the list."))
            return None
        return value

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self._wrong_type(name)
        return default

    def url(self, name: str, *, required: bool = False, limit: int = 500) -> str:
        value = self.text(name, limit=limit, required=required)
        if value and not self.has(name) and not _URL.match(value):
            self.add(name, _("Enter a web address starting with https:// or http://."))
        return value

    def email(self, name: str) -> str:

        value = self.text(name, limit=254)
        if value and not self.has(name):
            checked = normalise_email(value)
            if checked is None:
                self.add(name, _("Enter a valid email address, like name@example.org."))
                return value
            return checked[0]
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.raw.get(name)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(name, _("This field is required."))
            return None
        if not isinstance(value, str):
            self._wrong_type(name)
            return None
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            self.add(name, _("Give a date like 2026-04-01."))
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.add(name, _("Check the year."))
            return None
        return parsed

    def moment(self, name: str, zone: ZoneInfo, *, required: bool = False) -> datetime | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(name, _("This field is required."))
            return None
        try:
            return parse_moment(value, zone)
        except ValueError as exc:
            self.add(name, str(exc))
            return None

    def timezone(self, name: str, *, default: str) -> str:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            self._wrong_type(name)
            return default
        value = value.strip()
        try:
            if "/" not in value and value != "UTC":
                raise ZoneInfoNotFoundError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.add(name, _("Give an IANA time zone such as Asia/Seoul."))
            return default
        return value


def _need_one(fields: Fields, names: tuple[str, str], values: tuple[str, str]) -> None:
    """Bilingual text: at least one of the two languages."""
    if not any(values) and not any(fields.has(n) for n in names):
        for name in names:
            fields.add(name, _("Give it in Korean, English or both."))
