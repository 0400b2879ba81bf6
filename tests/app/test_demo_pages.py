"""What a newcomer sees after `make run`: the demo forums through the public pages."""

from __future__ import annotations

import re

from app.demo import load_demo

SLUGS = [
    "seoul-smart-city-forum-sample",
    "wego-general-assembly-2023",
    "seoul-smart-city-week-2021",
    "smart-city-leaders-forum-2020",
    "seoul-digital-summit-2018",
]


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_the_forum_list_shows_all_five_upcoming_first(app, client):
    load_demo()
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    positions = [html.index(f'href="/forums/{slug}"') for slug in SLUGS]
    assert positions == sorted(positions)


def test_the_2020_leaders_forum_programme_as_the_issue_describes_it(app, client):
    load_demo()
    response = client.get(
        "/forums/smart-city-leaders-forum-2020/programme", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "Tuesday, September 22, 2020" in page and "Wednesday, September 23, 2020" in page
    assert "Seoul-On" in page
    day_two = page[page.index("Wednesday, September 23, 2020") :]
    keynote = day_two.index("Lee Seok-woo")
    first = day_two.index("Big data for the inclusive smart city")
    second = day_two.index("Inclusive smart city and citizen participation")
    assert keynote < first < second
    for speaker in ("Lee Jung-hoon", "Ying Long"):
        assert first < day_two.index(speaker) < second
    for speaker in ("Park In-kwon", "Fernando Vilariño", "Iwan Rudiarto"):
        assert second < day_two.index(speaker)
