"""The livestreams a registrant may watch: one rule for the done and manage pages and the mail.

An online attendee watches the forum's own streams and those of the sessions open to them: the
ones they booked, and the forum-wide sessions (no seats of their own) that are not in person
only. Registrants-only links are included: the person is registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.models import Forum, ForumSession, Registration, StreamLink
from app.models.enums import ForumFormat, PlaceStatus, SessionStatus
from app.registration.state import Attendance, attendance_state


@dataclass(frozen=True)
class Watchable:
    label: str
    url: str
    registrants_only: bool


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


def watchable_streams(registration: Registration, forum: Forum) -> list[Watchable]:
    state = attendance_state(registration, positions=False)
    if not state.watches_online():
        return []
    links: list[StreamLink] = list(forum.streams)
    for session in forum.sessions:
        if watchable_session(state, session):
            links.extend(session.streams)
    return [
        Watchable(link.label or link.platform, link.url, link.visibility == "registrants")
        for link in usable_links(links)
    ]


def usable_links(links: Iterable[StreamLink]) -> list[StreamLink]:
    """The links with a web address, each address once (the first one wins)."""
    seen: set[str] = set()
    found = []
    for link in links:
        if http_url(link.url) and link.url not in seen:
            seen.add(link.url)
            found.append(link)
    return found
