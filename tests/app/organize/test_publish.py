"""The timetable grid, conflicts on the grid and the session page, and publishing: refused
with the list of conflicts unless each one is explicitly accepted (who and when recorded)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import ConflictAcceptance, Forum, SessionSpeaker
from tests.app.web.test_public import text_of


@pytest.fixture
def draft(db, make_forum, make_user, make_venue, make_session, make_speaker):
    forum = make_forum(slug="draft-forum", status="draft")
    hall = make_venue(forum, name_en="Grand Hall", seats=100)
    room = make_venue(forum, name_en="Seminar Room", seats=20)
    block = make_session(forum, title_en="Morning block", start="09:00", end="12:00")
    talk = make_session(
        forum, title_en="City data talk", venue=hall, start="09:30", end="10:30", parent_id=None
    )
    talk.parent_id = block.id
    panel = make_session(forum, title_en="Mobility panel", venue=hall, start="10:00", end="11:00")
    seminar = make_session(
        forum, title_en="Seminar", venue=room, start="09:00", end="10:00", seats=10, seats_taken=3
    )
    dropped = make_session(
        forum, title_en="Dropped", venue=room, start="11:00", end="12:00", status="cancelled"
    )
    kim = make_speaker(forum, name_en="Kim Ji-won", sessions=(talk,), role="keynote")
    db.session.commit()
    return {
        "forum": forum,
        "user": make_user("organizer", forum),
        "talk": talk,
        "panel": panel,
        "seminar": seminar,
        "dropped": dropped,
        "block": block,
        "kim": kim,
    }


def acceptances(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ConflictAcceptance))


def conflict_keys(app, forum):
    from app.programme import agenda

    return [c.key for c in agenda.forum_conflicts(forum)]


def test_the_timetable_shows_rooms_across_time_down_with_everything(db, draft, login):
    forum = draft["forum"]
    html = login(draft["user"]).get(f"/organize/forums/{forum.slug}/timetable").get_data(True)
    assert "<script" not in html
    header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert "Grand Hall" in header and "Seminar Room" in header
    text = text_of(html)
    for label in ("09:00", "09:15", "10:45"):
        assert label in text
    assert "City data talk" in text and "Kim Ji-won (Keynote speaker)" in text
    assert "Part of: Morning block" in text
    assert "Programme blocks" in text and "Morning block" in text
    assert "Seats: 3 taken of 10" in text
    assert "Open to all attendees" in text
    assert "Cancelled" in text  # the dropped session, still on the grid
    # The double booking of the Grand Hall is marked on both sessions, in words.
    cell = re.search(rf'<td[^>]*id="cell-{draft["panel"].id}".*?</td>', html, re.S).group(0)
    assert "has-conflict" in cell
    assert "Conflict:" in text_of(cell) and "overlap in Grand Hall" in text_of(cell)
    # Hourly rowspans: the 09:30–10:30 talk spans four 15-minute rows.
    assert re.search(rf'rowspan="4"[^>]*id="cell-{draft["talk"].id}"', html)


def test_conflicts_show_on_the_session_page(db, draft, login):
    forum, panel = draft["forum"], draft["panel"]
    html = login(draft["user"]).get(f"/organize/forums/{forum.slug}/sessions/{panel.id}")
    text = text_of(html.get_data(True))
    assert "Conflicts" in text
    assert "City data talk" in text and "overlap in Grand Hall" in text
    seminar_page = login(draft["user"]).get(
        f"/organize/forums/{forum.slug}/sessions/{draft['seminar'].id}"
    )
    assert "overlap in Grand Hall" not in seminar_page.get_data(True)


def test_publishing_with_a_conflict_is_refused_with_the_list(app, db, draft, login):
    forum = draft["forum"]
    # Add a second conflict: a tour the evening before the forum.
    from app.models import ForumSession

    day_before = forum.first_day - timedelta(days=1)
    tour = ForumSession(
        forum=forum,
        title_en="Evening tour",
        starts_at=draft["talk"].starts_at.replace(day=day_before.day, month=day_before.month)
        + timedelta(hours=9),
        ends_at=draft["talk"].ends_at.replace(day=day_before.day, month=day_before.month)
        + timedelta(hours=9),
    )
    db.session.add(tour)
    db.session.commit()
    keys = conflict_keys(app, forum)
    assert len(keys) == 2
    client = login(draft["user"])
    assert client.get(f"/organize/forums/{forum.slug}/publish").status_code == 200

    refused = client.post(f"/organize/forums/{forum.slug}/publish", data={})
    text = text_of(refused.get_data(True))
    assert refused.status_code == 409
    assert "The forum was not published" in text
    assert "overlap in Grand Hall" in text and "falls outside the forum days" in text
    # Accepting only one of them: still refused, and nothing is recorded.
    refused = client.post(f"/organize/forums/{forum.slug}/publish", data={"accept": keys[:1]})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).status == "draft"
    assert acceptances(db) == 0

    revision = forum.programme_revision
    done = client.post(
        f"/organize/forums/{forum.slug}/publish",
        data={"accept": keys, "note": "The tour is the evening before, on purpose."},
    )
    assert done.status_code == 303
    db.session.expire_all()
    forum = db.session.get(Forum, forum.id)
    assert forum.status == "published"
    assert forum.programme_revision == revision + 1
    rows = db.session.scalars(select(ConflictAcceptance)).all()
    assert sorted(r.conflict_key for r in rows) == sorted(keys)
    assert all(r.accepted_by_id == draft["user"].id and r.accepted_at for r in rows)
    assert rows[0].note == "The tour is the evening before, on purpose."
    page = text_of(client.get(f"/organize/forums/{forum.slug}/conflicts").get_data(True))
    assert f"accepted by {draft['user'].email}" in page


def test_conflicts_accepted_beforehand_let_the_forum_publish(app, db, draft, login):
    forum = draft["forum"]
    keys = conflict_keys(app, forum)
    client = login(draft["user"])
    response = client.post(f"/organize/forums/{forum.slug}/conflicts", data={"accept": keys})
    assert response.status_code == 303
    assert acceptances(db) == len(keys)
    assert client.post(f"/organize/forums/{forum.slug}/publish", data={}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).status == "published"


def test_an_acceptance_can_be_withdrawn_and_then_publishing_is_refused(app, db, draft, login):
    forum = draft["forum"]
    (key,) = conflict_keys(app, forum)
    client = login(draft["user"])
    client.post(f"/organize/forums/{forum.slug}/conflicts", data={"accept": [key]})
    response = client.post(f"/organize/forums/{forum.slug}/conflicts/withdraw", data={"key": key})
    assert response.status_code == 303
    assert acceptances(db) == 0
    assert client.post(f"/organize/forums/{forum.slug}/publish", data={}).status_code == 409


def test_an_acceptance_for_a_conflict_that_is_gone_is_refused(db, draft, login):
    forum = draft["forum"]
    response = login(draft["user"]).post(
        f"/organize/forums/{forum.slug}/conflicts",
        data={"accept": ["venue_double_booked:998:999"]},
    )
    assert response.status_code == 422
    assert "The list of conflicts has changed" in response.get_data(True)
    assert acceptances(db) == 0


def test_fixing_the_conflict_lets_the_forum_publish(db, draft, login):
    forum, panel = draft["forum"], draft["panel"]
    panel.starts_at += timedelta(hours=2)
    panel.ends_at += timedelta(hours=2)
    db.session.commit()
    client = login(draft["user"])
    assert "No conflicts found." in client.get(f"/organize/forums/{forum.slug}").get_data(True)
    assert client.post(f"/organize/forums/{forum.slug}/publish", data={}).status_code == 303


def test_a_speaker_in_two_places_is_a_conflict(app, db, draft, make_session):
    forum = draft["forum"]
    elsewhere = make_session(forum, title_en="Elsewhere", start="10:00", end="10:45")
    db.session.add(SessionSpeaker(session=elsewhere, speaker=draft["kim"], role="presenter"))
    db.session.commit()
    keys = conflict_keys(app, forum)
    assert any(k.startswith("speaker_double_booked:") for k in keys)


def test_a_forum_with_registrations_stays_published(db, draft, login, make_registration):
    forum = draft["forum"]
    forum.status = "published"
    db.session.commit()
    make_registration(forum)
    response = login(draft["user"]).post(
        f"/organize/forums/{forum.slug}/unpublish", follow_redirects=True
    )
    assert "1 person is registered" in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).status == "published"
