"""Plain data the scheduling package works on.

The app's services build these from database rows; nothing here knows about Flask or SQLAlchemy.
Every datetime is timezone-aware (UTC is fine); presentation converts to the forum's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A text held in Korean and English; either may be empty."""

    ko: str = ""
    en: str = ""

    def get(self, locale: str) -> str:
        """The text in `locale`, falling back to the other language."""
        first, second = (self.ko, self.en) if locale == "ko" else (self.en, self.ko)
        return first or second

    def __bool__(self) -> bool:
        return bool(self.ko or self.en)

    def both(self, sep: str = " / ") -> str:
        """Both languages joined, or the one that exists."""
        if self.ko and self.en and self.ko != self.en:
            return f"{self.ko}{sep}{self.en}"
        return self.ko or self.en


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    """Where people gather before a tour or an off-site visit (not the site: that is the venue)."""

    place: Bilingual
    at: datetime | None = None
    note: Bilingual = Bilingual()


@dataclass(frozen=True, slots=True)
class VenueInfo:
    id: int
    name: Bilingual
    kind: str  # "hall" | "studio" | "offsite"
    building: Bilingual = Bilingual()
    floor: Bilingual = Bilingual()
    room: Bilingual = Bilingual()
    address: Bilingual = Bilingual()
    seats: int | None = None
    accessibility: Bilingual = Bilingual()
    map_url: str = ""


@dataclass(frozen=True, slots=True)
class SpeakerRole:
    speaker_id: int
    name: Bilingual
    role: str  # "keynote" | "presenter" | "moderator" | "panelist" | "host" | "guest"
    affiliation: Bilingual = Bilingual()
    order: int = 0


@dataclass(frozen=True, slots=True)
class Language:
    """An ISO 639 language with its name in Korean and English (the app names it)."""

    code: str
    name: Bilingual = Bilingual()


@dataclass(frozen=True, slots=True)
class StreamInfo:
    id: int
    platform: str
    url: str
    label: str = ""  # in Korean
    registrants_only: bool = False
    kind: str = "main"  # "main" | "interpretation" | "sign" | "captions"
    # An interpretation channel's language, or a captioned feed's; None for the others.
    language: Language | None = None
    label_en: str = ""

    @property
    def labels(self) -> Bilingual:
        return Bilingual(ko=self.label, en=self.label_en)


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """An access service a session offers (planned or confirmed)."""

    kind: str  # "interpretation" | "ksl" | "international_sign" | "captions" | "transcript"
    status: str  # "planned" | "confirmed"
    language: Language | None = None  # interpreted into, or written in; None for sign language


@dataclass(frozen=True, slots=True)
class MaterialInfo:
    """A recording or document of the forum's archive."""

    kind: str  # "recording" | "slides" | "document"
    url: str  # absolute
    title: str = ""
    language: str = ""  # "ko", "en" or "" (both, or no words)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    title: Bilingual
    kind: str
    format: str  # "in_person" | "online" | "hybrid"
    start: datetime
    end: datetime
    status: str  # "scheduled" | "cancelled"
    revision: int
    updated_at: datetime
    description: Bilingual = Bilingual()
    venue: VenueInfo | None = None
    speakers: tuple[SpeakerRole, ...] = ()
    streams: tuple[StreamInfo, ...] = ()
    parent_id: int | None = None
    seats: int | None = None
    language: str = ""
    url: str = ""  # absolute URL of the session's public page
    meeting: MeetingInfo | None = None
    materials: tuple[MaterialInfo, ...] = ()  # the archive's, after the forum
    floor: tuple[Language, ...] = ()  # the languages spoken on the floor (`language` split)
    services: tuple[ServiceInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class ForumInfo:
    id: int
    slug: str
    title: Bilingual
    timezone: str  # IANA name, e.g. "Asia/Seoul"
    first_day: date
    last_day: date
    updated_at: datetime
    theme: Bilingual = Bilingual()
    description: Bilingual = Bilingual()
    format: str = "in_person"
    organizer_name: Bilingual = Bilingual()
    organizer_email: str = ""
    url: str = ""  # absolute URL of the forum's public page
    streams: tuple[StreamInfo, ...] = ()
    sessions: tuple[SessionInfo, ...] = field(default=())
