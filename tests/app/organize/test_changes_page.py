"""The public "changes" page of a forum: what changed in the published programme, and when."""

from __future__ import annotations

import pytest

from app.programme import session_edits
from tests.app.web.test_public import assert_page_structure, text_of


@pytest.fixture
def public_client(app, app_factory, database_url):
    """A client of an app with the `changes` blueprint (registered by the app factory once
    wired; until then on an app of its own, on the same database)."""
    if "changes" in app.blueprints:
        yield app.test_client()
        return
    from app.web.changes import bp

    other = app_factory(database_url)
    other.register_blueprint(bp)
    yield other.test_client()
    with other.app_context():
        from app.core.db import db

        db.session.remove()
        db.engine.dispose()


def test_the_changes_page_lists_each_change_latest_first(
    db, public_client, make_forum, make_user, make_venue, make_session
):
    forum = make_forum(slug="changing", status="published")
    hall, room = make_venue(forum, name_en="Hall"), make_venue(forum, name_en="Room 201")
    talk = make_session(forum, title_en="Smart mobility", venue=hall)
    user = make_user("organizer", forum)
    day = forum.first_day.isoformat()
    session_edits.update_session(
        forum,
        talk.id,
        {"starts_at": f"{day}T14:00", "ends_at": f"{day}T15:00", "venue_id": room.id},
        user,
        revision=1,
    )
    session_edits.update_session(forum, talk.id, {"status": "cancelled"}, user, revision=2)
    session_edits.create_session(
        forum,
        {"title_en": "Late addition", "starts_at": f"{day}T16:00", "ends_at": f"{day}T17:00"},
        user,
    )

    response = public_client.get("/forums/changing/changes", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_page_structure(html)
    text = text_of(html)
    assert "Programme changes" in text
    for words in (
        "Added",
        "Late addition",
        "Cancelled",
        "New venue",
        "Hall",
        "Room 201",
        "Moved",
        "10:00–11:00",
        "14:00–15:00",
    ):
        assert words in text, words
    assert text.index("Late addition") < text.index("New venue")
    assert f'href="/forums/changing/sessions/{talk.id}"' in html


def test_drafts_and_unknown_forums_have_no_changes_page(public_client, make_forum):
    make_forum(slug="secret", status="draft")
    assert public_client.get("/forums/secret/changes").status_code == 404
    assert public_client.get("/forums/nothing/changes").status_code == 404


def test_a_forum_without_changes_says_so(public_client, make_forum):
    make_forum(slug="steady")
    response = public_client.get("/forums/steady/changes", headers={"Accept-Language": "en"})
    assert "No changes since the programme was published." in response.get_data(True)
