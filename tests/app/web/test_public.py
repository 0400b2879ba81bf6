"""The public pages: forum list, forum, programme, session, venue and speaker pages."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from app.models import StreamLink

EN = {"Accept-Language": "en"}
KO = {"Accept-Language": "ko"}


def get(client, url, headers=EN):
    response = client.get(url, headers=headers)
    return response, response.get_data(as_text=True)


def text_of(html: str) -> str:
    """The page's visible text, tags stripped and white space collapsed."""

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "title"):
                self.skip += 1

        def handle_endtag(self, tag):
            if tag in ("script", "style", "title"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def headings(html: str) -> list[tuple[int, str]]:
    return [
        (int(level), text_of(body))
        for level, body in re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", html, re.S)
    ]


def assert_page_structure(html: str) -> None:
    """One h1, no skipped heading levels, a main landmark and a skip link."""
    levels = [level for level, _ in headings(html)]
    assert levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels
    assert '<main id="main"' in html
    assert 'href="#main"' in html


def _stream(db, forum, session=None, *, platform, visibility="public", label=""):
    db.session.add(
        StreamLink(
            forum=forum,
            session=session,
            platform=platform,
            url=f"https://{platform.lower().replace(' ', '')}.example.org/{visibility}",
            label=label,
            visibility=visibility,
        )
    )
    db.session.commit()


@pytest.fixture
def summit(db, make_forum, make_venue, make_session, make_speaker):
    """Seoul Digital Summit 2018, in miniature."""
    forum = make_forum(
        slug="sds-2018",
        title_ko="서울 디지털 서밋 2018",
        title_en="Seoul Digital Summit 2018",
        theme_ko="시민의 삶을 바꾸는 스마트시티",
        theme_en="Smart City that changes citizens' lives",
        description_en="The third summit since 2016.",
        first_day=date(2018, 9, 19),
        last_day=date(2018, 9, 19),
        format="in_person",
        registration_opens_at=datetime(2018, 9, 1, tzinfo=UTC),
        registration_closes_at=datetime(2018, 9, 18, 15, 0, tzinfo=UTC),
    )
    hall = make_venue(
        forum, name_ko="다목적홀", name_en="Multipurpose Hall", floor_ko="8층", floor_en="8F"
    )
    office = make_venue(
        forum,
        name_ko="디지털 시장실",
        name_en="Digital Mayor's Office",
        floor_ko="6층",
        floor_en="6F",
    )
    tour = make_session(
        forum,
        day=date(2018, 9, 18),
        start="17:20",
        end="18:00",
        kind="tour",
        title_en="Digital Mayor's Office tour",
        title_ko="디지털 시장실 투어",
        venue=office,
        seats=30,
        seats_taken=30,
    )
    meeting = make_session(
        forum,
        start="10:00",
        end="12:00",
        kind="plenary",
        title_en="Main meeting",
        title_ko="본회의",
        venue=hall,
    )
    safety = make_session(
        forum,
        start="10:30",
        end="11:00",
        title_en="Safety and transport",
        title_ko="안전과 교통",
        parent=meeting,
        venue=hall,
        seats=40,
        seats_taken=10,
    )
    networking = make_session(
        forum,
        start="12:00",
        end="13:00",
        kind="networking",
        title_en="City-company networking",
        title_ko="도시-기업 네트워킹",
        status="cancelled",
        venue=hall,
    )
    vice_mayor = make_speaker(
        forum,
        name_ko="행정1부시장",
        name_en="First Vice Mayor",
        affiliation_ko="서울특별시",
        affiliation_en="Seoul Metropolitan Government",
        title_ko="행정1부시장",
        title_en="First Vice Mayor",
        bio_en="Attends the main meeting.",
        sessions=(meeting,),
        role="host",
    )
    _stream(db, forum, platform="TBS", label="TBS TV")
    _stream(db, forum, platform="Live Seoul")
    _stream(db, forum, platform="Members Zoom", visibility="registrants")
    _stream(db, forum, safety, platform="YouTube")
    _stream(db, forum, safety, platform="Backstage", visibility="registrants")
    return {
        "forum": forum,
        "hall": hall,
        "office": office,
        "tour": tour,
        "meeting": meeting,
        "safety": safety,
        "networking": networking,
        "vice_mayor": vice_mayor,
    }


# -- the list ---------------------------------------------------------------------------------


def test_index_lists_upcoming_then_past_forums_and_hides_drafts(client, make_forum):
    today = datetime.now(UTC).date()
    for slug, title, first, last in [
        ("past-old", "Summit 2018", date(2018, 9, 19), date(2018, 9, 19)),
        ("past-new", "Forum 2023", date(2023, 9, 26), date(2023, 9, 26)),
        ("soon", "Expo soon", today + timedelta(days=10), today + timedelta(days=12)),
        ("later", "Expo later", today + timedelta(days=60), today + timedelta(days=60)),
    ]:
        make_forum(slug=slug, title_en=title, first_day=first, last_day=last)
    make_forum(slug="hidden", title_en="Secret draft", status="draft")

    response, html = get(client, "/")

    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    order = [text.index(t) for t in ("Expo soon", "Expo later", "Forum 2023", "Summit 2018")]
    assert order == sorted(order)
    assert text.index("Upcoming forums") < order[0]
    assert order[1] < text.index("Past forums") < order[2]
    assert "Secret draft" not in html
    assert "/forums/hidden" not in html
    assert 'href="/forums/soon"' in html
    assert "Registration open" in text


def test_index_with_no_forums(client):
    response, html = get(client, "/")
    assert response.status_code == 200
    assert "No forums are announced at the moment." in html
    assert "Past forums" not in html


def test_index_in_korean_uses_korean_titles(client, make_forum):
    make_forum(slug="ko", title_ko="서울 스마트도시 리더스 포럼", title_en="Leaders Forum")
    make_forum(slug="en-only", title_ko="", title_en="English Only Forum")
    _, html = get(client, "/", headers=KO)
    assert '<html lang="ko">' in html
    assert "서울 스마트도시 리더스 포럼" in html
    # English content shown to a Korean reader carries its own language.
    assert '<span lang="en">English Only Forum</span>' in html


# -- the forum page ---------------------------------------------------------------------------


def test_forum_page_shows_the_forum(client, summit):
    response, html = get(client, "/forums/sds-2018")

    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "<h1>Seoul Digital Summit 2018</h1>" in html
    assert "Smart City that changes citizens&#39; lives" in html
    assert "Wednesday, September 19, 2018" in text
    assert "In person" in text
    assert "The third summit since 2016." in text
    assert "KST" in text
    # Venues, linked.
    assert f'href="/forums/sds-2018/venues/{summit["hall"].id}"' in html
    assert "Multipurpose Hall" in text
    # Public streams only.
    assert "TBS TV" in text and "Live Seoul" in text
    assert "Members Zoom" not in html
    assert "/registrants" not in html
    # Speakers and programme links.
    assert f'href="/forums/sds-2018/speakers/{summit["vice_mayor"].id}"' in html
    assert 'href="/forums/sds-2018/programme"' in html
    # The forum is over.
    assert "This forum has taken place" in text


def test_forum_page_registration_open_with_deadline_and_link(client, app, make_forum):
    closes = datetime.now(UTC) + timedelta(days=5)
    make_forum(
        slug="open",
        registration_closes_at=closes,
        in_person_capacity=200,
        in_person_taken=150,
        onsite_registration=True,
    )
    _, html = get(client, "/forums/open")
    text = text_of(html)
    assert "Pre-registration is open until" in text
    assert "(KST)" in text
    local = closes.astimezone(ZoneInfo("Asia/Seoul"))
    assert f"{local:%H:%M}" in text
    assert "In-person places left: 50 of 200." in text
    assert "register at the desk on the day" in text
    has_register = "attendee.register" in app.view_functions
    assert ('href="/forums/open/register"' in html) is has_register


def test_forum_page_registration_not_open_yet(client, make_forum):
    now = datetime.now(UTC)
    make_forum(
        slug="later",
        registration_opens_at=now + timedelta(days=2),
        registration_closes_at=now + timedelta(days=9),
        onsite_registration=False,
    )
    _, html = get(client, "/forums/later")
    text = text_of(html)
    assert "Pre-registration opens on" in text
    assert "It closes on" in text
    assert 'href="/forums/later/register"' not in html


def test_forum_page_registration_closed_and_full(client, make_forum):
    now = datetime.now(UTC)
    make_forum(
        slug="closed",
        registration_opens_at=now - timedelta(days=9),
        registration_closes_at=now - timedelta(days=2),
        in_person_capacity=10,
        in_person_taken=10,
    )
    _, html = get(client, "/forums/closed")
    text = text_of(html)
    assert "Pre-registration closed on" in text
    assert "All in-person places are taken." in text
    assert 'href="/forums/closed/register"' not in html


def test_register_link_helper_survives_a_missing_endpoint(app):
    from app.web.public import optional_url

    with app.test_request_context():
        assert optional_url("public.forum", slug="x") == "/forums/x"
        assert optional_url("nowhere.to_be_found", slug="x") is None


# -- the programme ----------------------------------------------------------------------------


def test_programme_by_day_with_blocks_parts_and_cancellations(client, summit):
    response, html = get(client, "/forums/sds-2018/programme")

    assert response.status_code == 200
    assert_page_structure(html)
    # One accessible table per day: the tour the evening before, and the summit day.
    assert html.count("<table") == 2
    assert html.count("<caption") == 2
    assert 'id="day-2018-09-18"' in html and 'id="day-2018-09-19"' in html
    assert [h for h in headings(html) if h[0] == 2] == [
        (2, "Tuesday, September 18, 2018"),
        (2, "Wednesday, September 19, 2018"),
        (2, "Add to your calendar"),
        (2, "For conference apps"),
    ]
    # Seven columns (languages and access among them) in two tables.
    assert html.count('scope="col"') == 14
    assert html.count('<th scope="row"') == 4

    text = text_of(html)
    # Times in the forum's zone, labelled.
    assert "Time (KST)" in text
    assert "10:30–11:00" in text
    assert "17:20–18:00" in text
    # The block, then its part, nested and named.
    meeting = text.index("Main meeting")
    part = text.index("Safety and transport")
    assert meeting < part
    assert "Part of Main meeting" in text
    assert re.search(rf'<tr [^>]*class="depth-1[^"]*" id="session-{summit["safety"].id}"', html)
    # Kind, room, speakers with roles, format, seats left.
    assert "Plenary" in text and "Tour" in text and "Networking" in text
    assert "Multipurpose Hall, 8F" in text
    assert "First Vice Mayor (Host)" in text
    assert "30 of 40 left" in text
    assert "Full" in text  # the tour
    assert "No separate limit" in text
    # Cancelled in words, not by colour alone.
    row = re.search(rf'<tr[^>]*id="session-{summit["networking"].id}".*?</tr>', html, re.S)
    assert "Cancelled" in text_of(row.group(0))
    # Links to session, venue and speaker pages.
    assert f'href="/forums/sds-2018/sessions/{summit["safety"].id}"' in html
    assert f'href="/forums/sds-2018/venues/{summit["office"].id}"' in html
    assert f'href="/forums/sds-2018/speakers/{summit["vice_mayor"].id}"' in html


def test_programme_without_sessions(client, make_forum):
    make_forum(slug="empty")
    response, html = get(client, "/forums/empty/programme")
    assert response.status_code == 200
    assert "The programme has not been announced yet." in html
    assert "<table" not in html


def test_times_follow_the_forum_zone_not_utc(client, make_forum, make_session):
    forum = make_forum(slug="kst")
    make_session(forum, start="10:30", end="11:15", title_en="Morning talk")
    _, html = get(client, "/forums/kst/programme")
    text = text_of(html)
    assert "10:30–11:15" in text
    assert "01:30" not in text


def test_the_programme_names_each_building_once_not_on_every_row(
    client, make_forum, make_venue, make_session
):
    forum = make_forum(slug="rooms", last_day=date.today() + timedelta(days=31))
    first, second = forum.first_day, forum.last_day
    city_hall = {"building_ko": "서울시청", "building_en": "Seoul City Hall"}
    hall = make_venue(forum, name_en="Multipurpose Hall", **city_hall)
    office = make_venue(forum, name_en="Mayor's Office", **city_hall)
    park = make_venue(
        forum, name_en="Visit hall", building_ko="LG사이언스파크", building_en="LG Science Park"
    )
    for start, venue in (("10:00", hall), ("11:00", office), ("13:00", hall)):
        make_session(forum, day=first, start=start, end=start[:2] + ":50", venue=venue)
    for start, venue in (("10:00", hall), ("11:00", hall), ("14:00", park), ("15:00", park)):
        make_session(forum, day=second, start=start, end=start[:2] + ":50", venue=venue)
    _, html = get(client, "/forums/rooms/programme")
    day_one, day_two = re.findall(r'<section class="programme-day".*?</section>', html, re.S)
    # One building all day: named once above the table, the rows give the room only.
    assert text_of(day_one).count("Seoul City Hall") == 1
    assert "Venue: Seoul City Hall" in text_of(day_one)
    assert "서울시청" not in text_of(day_one)
    assert text_of(day_one).count("Multipurpose Hall") == 2
    assert "Mayor's Office" in text_of(day_one)
    # Two buildings: each named on the first row of its run.
    assert text_of(day_two).count("Seoul City Hall") == 1
    assert text_of(day_two).count("LG Science Park") == 1
    assert "Venue:" not in text_of(day_two)


# -- session, venue and speaker pages ---------------------------------------------------------


def test_session_page(client, summit):
    s = summit["safety"]
    response, html = get(client, f"/forums/sds-2018/sessions/{s.id}")

    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "<h1>Safety and transport</h1>" in html
    assert "Wednesday, September 19, 2018, 10:30–11:00 (KST)" in text
    assert "Multipurpose Hall, 8F" in text
    assert "30 of 40 left" in text
    assert f'href="/forums/sds-2018/sessions/{summit["meeting"].id}"' in html  # its block
    assert "youtube.example.org" in html
    assert "Backstage" not in html


def test_block_session_page_lists_its_parts_and_speakers(client, summit):
    _, html = get(client, f"/forums/sds-2018/sessions/{summit['meeting'].id}")
    text = text_of(html)
    assert "In this programme block" in text
    assert "Safety and transport" in text
    assert "First Vice Mayor (Host)" in text


def test_cancelled_session_page_says_so(client, summit):
    _, html = get(client, f"/forums/sds-2018/sessions/{summit['networking'].id}")
    assert "Cancelled: this session will not take place." in text_of(html)


def test_venue_page(client, summit):
    hall = summit["hall"]
    response, html = get(client, f"/forums/sds-2018/venues/{hall.id}")
    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "<h1>Multipurpose Hall</h1>" in html
    assert "Seoul City Hall" in text and "8F" in text and "200" in text
    assert "Main meeting" in text and "Safety and transport" in text
    assert "Digital Mayor's Office tour" not in text


def test_speaker_page(client, summit):
    person = summit["vice_mayor"]
    response, html = get(client, f"/forums/sds-2018/speakers/{person.id}")
    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "<h1>First Vice Mayor</h1>" in html
    assert '<p class="lead" lang="ko">행정1부시장</p>' in html
    assert "Seoul Metropolitan Government" in text
    assert "Attends the main meeting." in text
    assert "Main meeting (Host)" in text


# -- not found --------------------------------------------------------------------------------


@pytest.fixture
def two_forums(make_forum, make_venue, make_session, make_speaker):
    mine = make_forum(slug="mine")
    other = make_forum(slug="other")
    draft = make_forum(slug="draft", status="draft")
    ids = {}
    for name, forum in (("mine", mine), ("other", other), ("draft", draft)):
        venue = make_venue(forum)
        session = make_session(forum, venue=venue)
        speaker = make_speaker(forum, sessions=(session,))
        ids[name] = {"venue": venue.id, "session": session.id, "speaker": speaker.id}
    return ids


def _urls(slug: str, ids: dict) -> list[str]:
    return [
        f"/forums/{slug}",
        f"/forums/{slug}/programme",
        f"/forums/{slug}/sessions/{ids['session']}",
        f"/forums/{slug}/venues/{ids['venue']}",
        f"/forums/{slug}/speakers/{ids['speaker']}",
    ]


def test_pages_of_a_published_forum_exist(client, two_forums):
    for url in _urls("mine", two_forums["mine"]):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "url",
    [
        "/forums/nope",
        "/forums/nope/programme",
        "/forums/nope/sessions/1",
        "/forums/nope/venues/1",
        "/forums/nope/speakers/1",
        "/forums/mine/sessions/999999",
        "/forums/mine/venues/999999",
        "/forums/mine/speakers/999999",
        "/forums/mine/sessions/abc",
    ],
)
def test_unknown_things_are_404_pages(client, two_forums, url):
    response, html = get(client, url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in html


def test_ids_of_another_forum_are_404(client, two_forums):
    other = two_forums["other"]
    for url in _urls("mine", other)[2:]:
        response = client.get(url)
        assert response.status_code == 404, url


def test_a_draft_forum_is_404_everywhere(client, two_forums):
    for url in _urls("draft", two_forums["draft"]):
        response, html = get(client, url)
        assert response.status_code == 404, url
        assert "Page not found" in html
    assert "draft" not in get(client, "/")[1].split("<main", 1)[1]


def test_the_stylesheet_is_served(client):
    response = client.get("/static/madang.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    assert ":focus-visible" in css
    assert "@import" not in css and "http" not in css  # no external fonts or CDNs
    response.close()
