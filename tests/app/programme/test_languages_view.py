"""Languages and access services as the public pages see them: each session's floor
languages, its services (cancelled ones left out, planned ones flagged), its streams with a
label for the reader, and the programme's filters by language and service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models import SessionService, StreamLink
from app.programme import views as programme
from app.programme.views import stream_label, stream_label_lang

BASE = "http://madang.test"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _service(db, session, kind, language="", status="confirmed"):
    db.session.add(
        SessionService(
            forum_id=session.forum_id,
            session_id=session.id,
            kind=kind,
            language=language,
            status=status,
        )
    )
    db.session.commit()


@pytest.fixture
def forum(db, make_forum, make_session):
    """Five sessions: Korean with English interpretation; English with Korean captions
    (planned) and a cancelled KSL service; Korean and English on the floor with International
    Sign; Korean with a Spanish transcript only; Korean with nothing else."""
    forum = make_forum(slug="langs")
    ko_interp = make_session(forum, start="09:00", end="10:00", title_en="A", language="ko")
    _service(db, ko_interp, "interpretation", "en")
    en_captions = make_session(forum, start="10:00", end="11:00", title_en="B", language="en")
    _service(db, en_captions, "captions", "ko", status="planned")
    _service(db, en_captions, "ksl", status="cancelled")
    both = make_session(forum, start="11:00", end="12:00", title_en="C", language="ko+en")
    _service(db, both, "international_sign")
    transcript = make_session(forum, start="13:00", end="14:00", title_en="D", language="ko")
    _service(db, transcript, "transcript", "es")
    plain = make_session(forum, start="14:00", end="15:00", title_en="E", language="ko")
    return forum, {"A": ko_interp, "B": en_captions, "C": both, "D": transcript, "E": plain}


def _view(slug="langs"):
    return programme.forum_view(slug, base_url=BASE, now=NOW)


def _titles(found) -> list[str]:
    return [row.item.session.title.en for day in found.days for row in day.rows]


def test_each_session_carries_its_floor_languages_and_services(forum):
    _, s = forum
    view = _view()
    a = view.session(s["A"].id).access
    assert a.floor == ("ko",)
    assert [(x.kind, x.language, x.status) for x in a.services] == [
        ("interpretation", "en", "confirmed")
    ]
    b = view.session(s["B"].id).access
    # The cancelled KSL service is left out; the planned captions say so.
    assert [(x.kind, x.planned) for x in b.services] == [("captions", True)]
    c = view.session(s["C"].id).access
    assert c.floor == ("ko", "en")
    assert c.floor_names("en") == "Korean and English"
    assert c.floor_names("ko") == "한국어 및 영어"
    assert [x.kind for x in c.services] == ["international_sign"]
    assert view.session(s["E"].id).access.services == ()


def test_the_forum_lists_the_languages_that_occur_in_it_korean_and_english_first(forum):
    view = _view()
    assert view.languages == ["ko", "en", "es"]
    assert view.language_options("en") == [("ko", "Korean"), ("en", "English"), ("es", "Spanish")]


@pytest.mark.parametrize(
    ("language", "service", "expected"),
    [
        # Floor languages, or interpretation or captions into the language.
        ("en", "", ["A", "B", "C"]),
        ("ko", "", ["A", "B", "C", "D", "E"]),
        # A transcript is not a language to follow the session in.
        ("es", "", []),
        ("", "interpretation", ["A"]),
        ("", "captions", ["B"]),  # planned counts
        ("", "ksl", []),  # cancelled does not
        ("", "international_sign", ["C"]),
        ("", "transcript", ["D"]),
        ("en", "captions", ["B"]),
        ("ko", "interpretation", ["A"]),
        ("EN", "", ["A", "B", "C"]),  # codes are read in any case
    ],
)
def test_the_filters_pick_the_matching_sessions(forum, language, service, expected):
    found = programme.filter_programme(_view(), language=language, service=service)
    assert found.active
    assert not found.rejected
    assert _titles(found) == expected
    assert found.count == len(expected)


def test_no_filter_shows_the_whole_programme(forum):
    view = _view()
    found = programme.filter_programme(view)
    assert not found.active and not found.rejected
    assert found.days == view.programme.days


@pytest.mark.parametrize(
    ("language", "service", "rejected"),
    [
        ("xx", "", {"language": "xx"}),
        ("<script>", "", {"language": "<script>"}),
        ("", "massage", {"service": "massage"}),
        ("zz", "ksl2", {"language": "zz", "service": "ksl2"}),
        (["en"], "", {}),  # not a string: ignored
    ],
)
def test_unknown_values_are_said_and_not_applied(forum, language, service, rejected):
    view = _view()
    found = programme.filter_programme(view, language=language, service=service)
    assert found.rejected == rejected
    assert not found.active
    assert found.days == view.programme.days


def test_a_bad_value_leaves_the_other_filter_applied(forum):
    found = programme.filter_programme(_view(), language="en", service="nothing")
    assert found.rejected == {"service": "nothing"}
    assert _titles(found) == ["A", "B", "C"]


def test_a_part_that_matches_is_listed_without_its_block(db, make_forum, make_session):
    forum = make_forum(slug="blocks")
    block = make_session(forum, start="09:00", end="12:00", title_en="Block", language="ko")
    part = make_session(
        forum, start="10:00", end="11:00", title_en="Part", language="en", parent=block
    )
    found = programme.filter_programme(_view("blocks"), language="en")
    [row] = [row for day in found.days for row in day.rows]
    assert row.item.session.id == part.id and row.depth == 0
    assert row.item.block.id == block.id  # it still names its block


def test_stream_labels_are_picked_for_the_reader_with_fallback():
    assert stream_label("서울시 유튜브", "City YouTube", "YouTube", "ko") == "서울시 유튜브"
    assert stream_label("서울시 유튜브", "City YouTube", "YouTube", "en") == "City YouTube"
    assert stream_label("서울시 유튜브", "", "YouTube", "en") == "서울시 유튜브"
    assert stream_label("", "City YouTube", "YouTube", "ko") == "City YouTube"
    assert stream_label("", "", "YouTube", "ko") == "YouTube"
    assert stream_label_lang("서울시 유튜브", "", "en") == "ko"
    assert stream_label_lang("", "City YouTube", "ko") == "en"
    assert stream_label_lang("서울시 유튜브", "City YouTube", "en") == ""
    assert stream_label_lang("", "", "en") == ""


def test_streams_keep_their_kind_language_and_both_labels(db, forum):
    f, s = forum
    db.session.add_all(
        [
            StreamLink(
                forum_id=f.id,
                session_id=s["A"].id,
                platform="YouTube",
                url="https://example.org/a-en",
                label="영어 통역",
                label_en="English channel",
                kind="interpretation",
                language="en",
            ),
            StreamLink(
                forum_id=f.id,
                platform="TBS",
                url="https://example.org/tbs",
                label="TBS 생중계",
                visibility="public",
            ),
        ]
    )
    db.session.commit()
    view = _view()
    [channel] = view.session(s["A"].id).access.public_streams
    assert (channel.kind, channel.language) == ("interpretation", "en")
    assert channel.label("ko") == "영어 통역" and channel.label("en") == "English channel"
    assert channel.language_name("ko") == "영어"
    [main] = view.public_stream_views
    assert main.kind == "main" and main.label("en") == "TBS 생중계"
