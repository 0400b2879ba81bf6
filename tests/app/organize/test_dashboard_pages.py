"""The dashboard through real requests: each chart an SVG image (well-formed, no script, its own
narrow policy) with a table of the same numbers beside it; only for the forum's organizers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def organizer(db, make_forum, make_session, make_registration, make_user, login):
    forum = make_forum(slug="dash")
    tour = make_session(forum, seats=3, title_en="Harbour tour", title_ko="항구 투어")
    for _ in range(2):
        make_registration(forum, sessions=(tour,))
    client = login(make_user("organizer", forum))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return forum, client


def test_the_dashboard_has_each_chart_with_its_table(db, organizer):
    forum, client = organizer
    assert "Dashboard" in client.get(f"/organize/forums/{forum.slug}").get_data(True)
    html = client.get(f"/organize/forums/{forum.slug}/dashboard").get_data(True)
    for key in ("registrations", "sessions", "arrivals", "online", "feedback"):
        assert f'id="chart-{key}"' in html
    src = f'src="/organize/forums/{forum.slug}/charts/sessions.svg"'
    assert src in html and "the numbers are in the table that follows" in html
    fill = re.search(r'id="chart-sessions".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert "Harbour tour" in fill
    assert re.findall(r'<td class="num">(\d+)</td>', fill) == ["2", "1", "0"]
    assert "Nothing to show yet." in html  # nobody has checked in or watched yet


@pytest.mark.parametrize("name", ["registrations", "sessions", "arrivals", "online", "feedback"])
def test_each_chart_is_a_well_formed_svg_without_script(db, organizer, name):
    forum, client = organizer
    response = client.get(f"/organize/forums/{forum.slug}/charts/{name}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'"
    )
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script")) and b"<script" not in response.data
    titles = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert titles  # the chart's title and labels are drawn as text


def test_the_sessions_chart_draws_the_bars(db, organizer):
    forum, client = organizer
    root = ET.fromstring(client.get(f"/organize/forums/{forum.slug}/charts/sessions.svg").data)
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Session fill and waiting lists" in text and "Harbour tour" in text
    assert len(list(root.iter(f"{SVG}rect"))) > 2


def test_unknown_charts_and_strangers(db, organizer, login, make_user):
    forum, client = organizer
    assert client.get(f"/organize/forums/{forum.slug}/charts/secrets.svg").status_code == 404
    stranger = login(make_user("organizer"))
    assert stranger.get(f"/organize/forums/{forum.slug}/dashboard").status_code == 403
    assert stranger.get(f"/organize/forums/{forum.slug}/charts/sessions.svg").status_code == 403
