"""A venue's building, floor, room, address and access notes, a speaker's position and
affiliation and the forum's organizer are written in Korean and English (forms and organizer
API), and read in the reader's language (pages, mail, public API), falling back to the other."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Speaker, Venue
from tests.app.web.test_public import text_of

CITY_HALL = {
    "building_ko": "서울시청 시민청",
    "building_en": "Citizens Hall, Seoul City Hall",
    "floor_ko": "지하 1층",
    "floor_en": "B1",
    "room_ko": "다목적홀",
    "room_en": "Multipurpose Hall",
    "address_ko": "서울특별시 중구 세종대로 110",
    "address_en": "110 Sejong-daero, Jung-gu, Seoul",
    "accessibility_notes_ko": "엘리베이터가 있습니다.",
    "accessibility_notes_en": "There is a lift.",
}
ENGLISH = [v for k, v in CITY_HALL.items() if k.endswith("_en")]
KOREAN = [v for k, v in CITY_HALL.items() if k.endswith("_ko")]


def test_the_forms_keep_each_language_in_its_own_column(db, make_forum, make_user, login):
    forum = make_forum(slug="records", status="draft")
    client = login(make_user("organizer", forum))
    base = f"/organize/forums/{forum.slug}"
    form = client.get(f"{base}/venues/new").get_data(True)
    assert 'name="building_ko"' in form and 'name="building_en"' in form
    saved = client.post(f"{base}/venues/new", data={"name_en": "Hall", "kind": "hall", **CITY_HALL})
    assert saved.status_code == 303
    venue = db.session.scalar(select(Venue))
    assert {k: getattr(venue, k) for k in CITY_HALL} == CITY_HALL
    listing = text_of(client.get(f"{base}/venues").get_data(True))  # the client reads English
    assert "Citizens Hall, Seoul City Hall B1 Multipurpose Hall" in listing
    assert "서울시청" not in listing

    too_long = client.post(
        f"{base}/venues/{venue.id}/edit", data={"name_en": "Hall", "floor_en": "x" * 41}
    )
    assert too_long.status_code == 422
    assert db.session.get(Venue, venue.id).floor_en == "B1"

    person = {"name_ko": "김지원", "title_ko": "교수", "title_en": "Professor"}
    person |= {"affiliation_ko": "연세대학교", "affiliation_en": "Yonsei University"}
    assert client.post(f"{base}/speakers/new", data=person).status_code == 303
    speaker = db.session.scalar(select(Speaker))
    assert (speaker.title_ko, speaker.title_en) == ("교수", "Professor")
    speakers = text_of(client.get(f"{base}/speakers").get_data(True))
    assert "Professor, Yonsei University" in speakers and "연세대학교" not in speakers


def test_the_organizer_api_reads_and_writes_both_languages(
    client, db, make_forum, make_user, api_token
):
    forum = make_forum(slug="api-forum", status="draft")
    token = api_token(make_user("organizer", forum))
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    path = f"/api/v1/organize/forums/{forum.slug}/venues"
    created = client.post(path, json={"name_en": "Hall", **CITY_HALL}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert {k: created.get_json()["venue"][k] for k in CITY_HALL} == CITY_HALL
    bad = client.post(path, json={"name_en": "Hall", "building": "one string"}, headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"building": ["Unknown field."]}
    assert len(db.session.scalars(select(Venue)).all()) == 1


def test_pages_and_the_api_give_the_readers_language_and_fall_back(
    client, make_forum, make_venue, make_speaker, make_session
):
    forum = make_forum(
        organizer_name_ko="서울특별시", organizer_name_en="Seoul Metropolitan Government"
    )
    venue = make_venue(forum, name_ko="시민청", name_en="Citizens Hall", **CITY_HALL)
    only_korean = make_speaker(forum, title_ko="교수", title_en="", affiliation_ko="카이스트")
    make_session(forum, venue=venue)
    page = f"/forums/{forum.slug}/venues/{venue.id}"
    english = text_of(client.get(page, headers={"Accept-Language": "en"}).get_data(True))
    korean = text_of(client.get(page, headers={"Accept-Language": "ko"}).get_data(True))
    assert all(text in english for text in ENGLISH) and not any(t in english for t in KOREAN)
    assert all(text in korean for text in KOREAN) and not any(t in korean for t in ENGLISH)

    speaker_page = client.get(
        f"/forums/{forum.slug}/speakers/{only_korean.id}", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert '<span lang="ko">교수</span>' in speaker_page  # the fallback says its language
    assert '<span lang="ko">카이스트</span>' in speaker_page

    forum_page = text_of(
        client.get(f"/forums/{forum.slug}", headers={"Accept-Language": "ko"}).get_data(True)
    )
    assert "서울특별시" in forum_page and "Seoul Metropolitan Government" not in forum_page

    api = client.get(f"/api/v1/forums/{forum.slug}").get_json()
    (got,) = api["venues"]
    assert got["building"] == {"ko": "서울시청 시민청", "en": "Citizens Hall, Seoul City Hall"}
    assert got["accessibility"] == {"ko": "엘리베이터가 있습니다.", "en": "There is a lift."}
    (person,) = api["speakers"]
    assert person["title"] == {"ko": "교수", "en": ""}
    assert api["organizer"]["name"] == {"ko": "서울특별시", "en": "Seoul Metropolitan Government"}
