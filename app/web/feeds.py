"""Calendar feeds and schedule exports.

Each route parses its URL, asks `app.feeds.calendars` for the feed and answers with the exact
bytes, a strong ETag and Last-Modified, or 304 when the client's copy is current; gzip-encoded
(with an ETag of its own) for clients that accept it. Nothing here looks at the Accept header,
and nothing redirects: a missing feed is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from app.feeds import calendars
from app.feeds.feed_cache import Feed

bp = Blueprint("feeds", __name__)

PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"


def _not_modified(etag: str, feed: Feed) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match (weak comparison) decides when present;
    If-Modified-Since only when it is absent."""
    if "If-None-Match" in request.headers:
        return request.if_none_match.contains_weak(etag.strip('"'))
    since = request.if_modified_since
    return since is not None and feed.last_modified <= since


def _respond(feed: Feed | None, *, private: bool = False, download: bool = False) -> Response:
    if feed is None:
        abort(404)
    gzipped = request.accept_encodings["gzip"] > 0
    etag = feed.gzip_etag if gzipped else feed.etag
    disposition = "attachment" if download else "inline"
    headers = {
        "ETag": etag,
        "Last-Modified": feed.last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": PRIVATE_CACHE if private else PUBLIC_CACHE,
        "Content-Disposition": f'{disposition}; filename="{feed.filename}"',
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if private:
        # The URL is the secret: never leak it to linked sites, never index it.
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Robots-Tag"] = "noindex, nofollow"
    if _not_modified(etag, feed):
        return Response(status=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(feed.gzipped(), headers=headers, content_type=feed.content_type)
    return Response(feed.body, status=200, headers=headers, content_type=feed.content_type)


@bp.get("/forums/<slug>/schedule.ics")
def forum_calendar(slug: str):
    return _respond(calendars.forum_feed(slug))


@bp.get("/forums/<slug>/sessions/<int:session_id>.ics")
def session_calendar(slug: str, session_id: int):
    return _respond(calendars.session_feed(slug, session_id), download=True)


@bp.get("/forums/<slug>/venues/<int:venue_id>.ics")
def venue_calendar(slug: str, venue_id: int):
    return _respond(calendars.venue_feed(slug, venue_id))


@bp.get("/forums/<slug>/speakers/<int:speaker_id>.ics")
def speaker_calendar(slug: str, speaker_id: int):
    return _respond(calendars.speaker_feed(slug, speaker_id))


@bp.get("/calendar/<token>.ics")
def personal_calendar(token: str):
    return _respond(calendars.personal_feed(token), private=True)


def _frab_locale() -> str:
    """`?lang=ko` (the default) or `?lang=en`; anything else names no export."""
    lang = request.args.get("lang", "ko")
    if lang not in calendars.FRAB_LOCALES:
        abort(404)
    return lang


@bp.get("/forums/<slug>/schedule.xml")
def schedule_xml(slug: str):
    return _respond(calendars.frab_export(slug, "xml", _frab_locale()))


@bp.get("/forums/<slug>/schedule.json")
def schedule_json(slug: str):
    return _respond(calendars.frab_export(slug, "json", _frab_locale()))
