"""Now and next: the public display at a venue's door."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.models import ProgrammeChange
from app.web import desk as desk_web
from tests.app.desk.helpers import page_text

SEOUL = ZoneInfo("Asia/Seoul")


def _section(text: str, start: str, end: str | None) -> str:
    tail = text.split(f" {start} ", 1)[1]
    return tail.split(f" {end} ", 1)[0] if end else tail


@pytest.fixture
def hall_day(make_forum, make_venue, make_session, make_speaker, db):
    forum = make_forum(title_en="Door Forum")
    hall = make_venue(forum, name_en="Multipurpose Hall", name_ko="다목적홀")
    room = make_venue(forum, name_en="Main Conference Room", name_ko="대회의실")
    keynote = make_session(
        forum, venue=hall, start="10:00", end="11:00", title_en="Keynote: inclusive city"
    )
    make_speaker(forum, sessions=(keynote,), name_en="Dr. Han Seo-yeon", affiliation_en="KAIST")
    panel = make_session(
        forum, venue=hall, start="11:00", end="12:00", title_en="Panel on data", status="cancelled"
    )
    lunch_talk = make_session(forum, venue=hall, start="13:00", end="14:00", title_en="Lunch talk")
    assembly = make_session(forum, venue=hall, start="14:00", end="15:30", title_en="Assembly")
    moved = make_session(forum, venue=room, start="15:30", end="16:30", title_en="Moved workshop")
    db.session.add(
        ProgrammeChange(
            forum_id=forum.id,
            session_id=moved.id,
            kind="venue",
            before={"venue_id": hall.id},
            after={"venue_id": room.id},
        )
    )
    db.session.add(
        ProgrammeChange(
            forum_id=forum.id,
            session_id=assembly.id,
            kind="moved",
            before={},
            after={},
        )
    )
    db.session.commit()
    return forum, hall, {"keynote": keynote, "panel": panel, "lunch": lunch_talk}


def _at(forum, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    d = forum.first_day
    return datetime(d.year, d.month, d.day, h, m, tzinfo=SEOUL)


def test_the_door_shows_now_next_and_speakers_in_large_type(client, hall_day, monkeypatch):
    forum, hall, _ = hall_day
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "10:30"))
    response = client.get(f"/forums/{forum.slug}/venues/{hall.id}/now")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="30">' in page
    assert 'class="screen door"' in page
    text = page_text(response)
    now = _section(text, "Now", "Next")
    assert "Keynote: inclusive city" in now and "Dr. Han Seo-yeon" in now and "KAIST" in now
    assert "10:00–11:00" in now
    nxt = _section(text, "Next", "Later today")
    # The next session is cancelled: shown plainly, with the one that does take place after it.
    assert "Cancelled" in nxt and "Panel on data" in nxt and "Lunch talk" in nxt
    later = _section(text, "Later today", "Moved to another room")
    assert "Assembly" in later and "New time" in later
    moved = _section(text, "Moved to another room", None)
    assert "Moved workshop" in moved and "now in Main Conference Room" in moved
    assert "10:30" in text  # the clock
    still = client.get(f"/forums/{forum.slug}/venues/{hall.id}/now?refresh=off")
    assert 'http-equiv="refresh"' not in still.get_data(as_text=True)
    assert "Automatic refresh is off." in page_text(still)


def test_between_sessions_and_after_the_last_one(client, hall_day, monkeypatch):
    forum, hall, _ = hall_day
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "12:30"))
    text = page_text(client.get(f"/forums/{forum.slug}/venues/{hall.id}/now"))
    assert "Nothing is on in this room right now." in text
    assert "Lunch talk" in _section(text, "Next", "Later today")
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "18:00"))
    text = page_text(client.get(f"/forums/{forum.slug}/venues/{hall.id}/now"))
    assert "Nothing more is planned in this room." in text


def test_a_cancelled_session_on_now_is_shown_plainly(client, hall_day, monkeypatch):
    forum, hall, _ = hall_day
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "11:15"))
    text = page_text(client.get(f"/forums/{forum.slug}/venues/{hall.id}/now"))
    now = _section(text, "Now", "Next")
    assert "Cancelled" in now and "Panel on data" in now


def test_the_door_is_public_but_only_for_published_forums_and_their_venues(
    client, hall_day, make_forum, make_venue
):
    forum, hall, _ = hall_day
    other = make_forum()
    other_hall = make_venue(other)
    draft = make_forum(status="draft")
    draft_hall = make_venue(draft)
    assert client.get(f"/forums/{forum.slug}/venues/{hall.id}/now").status_code == 200
    assert client.get(f"/forums/{forum.slug}/venues/{other_hall.id}/now").status_code == 404
    assert client.get(f"/forums/{draft.slug}/venues/{draft_hall.id}/now").status_code == 404
    assert client.get(f"/forums/{forum.slug}/venues/{2**40}/now").status_code == 404
