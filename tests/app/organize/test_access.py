"""The access matrix: every organizer route (pages and JSON API), for anonymous visitors, desk
staff, an organizer of another forum, the forum's organizer and an admin.

The routes are read from the app's URL map, so a route added later is covered automatically;
the test fails if one has no expectation here.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.models import (
    Booking,
    CommentEntry,
    CommentEvent,
    DrawWinner,
    Material,
    Question,
    QuestionBoard,
    SessionService,
    SolverRun,
    StreamLink,
)

WEB_PREFIX = "/organize"
API_PREFIX = "/api/v1/organize"
ADMIN_ONLY = {"organize.new_forum"}
# Routes about no one forum: each lists only the forums its user works on.
NO_FORUM = {
    "organize.index",
    "organize.new_forum",
    "organize.privacy_overview",
    "api.organize_forums",
}
METHODS = ("GET", "POST", "PATCH", "DELETE")
PUBLIC_ASSETS = {"organize.static"}  # the workspace's stylesheet: no data, no access check


def organizer_rules(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if (rule.endpoint.startswith("organize.") or rule.rule.startswith(API_PREFIX))
        and rule.endpoint not in PUBLIC_ASSETS
    ]
    assert len(rules) > 40, "the organizer routes are not all registered"
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


@pytest.fixture
def world(db, make_forum, make_venue, make_session, make_speaker, make_user, make_registration):
    forum = make_forum(slug="forum-a", status="draft")
    other = make_forum(slug="forum-b")

    def fresh() -> dict[str, object]:
        """New records for one request, so a delete or a cancel never affects the next."""
        venue = make_venue(forum)
        session = make_session(forum, venue=venue, seats=10)
        speaker = make_speaker(forum)
        stream = StreamLink(
            forum=forum, session=session, platform="YouTube", url="https://youtu.be/x"
        )
        db.session.add(stream)
        run = SolverRun(forum_id=forum.id, mode="repair", status="queued", time_limit_s=5)
        db.session.add(run)
        material = Material(forum_id=forum.id, kind="recording", url="https://youtu.be/r")
        db.session.add(material)
        service = SessionService(forum_id=forum.id, session=session, kind="ksl")
        db.session.add(service)
        registration = make_registration(
            forum,
            status="waitlisted",
            waitlist_seq=1,
            sessions=(session,),
            booking_status="waitlisted",
        )
        db.session.commit()
        booking = db.session.query(Booking).filter_by(registration_id=registration.id).one()
        entry, winner, question = voices(session)
        return {
            "slug": forum.slug,
            "session_id": session.id,
            "registration_id": registration.id,
            "booking_id": booking.id,
            "venues": venue.id,
            "speakers": speaker.id,
            "streams": stream.id,
            "run_id": run.id,
            "name": "sessions",
            "material_id": material.id,
            "service_id": service.id,
            "entry_id": entry.id,
            "comment_id": entry.id,
            "winner_id": winner.id,
            "question_id": question.id,
            "direction": "up",
        }

    def voices(session) -> tuple[CommentEntry, DrawWinner, Question]:
        """A comment entry (published, and a winner of the draw) and a live question."""
        event = db.session.scalar(select(CommentEvent).where(CommentEvent.forum_id == forum.id))
        if event is None:
            event = CommentEvent(
                forum_id=forum.id, prompt_ko="?", opens_at=utcnow(), closes_at=utcnow(), prizes=1
            )
            db.session.add(event)
            db.session.flush()
        n = db.session.scalar(select(func.count(CommentEntry.id))) + 1
        entry = CommentEntry(
            event_id=event.id,
            name=f"Voice {n}",
            email=f"voice{n}@example.org",
            email_normalized=f"voice{n}@example.org",
            text="A comment",
            status="published",
            confirmed_at=utcnow(),
            consent_version="test",
            consented_at=utcnow(),
            reading_session_id=session.id,  # on the session's reading list
            reading_order=1,
        )
        db.session.add(entry)
        db.session.flush()
        winner = DrawWinner(event_id=event.id, entry_id=entry.id, rank=n)
        db.session.add(QuestionBoard(session_id=session.id, forum_id=forum.id))
        question = Question(forum_id=forum.id, session_id=session.id, text="A question")
        db.session.add_all([winner, question])
        db.session.commit()
        return entry, winner, question

    return {
        "forum": forum,
        "fresh": fresh,
        "anonymous": None,
        "desk": make_user("desk", forum),
        "other_organizer": make_user("organizer", other),
        "organizer": make_user("organizer", forum),
        "admin": make_user("admin"),
    }


def build_url(rule, ids: dict[str, object]) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "item_id":
            kind = next(k for k in ("venues", "speakers", "streams") if f"/{k}/" in rule.rule)
            values[arg] = ids[kind]
        else:
            values[arg] = ids[arg]
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^<>]+:)?{name}>", str(value), path)
    return path


def send(client, method: str, url: str, *, api: bool, token: str | None):
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if api and method in ("POST", "PATCH"):
        return client.open(url, method=method, json={}, headers=headers)
    if method == "POST":
        return client.open(url, method=method, data={}, headers=headers)
    return client.open(url, method=method, headers=headers)


@pytest.mark.parametrize("persona", ["anonymous", "desk", "other_organizer", "organizer", "admin"])
def test_every_organizer_route(app, world, login, api_token, persona):
    user = world[persona]
    client = login(user)
    token = api_token(user) if user is not None else None
    checked = 0
    for rule in organizer_rules(app):
        api = rule.rule.startswith(API_PREFIX)
        assert api or rule.rule.startswith(WEB_PREFIX), rule.rule
        for method in sorted(rule.methods & set(METHODS)):
            url = build_url(rule, world["fresh"]())
            response = send(client, method, url, api=api, token=token)
            status = response.status_code
            where = f"{persona} {method} {url} ({rule.endpoint}) -> {status}"
            if persona == "anonymous":
                if api:
                    assert status == 401, where
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                else:
                    assert status == 302, where
                    assert "/login" in response.headers["Location"], where
            elif persona == "desk":
                assert status == 403, where
            elif persona == "other_organizer":
                if rule.endpoint in NO_FORUM and rule.endpoint not in ADMIN_ONLY:
                    assert status == 200, where
                else:
                    assert status == 403, where
            elif persona == "organizer" and rule.endpoint in ADMIN_ONLY:
                assert status == 403, where
            else:
                assert status not in (401, 403, 404, 405) and status < 500, where
                if status == 302:
                    assert "/login" not in response.headers["Location"], where
            checked += 1
    assert checked > 55


def test_objects_of_another_forum_are_not_found_through_this_one(
    app, db, make_forum, make_session, make_venue, make_user, login, api_token
):
    mine = make_forum(slug="mine")
    theirs = make_forum(slug="theirs")
    their_session = make_session(theirs)
    their_venue = make_venue(theirs)
    organizer = make_user("organizer", mine)
    client = login(organizer)
    assert client.get(f"/organize/forums/mine/sessions/{their_session.id}").status_code == 404
    assert client.get(f"/organize/forums/mine/venues/{their_venue.id}/edit").status_code == 404
    token = api_token(organizer)
    response = client.patch(
        f"/api/v1/organize/forums/mine/sessions/{their_session.id}",
        json={"revision": 1, "title_en": "Hijacked"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404
    db.session.refresh(their_session)
    assert their_session.title_en == "Session"


def test_the_workspace_stylesheet_is_the_only_public_organizer_route(app, login):
    public = [
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("organize.") and r.endpoint in PUBLIC_ASSETS
    ]
    assert public == ["organize.static"]
    response = login().get("/organize/static/organize.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()
