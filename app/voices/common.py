"""What the comment event and the live questions share."""

from __future__ import annotations

import hashlib

from app.models import CommentEvent, Forum, StreamLink
from app.models.enums import SessionStatus
from app.registration.streams import Watchable, usable_links, watchable

# The version of the consent text a comment event's form shows; recorded with every entry.
COMMENT_CONSENT_VERSION = "2026-12-voices-v1"


def voter_key(kind: str, value: str) -> str:
    """Who liked or voted, as stored: a hash of ("email", normalised address) or ("browser",
    the browser's random id) or ("registration", its id), so the tables name nobody."""
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


#: The mail of a comment event's participants (an entry, not a registration, is the recipient).
VOICE_KINDS = ("comment_confirm", "comment_thanks", "draw_won")


def comments_path(slug: str) -> str:
    """The comment event's public page; `/confirm/<token>` and `/draw` hang under it."""
    return f"/forums/{slug}/comments"


def promised_streams(event: CommentEvent, forum: Forum) -> list[Watchable]:
    """The stream links a confirmed participant is mailed: the forum's, then those of its
    scheduled sessions, registrants-only links included (the event promises them); none when
    the event promises no streams."""
    if not event.sends_streams:
        return []
    links: list[StreamLink] = list(forum.streams)
    for session in sorted(forum.sessions, key=lambda s: (s.starts_at, s.id)):
        if session.status == SessionStatus.SCHEDULED:
            links.extend(session.streams)
    # Both labels ride along: the mail picks its reader's (Watchable.label_in).
    return [watchable(link, "ko") for link in usable_links(links)]
