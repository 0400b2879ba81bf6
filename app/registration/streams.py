"""The livestreams a registrant may watch: one rule for the done and manage pages and the mail.

An online attendee watches the forum's own streams and those of the sessions open to them: the
ones they booked, and the forum-wide sessions (no seats of their own) that are not in person
only. Registrants-only links are included: the person is registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.languages import language_name
from app.models import Forum, ForumSession, Registration, StreamLink
from app.models.enums import ForumFormat, PlaceStatus, SessionStatus
from app.programme.views import stream_label, stream_label_lang
from app.registration.state import Attendance, attendance_state


@dataclass(frozen=True)
class Watchable:
    """A stream a person may watch. `label` is picked for the reader it was made for (the
    Korean or English label, else the other, else the platform); `label_in` picks it again
    for another reader (a page in the other language, a mail in the person's)."""

    label: str
    url: str
    registrants_only: bool
    kind: str = "main"  # main, interpretation, sign, captions
    language: str = ""  # an interpretation channel's or a captioned feed's (ISO 639)
    label_ko: str = ""
    label_en: str = ""
    platform: str = ""
    id: int = 0

    def label_in(self, locale: str) -> str:
        if not (self.label_ko or self.label_en or self.platform):
            return self.label
        return stream_label(self.label_ko, self.label_en, self.platform, locale)

    def label_lang(self, locale: str) -> str:
        return stream_label_lang(self.label_ko, self.label_en, locale)

    def language_name(self, locale: str) -> str:
        return language_name(self.language, locale) if self.language else ""


def watchable(link: StreamLink, locale: str) -> Watchable:
    """A stream link as a `Watchable`, its label picked for `locale`."""
    return Watchable(
        label=stream_label(link.label or "", link.label_en or "", link.platform, locale),
        url=link.url,
        registrants_only=link.visibility == "registrants",
        kind=link.kind or "main",
        language=link.language or "",
        label_ko=link.label or "",
        label_en=link.label_en or "",
        platform=link.platform,
        id=link.id,
    )


def http_url(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(("https://", "http://"))


def watchable_session(state: Attendance, session: ForumSession) -> bool:
    """Whether an online attendee in `state` may watch `session`: one they booked, or a
    forum-wide one (no seats of its own) that is not in person only; never a cancelled one."""
    if not state.watches_online() or session.status != SessionStatus.SCHEDULED:
        return False
    place = state.session(session.id)
    booked = place is not None and place.status == PlaceStatus.CONFIRMED
    return booked or (session.seats is None and session.format != ForumFormat.IN_PERSON)


def watchable_streams(
    registration: Registration, forum: Forum, locale: str | None = None
) -> list[Watchable]:
    """The streams `registration` may watch, labelled for `locale` (the person's own by
    default)."""
    locale = locale or registration.locale
    state = attendance_state(registration, positions=False)
    if not state.watches_online():
        return []
    links: list[StreamLink] = list(forum.streams)
    for session in forum.sessions:
        if watchable_session(state, session):
            links.extend(session.streams)
    return [watchable(link, locale) for link in usable_links(links)]


def usable_links(links: Iterable[StreamLink]) -> list[StreamLink]:
    """The links with a web address, each address once (the first one wins)."""
    seen: set[str] = set()
    found = []
    for link in links:
        if http_url(link.url) and link.url not in seen:
            seen.add(link.url)
            found.append(link)
    return found
