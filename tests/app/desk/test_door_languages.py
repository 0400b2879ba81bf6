"""The door screen names the floor language of the session on now and its interpretation
channels: the language, then the stream that carries it or the receivers in the hall."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.desk.screens import door_view
from app.models import SessionService, StreamLink
from app.web import desk as desk_web
from tests.app.desk.helpers import page_text

SEOUL = ZoneInfo("Asia/Seoul")


def _at(forum, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    d = forum.first_day
    return datetime(d.year, d.month, d.day, h, m, tzinfo=SEOUL)


@pytest.fixture
def hall(db, make_forum, make_venue, make_session):
    forum = make_forum(title_en="Door Forum")
    hall = make_venue(forum, name_en="Multipurpose Hall", name_ko="다목적홀")
    keynote = make_session(
        forum, venue=hall, start="10:00", end="11:00", title_en="Keynote", language="ko"
    )
    later = make_session(
        forum, venue=hall, start="11:00", end="12:00", title_en="Panel", language="en"
    )
    for session, language, status in (
        (keynote, "en", "confirmed"),
        (keynote, "zh", "planned"),
        (keynote, "ja", "cancelled"),
        (later, "ko", "confirmed"),
    ):
        db.session.add(
            SessionService(
                forum_id=forum.id,
                session_id=session.id,
                kind="interpretation",
                language=language,
                status=status,
            )
        )
    db.session.add(
        SessionService(forum_id=forum.id, session_id=keynote.id, kind="captions", language="ko")
    )
    db.session.add(
        StreamLink(
            forum_id=forum.id,
            session_id=keynote.id,
            platform="YouTube",
            url="https://example.org/en",
            label="영어 통역 유튜브",
            label_en="English channel on YouTube",
            kind="interpretation",
            language="en",
        )
    )
    db.session.commit()
    return forum, hall, keynote


def test_the_view_gives_the_floor_and_each_channel_with_its_stream(hall):
    forum, venue, _ = hall
    view = door_view(forum.slug, venue.id, now=_at(forum, "10:30"))
    [item] = view.current
    assert item.floor == ("ko",)
    assert [(c.language, c.stream is not None, c.planned) for c in item.channels] == [
        ("en", True, False),
        ("zh", False, True),  # planned, no stream: the receivers
    ]
    assert item.channels[0].stream.label("en") == "English channel on YouTube"
    # What comes next carries none: only the session on now is described.
    assert all(not n.channels and not n.floor for n in view.next)


def test_the_screen_in_english_shows_the_channels(client, hall, monkeypatch):
    forum, venue, _ = hall
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "10:30"))
    response = client.get(
        f"/forums/{forum.slug}/venues/{venue.id}/now", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    text = page_text(response)
    now = text.split(" Now ", 1)[1].split(" Next ", 1)[0]
    assert "Spoken in Korean" in now
    assert "Interpretation" in now
    assert "English : English channel on YouTube" in now
    assert "Chinese : receiver channel (planned)" in now
    assert "Japanese" not in now  # cancelled
    assert "영어 통역 유튜브" not in text
    html = response.get_data(as_text=True)
    icons = re.findall(r"<svg\b[^>]*>", html)
    assert icons and all('aria-hidden="true"' in i for i in icons)


def test_the_screen_in_korean_shows_the_korean_label(client, hall, monkeypatch):
    forum, venue, _ = hall
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "10:30"))
    response = client.get(
        f"/forums/{forum.slug}/venues/{venue.id}/now", headers={"Accept-Language": "ko"}
    )
    text = page_text(response)
    assert "영어 : 영어 통역 유튜브" in text
    assert "English channel on YouTube" not in text


def test_nothing_on_now_shows_no_channels(client, hall, monkeypatch):
    forum, venue, _ = hall
    monkeypatch.setattr(desk_web, "_now", lambda: _at(forum, "09:00"))
    response = client.get(
        f"/forums/{forum.slug}/venues/{venue.id}/now", headers={"Accept-Language": "en"}
    )
    assert "receiver channel" not in page_text(response)
    assert "Spoken in" not in page_text(response)
