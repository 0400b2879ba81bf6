"""Languages and access services in the calendars and the frab export: a CONFERENCE per
stream with LANGUAGE and LABEL (RFC 7986), the description's block of floor languages,
services and channels, registrants-only channels only in the personal feed, frab's language
and links, and feeds that change when a service does."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from app.feeds import feed_cache
from app.models import SessionService, StreamLink, User
from tests.app.web.test_feeds import calendar_path, register
from tests.scheduling.test_frab import validate_json, validate_xml


@pytest.fixture
def world(db, make_forum, make_session):
    feed_cache.clear_feed_cache()
    forum = make_forum(slug="wego-2030", format="online", in_person_capacity=None)
    keynote = make_session(forum, title_en="Keynote", format="online", language="ko")
    plain = make_session(forum, title_en="Tour", format="online", start="14:00", end="15:00")
    streams = [
        ("main", "", "", "", "public", "https://youtube.example.org/main"),
        (
            "interpretation",
            "en",
            "영어 통역",
            "English interpretation",
            "public",
            "https://youtube.example.org/en",
        ),
        ("captions", "ko", "", "", "public", "https://youtube.example.org/cc"),
        ("interpretation", "zh", "", "", "registrants", "https://zoom.example.org/zh"),
    ]
    for kind, language, label, label_en, visibility, url in streams:
        db.session.add(
            StreamLink(
                forum=forum,
                session=keynote,
                platform="YouTube" if "youtube" in url else "Zoom",
                url=url,
                kind=kind,
                language=language,
                label=label,
                label_en=label_en,
                visibility=visibility,
            )
        )
    for kind, language, status in (
        ("interpretation", "en", "confirmed"),
        ("ksl", "", "planned"),
        ("captions", "ko", "confirmed"),
        ("transcript", "ko", "cancelled"),
    ):
        db.session.add(
            SessionService(
                forum_id=forum.id,
                session=keynote,
                kind=kind,
                language=language,
                status=status,
                provider="Agency Kim",
            )
        )
    db.session.commit()
    return forum, keynote, plain


def _event(data: bytes, session):
    calendar = Calendar.from_ical(data)
    [event] = [e for e in calendar.walk("VEVENT") if e["UID"].startswith(f"session-{session.id}@")]
    return event


def _conferences(event) -> list[tuple[str, str | None, str | None, str]]:
    found = event.get("CONFERENCE")
    found = found if isinstance(found, list) else [found]
    return [
        (str(c), c.params.get("LANGUAGE"), c.params.get("LABEL"), c.params.get("FEATURE"))
        for c in found
    ]


def test_the_public_feed_carries_channels_with_language_and_label(client, world):
    forum, keynote, plain = world
    data = client.get(f"/forums/{forum.slug}/schedule.ics").data
    event = _event(data, keynote)
    assert _conferences(event) == [
        ("https://youtube.example.org/main", None, "YouTube", "VIDEO"),
        (
            "https://youtube.example.org/en",
            "en",
            "영어 통역 / English interpretation",
            "AUDIO,VIDEO",
        ),
        (
            "https://youtube.example.org/cc",
            "ko",
            "YouTube · Captioned feed: Korean / 자막 화면: 한국어",
            "VIDEO",
        ),
    ]
    assert "zoom.example.org" not in data.decode()  # registrants only
    description = str(event["DESCRIPTION"]).splitlines()
    # Floor languages, the services planned and confirmed (not the cancelled transcript),
    # then the channels; never the provider.
    assert description[description.index("Language / 언어: Korean / 한국어") :][:6] == [
        "Language / 언어: Korean / 한국어",
        "Interpretation / 동시통역: English / 영어 (confirmed / 확정)",
        "Korean Sign Language / 한국수어 (planned / 예정)",
        "Live captions / 실시간 자막: Korean / 한국어 (confirmed / 확정)",
        "Interpretation channel: English / 통역 채널: 영어 — 영어 통역 / English interpretation "
        "https://youtube.example.org/en",
        "Captioned feed: Korean / 자막 화면: 한국어 — YouTube https://youtube.example.org/cc",
    ]
    assert "Livestream: YouTube https://youtube.example.org/main" in description
    assert "Transcript" not in str(event["DESCRIPTION"]) and "Agency" not in data.decode()
    # A session with nothing to say about access keeps its description as it was.
    assert "Language / 언어" not in str(_event(data, plain).get("DESCRIPTION", ""))


def test_the_personal_feed_adds_the_registrants_channels(client, world):
    forum, keynote, _plain = world
    body = register(client, forum.slug, attendance="online")
    event = _event(client.get(calendar_path(body)).data, keynote)
    channels = {url: (language, label) for url, language, label, _f in _conferences(event)}
    assert channels["https://zoom.example.org/zh"] == (
        "zh",
        "Zoom · Interpretation channel: Chinese / 통역 채널: 중국어",
    )
    assert "https://zoom.example.org/zh" in str(event["DESCRIPTION"])


def test_a_service_change_reaches_the_feeds(db, client, world):
    from app.programme import services

    forum, keynote, _plain = world
    path = f"/forums/{forum.slug}/schedule.ics"
    first = client.get(path)
    user = User(email="o@example.org", name="O", password_hash="x", role="organizer")
    db.session.add(user)
    db.session.commit()
    services.add_service(forum, keynote.id, {"kind": "international_sign"}, user)
    client.application.extensions["madang.feed_versions"]._versions.clear()  # no 1-second wait
    second = client.get(path)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "International Sign / 국제수어 (planned / 예정)" in str(
        _event(second.data, keynote)["DESCRIPTION"]
    )


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_frab_gives_one_language_and_the_channels_as_links(client, world, make_session, locale):
    forum, _keynote, _plain = world
    make_session(
        forum, title_en="Dialogue", format="online", language="en+ko", start="16:00", end="17:00"
    )
    query = "" if locale == "ko" else "?lang=en"
    xml = client.get(f"/forums/{forum.slug}/schedule.xml{query}")
    root = validate_xml(xml.data)
    document = validate_json(client.get(f"/forums/{forum.slug}/schedule.json{query}").data)
    events = [
        event
        for day in document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    ]
    by_title = {e["title"] if locale == "en" else e["subtitle"] or e["title"]: e for e in events}
    assert {e["language"] for e in events} == {"ko", "en"}
    assert by_title["Dialogue"]["language"] == "en"  # the first floor language
    links = {link["url"]: link["title"] for link in by_title["Keynote"]["links"]}
    expected = {
        "ko": {
            "https://youtube.example.org/main": "YouTube",
            "https://youtube.example.org/en": "영어 통역 (영어)",
            "https://youtube.example.org/cc": "YouTube (한국어)",
        },
        "en": {
            "https://youtube.example.org/main": "YouTube",
            "https://youtube.example.org/en": "English interpretation (English)",
            "https://youtube.example.org/cc": "YouTube (Korean)",
        },
    }[locale]
    assert links == expected
    xml_links = {
        link.get("href"): link.text
        for link in root.iter("link")
        if "example.org" in link.get("href")
    }
    assert xml_links == expected
