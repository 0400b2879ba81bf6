"""scheduling: languages, access services and channels in the iCalendar and frab builders, from
plain data only (no app)."""

from __future__ import annotations

import dataclasses

from scheduling.calendar import build_calendar, session_uid
from scheduling.frab import build_frab_json, build_frab_xml
from scheduling.types import Bilingual, Language, ServiceInfo, StreamInfo
from tests.scheduling.factories import BASE_URL, DOMAIN, keynote, sample_forum
from tests.scheduling.test_calendar import events_by_uid
from tests.scheduling.test_frab import validate_json, validate_xml

KO = Language("ko", Bilingual(ko="한국어", en="Korean"))
EN = Language("en", Bilingual(ko="영어", en="English"))
ES = Language("es", Bilingual(ko="스페인어", en="Spanish"))

CHANNELS = (
    StreamInfo(id=11, platform="YouTube", url="https://yt.example/main"),
    StreamInfo(
        id=12,
        platform="YouTube",
        url="https://yt.example/en",
        kind="interpretation",
        language=EN,
        label="영어 통역",
        label_en="English channel",
    ),
    StreamInfo(id=13, platform="YouTube", url="https://yt.example/ksl", kind="sign"),
    StreamInfo(
        id=14,
        platform="Zoom",
        url="https://zoom.example/es",
        kind="interpretation",
        language=ES,
        registrants_only=True,
    ),
)
SERVICES = (
    ServiceInfo("interpretation", "confirmed", EN),
    ServiceInfo("ksl", "planned"),
    ServiceInfo("transcript", "confirmed", KO),
)


def _session(**changes):
    base = keynote(language="ko+en", floor=(KO, EN), streams=CHANNELS, services=SERVICES)
    return dataclasses.replace(base, **changes)


def _event(session, **kwargs):
    data = build_calendar(sample_forum(), [session], domain=DOMAIN, **kwargs)
    return events_by_uid(data)[session_uid(session.id, DOMAIN)]


def _conferences(event):
    return [
        (str(c), c.params.get("LANGUAGE"), c.params.get("LABEL"), c.params.get("FEATURE"))
        for c in event["CONFERENCE"]
    ]


def test_each_channel_is_a_conference_with_its_language_and_label():
    assert _conferences(_event(_session())) == [
        ("https://yt.example/main", None, "YouTube", "VIDEO"),
        ("https://yt.example/en", "en", "영어 통역 / English channel", "AUDIO,VIDEO"),
        ("https://yt.example/ksl", None, "YouTube · Sign-language feed / 수어 화면", "VIDEO"),
    ]
    private = _conferences(_event(_session(), include_private_streams=True))
    assert private[-1] == (
        "https://zoom.example/es",
        "es",
        "Zoom · Interpretation channel: Spanish / 통역 채널: 스페인어",
        "AUDIO,VIDEO",
    )


def test_the_description_lists_languages_services_and_channels():
    text = str(_event(_session())["DESCRIPTION"])
    for line in (
        "Language / 언어: Korean / 한국어, English / 영어",
        "Interpretation / 동시통역: English / 영어 (confirmed / 확정)",
        "Korean Sign Language / 한국수어 (planned / 예정)",
        "Transcript / 속기록: Korean / 한국어 (confirmed / 확정)",
        "Interpretation channel: English / 통역 채널: 영어 — 영어 통역 / English channel "
        "https://yt.example/en",
        "Sign-language feed / 수어 화면 — YouTube https://yt.example/ksl",
        "Livestream: YouTube https://yt.example/main",
    ):
        assert line in text.splitlines(), line
    assert "zoom.example" not in text  # registrants only


def test_a_cancelled_session_offers_no_channel_and_a_plain_one_no_block():
    cancelled = _event(_session(status="cancelled"))
    assert "CONFERENCE" not in cancelled
    assert "yt.example" not in str(cancelled.get("DESCRIPTION", ""))
    plain = _event(_session(streams=CHANNELS[:1], services=()))
    assert "Language / 언어" not in str(plain["DESCRIPTION"])


def test_frab_takes_the_first_floor_language_and_names_the_channels():
    sessions = [_session(), _session(id=999, language="en+ko", floor=())]
    for locale, expected in (
        ("en", "English channel (English)"),
        ("ko", "영어 통역 (영어)"),
    ):
        document = validate_json(
            build_frab_json(sample_forum(), sessions, base_url=BASE_URL, locale=locale)
        )
        validate_xml(build_frab_xml(sample_forum(), sessions, base_url=BASE_URL, locale=locale))
        events = {
            e["id"]: e
            for day in document["schedule"]["conference"]["days"]
            for room in day["rooms"].values()
            for e in room
        }
        assert events[_session().id]["language"] == "ko"
        assert events[999]["language"] == "en"  # from "en+ko" without the parsed floor
        titles = [link["title"] for link in events[_session().id]["links"]]
        assert titles == ["YouTube", expected, "YouTube"]
