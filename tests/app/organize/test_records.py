"""Forums, venues, speakers and stream links on the /organize pages."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Forum, Speaker, StreamLink, Venue
from tests.app.web.test_public import assert_page_structure, text_of


def test_an_admin_creates_a_draft_forum(db, make_user, login):
    client = login(make_user("admin"))
    page = client.get("/organize/forums/new")
    assert page.status_code == 200
    assert_page_structure(page.get_data(True))
    bad = client.post("/organize/forums/new", data={"slug": "x y", "first_day": "2026-13-01"})
    assert bad.status_code == 422
    html = bad.get_data(True)
    assert "Use lower-case letters, digits and single hyphens." in html
    assert "Give a date like 2026-04-01." in html
    assert db.session.scalar(select(Forum)) is None
    done = client.post(
        "/organize/forums/new",
        data={
            "slug": "smart-city-2027",
            "title_ko": "스마트도시 2027",
            "title_en": "Smart City 2027",
            "timezone": "Asia/Seoul",
            "first_day": "2027-05-04",
            "last_day": "2027-05-05",
            "format": "hybrid",
            "registration_opens_at": "2027-04-01T09:00",
            "in_person_capacity": "300",
        },
    )
    assert done.status_code == 303
    forum = db.session.scalar(select(Forum))
    assert (forum.slug, forum.status, forum.in_person_capacity) == ("smart-city-2027", "draft", 300)
    assert forum.registration_opens_at.isoformat() == "2027-04-01T00:00:00+00:00"
    assert "The forum is created as a draft." in text_of(
        client.get(done.headers["Location"]).get_data(True)
    )


def test_venues_speakers_and_streams_through_their_pages(db, make_forum, make_user, login):
    forum = make_forum(slug="records", status="draft")
    client = login(make_user("organizer", forum))
    base = f"/organize/forums/{forum.slug}"

    assert client.post(f"{base}/venues/new", data={"name_en": "", "seats": "x"}).status_code == 422
    assert (
        client.post(
            f"{base}/venues/new", data={"name_en": "Hall", "kind": "hall", "seats": "120"}
        ).status_code
        == 303
    )
    venue = db.session.scalar(select(Venue))
    edited = client.post(
        f"{base}/venues/{venue.id}/edit",
        data={"name_en": "Grand Hall", "kind": "studio", "seats": "0", "map_url": "maps"},
    )
    assert edited.status_code == 422
    assert "Enter a web address starting with https://" in edited.get_data(True)
    assert (
        client.post(
            f"{base}/venues/{venue.id}/edit", data={"name_en": "Grand Hall", "kind": "hall"}
        ).status_code
        == 303
    )
    assert "Grand Hall" in text_of(client.get(f"{base}/venues").get_data(True))

    assert client.post(f"{base}/speakers/new", data={"name_ko": "김지원"}).status_code == 303
    speaker = db.session.scalar(select(Speaker))
    assert (
        client.post(
            f"{base}/speakers/{speaker.id}/edit",
            data={"name_ko": "김지원", "name_en": "Kim Ji-won"},
        ).status_code
        == 303
    )

    assert (
        client.post(
            f"{base}/streams/new", data={"platform": "YouTube", "url": "not a url"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{base}/streams/new",
            data={
                "platform": "YouTube",
                "url": "https://youtu.be/abc",
                "visibility": "registrants",
            },
        ).status_code
        == 303
    )
    stream = db.session.scalar(select(StreamLink))
    assert (stream.session_id, stream.visibility) == (None, "registrants")

    assert client.post(f"{base}/streams/{stream.id}/delete").status_code == 303
    assert client.post(f"{base}/speakers/{speaker.id}/delete").status_code == 303
    assert client.post(f"{base}/venues/{venue.id}/delete").status_code == 303
    assert db.session.scalar(select(Venue)) is None


def test_a_speaker_on_a_session_is_kept(
    db, make_forum, make_user, make_session, make_speaker, login
):
    forum = make_forum(slug="kept", status="draft")
    session = make_session(forum, title_en="Panel")
    speaker = make_speaker(forum, sessions=(session,))
    response = login(make_user("organizer", forum)).post(
        f"/organize/forums/{forum.slug}/speakers/{speaker.id}/delete", follow_redirects=True
    )
    assert "This speaker is on sessions (Panel); take them off first." in response.get_data(True)
    assert db.session.get(Speaker, speaker.id) is not None


def test_every_workspace_page_has_one_heading_and_a_main_landmark(
    db, make_forum, make_user, make_session, login
):
    forum = make_forum(slug="structure", status="draft")
    session = make_session(forum)
    client = login(make_user("organizer", forum))
    for path in (
        "",
        "/timetable",
        "/sessions",
        f"/sessions/{session.id}",
        "/venues",
        "/speakers",
        "/streams",
        "/conflicts",
        "/publish",
        "/people",
        "/import",
        "/edit",
    ):
        html = client.get(f"/organize/forums/{forum.slug}{path}").get_data(True)
        assert_page_structure(html)
