"""What a feed is, and the cache of rendered feeds keyed by the programme's version.

Caching. A rendered feed is kept in a small in-process LRU (one per app) under a key that comes
from the database, never from this process's memory: one cheap "version" query aggregates what
a feed shows (the forum row and its `programme_revision`; count, id sum, latest `updated_at` and
revision sum of its sessions; the same for venues, speakers, stream links and speaker links).
Any committed change, made by any process, changes the key, so several gunicorn workers each
keep a correct cache. A hit costs the version query (plus, for a personal feed, the registration
and its bookings), and a public feed's version is remembered for FEED_VERSION_TTL seconds (1 by
default; its clients are told max-age=300 anyway), so heavy polling costs no query at all. A
miss loads the forum tree in a fixed number of queries (selectinload), whatever the number of
sessions, and the builder renders again only the events that changed. Unknown sessions, venues
and speakers are cached as "absent" too, so probing ids does not load the tree again and again.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, bindparam, case, cast, func, select

from app.core.db import db
from app.models import (
    Forum,
    ForumSession,
    SessionSpeaker,
    Speaker,
    StreamLink,
    Venue,
)
from app.models.enums import SPEAKER_ROLES, ForumStatus

_CACHE_EXTENSION = "madang.feed_cache"
_MEMO_EXTENSION = "madang.feed_versions"
_DEFAULT_CACHE_ENTRIES = 512
_DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


# -- what a feed is -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feed:
    """The exact bytes of a feed with what HTTP needs to serve them."""

    body: bytes
    content_type: str
    etag: str  # strong, quoted: '"<sha256 hex of body>"'
    last_modified: datetime  # aware UTC, whole seconds: the latest change the feed shows
    filename: str
    # The gzip twin, made on the first request that accepts it and kept with the feed.
    _encoded: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, body: bytes, content_type: str, changed: datetime, filename: str) -> Feed:
        return cls(
            body=body,
            content_type=content_type,
            etag=f'"{hashlib.sha256(body).hexdigest()}"',
            last_modified=_whole_seconds(changed),
            filename=_safe_filename(filename),
        )

    def gzipped(self) -> bytes:
        """The body gzip-encoded, compressed once per feed; no timestamp, so the same bytes
        each time (calendar clients poll large feeds: a tenth of the bytes on the wire)."""
        encoded = self._encoded.get("gzip")
        if encoded is None:
            encoded = gzip.compress(self.body, compresslevel=6, mtime=0)
            self._encoded["gzip"] = encoded
        return encoded

    @property
    def gzip_etag(self) -> str:
        """A representation of its own (RFC 9110 section 8.8.3): its own strong validator."""
        return f'{self.etag[:-1]}-gzip"'

    def modified_at_least(self, when: datetime | None) -> Feed:
        """The same bytes, with Last-Modified moved up to `when` if that is later."""
        if when is None:
            return self
        when = _whole_seconds(when)
        return replace(self, last_modified=when) if when > self.last_modified else self


# -- the cache ----------------------------------------------------------------------------------


class FeedCache:
    """A thread-safe LRU of rendered feeds, bounded by entry count and total body bytes.

    "No such session/venue/speaker" answers are cached too, in an LRU of their own (keys only,
    as many as `max_entries`), so probing made-up ids neither reloads the forum each time nor
    pushes real feeds out.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._feeds: OrderedDict[Hashable, Feed] = OrderedDict()
        self._absent: OrderedDict[Hashable, None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[bool, Feed | None]:
        """(found, feed); a found None means "cached as absent"."""
        with self._lock:
            for store in (self._feeds, self._absent):
                if key in store:
                    store.move_to_end(key)
                    self.hits += 1
                    return True, store[key]
            self.misses += 1
            return False, None

    def put(self, key: Hashable, feed: Feed | None) -> None:
        with self._lock:
            self._discard(key)
            if feed is None:
                self._absent[key] = None
                while len(self._absent) > self.max_entries:
                    self._absent.popitem(last=False)
                return
            if len(feed.body) > self.max_bytes:
                return
            self._feeds[key] = feed
            self._bytes += len(feed.body)
            while len(self._feeds) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._feeds.popitem(last=False)
                self._bytes -= len(evicted.body)

    def _discard(self, key: Hashable) -> None:
        self._absent.pop(key, None)
        old = self._feeds.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)

    def clear(self) -> None:
        with self._lock:
            self._feeds.clear()
            self._absent.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        """The number of rendered feeds held."""
        return len(self._feeds)

    @property
    def size_bytes(self) -> int:
        return self._bytes


def feed_cache() -> FeedCache:
    """This app's feed cache (FEED_CACHE_ENTRIES / FEED_CACHE_BYTES size it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get(_CACHE_EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(
            _CACHE_EXTENSION,
            FeedCache(
                app.config.get("FEED_CACHE_ENTRIES", _DEFAULT_CACHE_ENTRIES),
                app.config.get("FEED_CACHE_BYTES", _DEFAULT_CACHE_BYTES),
            ),
        )
    return cache


def clear_feed_cache() -> None:
    feed_cache().clear()
    version_memo()._versions.clear()


def _cached(key: Hashable, render: Callable[[], Feed | None]) -> Feed | None:
    cache = feed_cache()
    found, feed = cache.get(key)
    if found:
        return feed
    feed = render()
    cache.put(key, feed)
    return feed


# -- the version query --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Version:
    forum_id: int
    slug: str
    key: tuple


def _per_forum(expr: ColumnElement, model: type) -> ColumnElement:
    return (
        select(expr)
        .select_from(model)
        .where(model.forum_id == Forum.id)  # type: ignore[attr-defined]
        .correlate(Forum)
        .scalar_subquery()
    )


def _per_forum_links(expr: ColumnElement) -> ColumnElement:
    return (
        select(expr)
        .select_from(SessionSpeaker)
        .join(ForumSession, ForumSession.id == SessionSpeaker.session_id)
        .where(ForumSession.forum_id == Forum.id)
        .correlate(Forum)
        .scalar_subquery()
    )


def _version_columns() -> list[ColumnElement]:
    link_id = cast(SessionSpeaker.id, BigInteger)
    role_code = case(
        {role: n for n, role in enumerate(SPEAKER_ROLES, start=1)},
        value=SessionSpeaker.role,
        else_=len(SPEAKER_ROLES) + 1,
    )
    return [
        Forum.programme_revision,
        Forum.updated_at,
        _per_forum(func.count(ForumSession.id), ForumSession),
        _per_forum(func.sum(ForumSession.id), ForumSession),
        _per_forum(func.sum(ForumSession.revision), ForumSession),
        _per_forum(func.max(ForumSession.updated_at), ForumSession),
        _per_forum(func.count(Venue.id), Venue),
        _per_forum(func.sum(Venue.id), Venue),
        _per_forum(func.max(Venue.updated_at), Venue),
        _per_forum(func.count(Speaker.id), Speaker),
        _per_forum(func.sum(Speaker.id), Speaker),
        _per_forum(func.max(Speaker.updated_at), Speaker),
        _per_forum(func.count(StreamLink.id), StreamLink),
        _per_forum(func.sum(StreamLink.id), StreamLink),
        _per_forum(func.max(StreamLink.updated_at), StreamLink),
        # Speaker links have no timestamps: count and id sums catch adding and removing one,
        # the weighted sums a change of order or role.
        _per_forum_links(func.count(SessionSpeaker.id)),
        _per_forum_links(func.sum(SessionSpeaker.id)),
        _per_forum_links(func.sum(SessionSpeaker.speaker_id)),
        _per_forum_links(func.sum(link_id * SessionSpeaker.position)),
        _per_forum_links(func.sum(link_id * role_code)),
    ]


@functools.cache
def _version_query(by: str):
    """The version query, built once per process: by forum slug or by forum id (`:key`).
    Building its twenty subqueries costs more than running them."""
    column = Forum.slug if by == "slug" else Forum.id
    return select(Forum.id, Forum.slug, *_version_columns()).where(
        column == bindparam("key"), Forum.status == ForumStatus.PUBLISHED
    )


def _published_version(by: Literal["slug", "id"], key: str | int) -> _Version | None:
    """The published forum with this slug or id and the version of everything its feeds show,
    in one query; None when there is no such forum or it is a draft."""
    row = db.session.execute(_version_query(by), {"key": key}).one_or_none()
    if row is None:
        return None
    forum_id, slug, *rest = row
    return _Version(forum_id=forum_id, slug=slug, key=(forum_id, *rest))


class _VersionMemo:
    """Public feeds' versions, remembered for FEED_VERSION_TTL seconds per slug.

    Polling clients are told `max-age=300`, so answering from a version a second old changes
    nothing they can see, and a feed polled by thousands then costs no query at all. 0 turns
    it off: every request asks the database.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._versions: dict[str, tuple[float, _Version | None]] = {}

    def get(self, slug: str, ttl: float) -> _Version | None:
        if ttl <= 0:
            return _published_version("slug", slug)
        now = self.clock()
        remembered = self._versions.get(slug)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        version = _published_version("slug", slug)
        if len(self._versions) >= _DEFAULT_CACHE_ENTRIES:
            self._versions.clear()  # probing made-up slugs must not grow it without bound
        self._versions[slug] = (now + ttl, version)
        return version


def version_memo() -> _VersionMemo:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault(_MEMO_EXTENSION, _VersionMemo())


# -- helpers ------------------------------------------------------------------------------------


def _whole_seconds(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "calendar.ics"
