"""The organizer JSON API under /api/v1/organize: bearer tokens (`flask users token`), JSON in
and out, and the same rules as the /organize pages (it calls the same services).

Errors: 401 without a valid token, 403 for a role or forum the token's user may not organize,
404 for what the forum does not have, 415 for a body that is not JSON, 422 with
`{"errors": {field: [messages]}}` for invalid fields, 409 for a stale revision (the body carries
the current `revision` and `fingerprint`) or a record still in use.

Instants are accepted as ISO 8601 with an offset, or as wall-clock times in the forum's zone
("2026-04-01T10:00"); they are returned both ways (`starts_at` with the forum's offset,
`starts_at_utc` in UTC).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from app.accounts import users
from app.accounts.access import can_organize
from app.core.errors import DomainError, ValidationFailed
from app.extensions import limiter
from app.models import Forum, ForumSession, Speaker, User, Venue
from app.programme import agenda, checks, records, session_edits
from app.web.api import bp
from app.web.api.forums import local_iso, utc_iso
from app.web.input_guard import request_json

PREFIX = "/organize/forums/<slug>"


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


class _Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class _Forbidden(DomainError):
    status = 403
    code = "forbidden"


class _NotJson(DomainError):
    status = 415
    code = "unsupported_media_type"


def _error(exc: DomainError):
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.errors
    if isinstance(exc, checks.PublishBlocked):
        body["conflicts"] = [_conflict_json(agenda.ConflictView(c, None)) for c in exc.conflicts]
    for key, value in exc.details.items():
        body.setdefault(key, value)
    response = jsonify(body)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="madang"'
    return response


def _token_user() -> User:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Unauthorized(_("Send an API token: Authorization: Bearer <token>."))
    user = users.user_for_api_token(token.strip())
    if user is None:
        raise _Unauthorized(_("This API token is not valid."))
    return user


def organizer_api(view):
    """Authenticate the bearer token; with a slug, load the forum and check the user may
    organize it. The view gets (user, forum, **url values); domain errors become JSON."""

    @wraps(view)
    def wrapped(**kwargs: Any):
        try:
            user = _token_user()
            if user.role not in ("admin", "organizer"):
                raise _Forbidden(_("This account may not organize forums."))
            slug = kwargs.pop("slug", None)
            forum = None
            if slug is not None:
                forum = agenda.get_forum(slug)
                if not can_organize(user, forum):
                    raise _Forbidden(_("You do not organize this forum."))
            return view(user, forum, **kwargs)
        except DomainError as exc:
            return _error(exc)

    return wrapped


def _body(allowed: tuple[str, ...], *, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    if not request.is_json:
        raise _NotJson(_("Send a JSON body with Content-Type: application/json."))
    body = request_json()
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_("The body must be a JSON object.")]})
    unknown = [k for k in body if k not in allowed and k not in extra]
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    return body


# ============================================================================ JSON shapes


def _conflict_json(view: agenda.ConflictView) -> dict[str, Any]:
    c = view.conflict
    return {
        "code": c.code,
        "key": c.key,
        "session_ids": list(c.session_ids),
        "message": {"ko": c.message_ko, "en": c.message_en},
        "accepted": view.accepted,
    }


def session_json(session: ForumSession, forum: Forum) -> dict[str, Any]:
    tz = forum.timezone
    return {
        "id": session.id,
        "title": {"ko": session.title_ko, "en": session.title_en},
        "description": {"ko": session.description_ko, "en": session.description_en},
        "kind": session.kind,
        "format": session.format,
        "language": session.language,
        "status": session.status,
        "starts_at": local_iso(session.starts_at, tz),
        "ends_at": local_iso(session.ends_at, tz),
        "starts_at_utc": utc_iso(session.starts_at),
        "ends_at_utc": utc_iso(session.ends_at),
        "venue_id": session.venue_id,
        "parent_id": session.parent_id,
        "seats": session.seats,
        "seats_taken": session.seats_taken,
        "speakers": [
            {"speaker_id": li.speaker_id, "role": li.role, "position": li.position}
            for li in session.speaker_links
        ],
        "revision": session.revision,
        "fingerprint": session_edits.session_fingerprint(session),
        "updated_at": utc_iso(session.updated_at),
    }


def venue_json(venue: Venue) -> dict[str, Any]:
    return {"id": venue.id, **records.venue_values(venue)}


def speaker_json(speaker: Speaker) -> dict[str, Any]:
    return {"id": speaker.id, **records.speaker_values(speaker)}


def _saved_json(saved: session_edits.SessionSaved, forum: Forum) -> dict[str, Any]:
    return {
        "session": session_json(saved.session, forum),
        "changes": [{"id": c.id, "kind": c.kind} for c in saved.changes],
        "notices": saved.notices,
        "conflicts": [_conflict_json(c) for c in saved.conflicts],
    }


# ============================================================================ forums


@bp.get("/organize/forums")
@limiter.limit(api_limit)
@organizer_api
def organize_forums(user: User, forum: None):
    return jsonify(
        forums=[
            {
                "slug": f.slug,
                "title": {"ko": f.title_ko, "en": f.title_en},
                "status": f.status,
                "first_day": f.first_day.isoformat(),
                "last_day": f.last_day.isoformat(),
                "timezone": f.timezone,
                "programme_revision": f.programme_revision,
            }
            for f in agenda.forums_for(user)
        ]
    )


@bp.get(PREFIX)
@limiter.limit(api_limit)
@organizer_api
def organize_forum(user: User, forum: Forum):
    forum = agenda.load_forum(forum.id)
    return jsonify(
        forum={
            "slug": forum.slug,
            "title": {"ko": forum.title_ko, "en": forum.title_en},
            "status": forum.status,
            "timezone": forum.timezone,
            "first_day": forum.first_day.isoformat(),
            "last_day": forum.last_day.isoformat(),
            "programme_revision": forum.programme_revision,
        },
        venues=[venue_json(v) for v in forum.venues],
        speakers=[speaker_json(s) for s in forum.speakers],
        sessions=[session_json(s, forum) for s in forum.sessions],
        conflicts=[_conflict_json(c) for c in agenda.forum_conflicts(forum)],
    )


@bp.get(f"{PREFIX}/conflicts")
@limiter.limit(api_limit)
@organizer_api
def organize_conflicts(user: User, forum: Forum):
    return jsonify(conflicts=[_conflict_json(c) for c in agenda.forum_conflicts(forum)])


# ============================================================================ sessions


@bp.post(f"{PREFIX}/sessions")
@limiter.limit(api_limit)
@organizer_api
def organize_create_session(user: User, forum: Forum):
    body = _body(checks.SESSION_FIELDS)
    saved = session_edits.create_session(forum, body, user)
    response = jsonify(_saved_json(saved, forum))
    response.status_code = 201
    response.headers["Location"] = url_for(
        "api.organize_session", slug=forum.slug, session_id=saved.session.id
    )
    return response


@bp.get(f"{PREFIX}/sessions/<int:session_id>")
@limiter.limit(api_limit)
@organizer_api
def organize_session(user: User, forum: Forum, session_id: int):
    session = agenda.get_session(forum, session_id)
    return jsonify(
        session=session_json(session, forum),
        conflicts=[_conflict_json(c) for c in agenda.session_conflicts(forum, session_id)],
    )


@bp.patch(f"{PREFIX}/sessions/<int:session_id>")
@limiter.limit(api_limit)
@organizer_api
def organize_update_session(user: User, forum: Forum, session_id: int):
    agenda.get_session(forum, session_id)
    body = _body(checks.SESSION_FIELDS, extra=("revision", "fingerprint"))
    revision = body.pop("revision", None)
    fingerprint = body.pop("fingerprint", None)
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise ValidationFailed({"fingerprint": [_("This field has the wrong type.")]})
    if revision is None:
        raise ValidationFailed({"revision": [_("Send the revision you started from.")]})
    saved = session_edits.update_session(
        forum, session_id, body, user, revision=revision, fingerprint=fingerprint
    )
    return jsonify(_saved_json(saved, forum))


@bp.delete(f"{PREFIX}/sessions/<int:session_id>")
@limiter.limit(api_limit)
@organizer_api
def organize_delete_session(user: User, forum: Forum, session_id: int):
    agenda.get_session(forum, session_id)
    revision: Any = request.args.get("revision")
    if revision is None and request.is_json:
        body = request_json()
        revision = body.get("revision") if isinstance(body, dict) else None
    if revision is None:
        raise ValidationFailed({"revision": [_("Send the revision you started from.")]})
    session_edits.delete_session(forum, session_id, user, revision=revision)
    return "", 204


# ============================================================================ venues, speakers


def _record_routes(name: str, fields, get, create, update, delete, to_json) -> None:
    base = f"{PREFIX}/{name}s"

    def create_view(user: User, forum: Forum):
        item = create(forum, _body(fields), user)
        response = jsonify({name: to_json(item)})
        response.status_code = 201
        response.headers["Location"] = url_for(
            f"api.organize_{name}", slug=forum.slug, item_id=item.id
        )
        return response

    def get_view(user: User, forum: Forum, item_id: int):
        return jsonify({name: to_json(get(forum, item_id))})

    def update_view(user: User, forum: Forum, item_id: int):
        get(forum, item_id)
        return jsonify({name: to_json(update(forum, item_id, _body(fields), user))})

    def delete_view(user: User, forum: Forum, item_id: int):
        delete(forum, item_id, user)
        return "", 204

    for view, rule, method, endpoint in (
        (create_view, base, "POST", f"organize_create_{name}"),
        (get_view, f"{base}/<int:item_id>", "GET", f"organize_{name}"),
        (update_view, f"{base}/<int:item_id>", "PATCH", f"organize_update_{name}"),
        (delete_view, f"{base}/<int:item_id>", "DELETE", f"organize_delete_{name}"),
    ):
        view.__name__ = endpoint
        bp.add_url_rule(
            rule,
            endpoint=endpoint,
            view_func=limiter.limit(api_limit)(organizer_api(view)),
            methods=[method],
        )


_record_routes(
    "venue",
    checks.VENUE_FIELDS,
    agenda.get_venue,
    records.create_venue,
    records.update_venue,
    records.delete_venue,
    venue_json,
)
_record_routes(
    "speaker",
    checks.SPEAKER_FIELDS,
    agenda.get_speaker,
    records.create_speaker,
    records.update_speaker,
    records.delete_speaker,
    speaker_json,
)
