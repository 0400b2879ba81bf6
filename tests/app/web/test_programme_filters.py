"""The programme and session pages show each session's languages and access services with an
icon and words, filter by language and service with a plain GET form, and list streams with
the label in the reader's language."""

from __future__ import annotations

import re

import pytest

from app.models import SessionService, StreamLink
from tests.app.web.test_public import EN, KO, assert_page_structure, get, text_of


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
    forum = make_forum(slug="access")
    keynote = make_session(
        forum, start="09:00", end="10:00", title_en="Keynote", title_ko="기조연설", language="ko"
    )
    _service(db, keynote, "interpretation", "en")
    _service(db, keynote, "captions", "ko", status="planned")
    _service(db, keynote, "transcript", "ko", status="cancelled")
    panel = make_session(
        forum, start="10:00", end="11:00", title_en="Panel", title_ko="패널", language="en"
    )
    _service(db, panel, "ksl")
    make_session(forum, start="11:00", end="12:00", title_en="Tour", title_ko="투어", language="ko")
    db.session.add_all(
        [
            StreamLink(
                forum_id=forum.id,
                session_id=keynote.id,
                platform="YouTube",
                url="https://example.org/keynote-en",
                label="영어 통역 채널",
                label_en="English channel",
                kind="interpretation",
                language="en",
            ),
            StreamLink(
                forum_id=forum.id,
                session_id=keynote.id,
                platform="TBS",
                url="https://example.org/keynote-tbs",
                label="TBS 생중계",  # no English label: the Korean one, marked as such
            ),
            StreamLink(
                forum_id=forum.id,
                platform="Live Seoul",
                url="https://example.org/forum",
                label="라이브 서울",
                label_en="Live Seoul, the city's broadcast",
            ),
        ]
    )
    db.session.commit()
    return forum, {"keynote": keynote, "panel": panel}


def _rows(html: str) -> list[str]:
    """The session titles of the programme's tables, in order."""
    return [text_of(m) for m in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)]


def _count_rows(html: str) -> int:
    return len(_rows(html))


def test_the_programme_shows_languages_and_services_with_icons_and_words(client, forum):
    response, html = get(client, "/forums/access/programme")
    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "Languages and access" in text
    assert "Spoken in Korean" in text and "Spoken in English" in text
    assert "Interpretation into English" in text
    assert "Live captions (Korean) (planned)" in text
    assert "Korean Sign Language" in text
    assert "Transcript" not in text.split("Find sessions")[0]  # cancelled: not shown
    # Every icon is decorative, and each stands beside its words.
    icons = re.findall(r"<svg\b[^>]*>", html)
    assert icons and all('aria-hidden="true"' in i and 'focusable="false"' in i for i in icons)
    assert re.search(r'icon-interpretation".*?</svg><span>Interpretation into English', html, re.S)
    assert re.search(r'icon-ksl".*?</svg><span>Korean Sign Language', html, re.S)


def test_the_filter_form_is_a_get_form_with_labelled_selects(client, forum):
    _, html = get(client, "/forums/access/programme")
    form = re.search(r'<form method="get"[^>]*class="programme-filters".*?</form>', html, re.S)
    assert form is not None
    form = form.group(0)
    assert 'action="/forums/access/programme"' in form
    for name in ("language", "service"):
        assert f'<label for="filter-{name}">' in form
        assert f'id="filter-{name}" name="{name}"' in form
    assert '<button type="submit">' in form
    assert "<legend" in form
    # Only the forum's languages (floor or services), Korean and English first, by name.
    options = re.findall(r'<option value="([a-z]*)"', form.split('name="service"')[0])
    assert options == ["", "ko", "en"]
    assert '<option value="en">English</option>' in form
    # Every service kind may be asked for.
    services = re.findall(r'<option value="([a-z_]*)"', form.split('name="service"')[1])
    assert services == ["", "interpretation", "ksl", "international_sign", "captions", "transcript"]
    assert "<script" not in html


@pytest.mark.parametrize(
    ("query", "titles", "announced"),
    [
        ("language=en", ["Keynote", "Panel"], "2 sessions match your choice."),
        ("language=ko", ["Keynote", "Tour"], "2 sessions match your choice."),
        ("service=ksl", ["Panel"], "1 session matches your choice."),
        ("service=captions", ["Keynote"], "1 session matches your choice."),  # planned
        ("language=ko&service=interpretation", ["Keynote"], "1 session matches your choice."),
        ("service=transcript", [], "No session matches your choice."),  # cancelled
    ],
)
def test_filtering_by_get_narrows_the_programme_and_announces_the_count(
    client, forum, query, titles, announced
):
    response, html = get(client, f"/forums/access/programme?{query}")
    assert response.status_code == 200
    assert [t.split(" Session")[0] for t in _rows(html)] == titles
    status = re.search(r'<p class="filter-result" role="status">(.*?)</p>', html, re.S)
    assert status is not None and text_of(status.group(1)) == announced
    # The chosen values stay selected.
    for pair in query.split("&"):
        key, value = pair.split("=")
        select = html.split(f'name="{key}"')[1].split("</select>")[0]
        assert f'<option value="{value}" selected>' in select


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("language=xx", "“xx” is not a language code we know"),
        ("language=%3Cscript%3E", "“&lt;script&gt;” is not a language code we know"),
        ("service=massage", "“massage” is not a service we offer"),
    ],
)
def test_an_unknown_value_is_said_next_to_its_field_and_nothing_is_filtered(
    client, forum, query, message
):
    response, html = get(client, f"/forums/access/programme?{query}")
    assert response.status_code == 200
    assert message in html
    field = "language" if "language" in query else "service"
    assert f'aria-describedby="filter-{field}-error"' in html
    assert f'id="filter-{field}-error"' in html
    assert _count_rows(html) == 3  # every session
    assert "Showing every session." in text_of(html)
    assert "<script>" not in html.split("<main")[1]


def test_the_filter_keeps_other_query_arguments(client, forum):
    _, html = get(client, "/forums/access/programme?language=en&utm_source=poster")
    assert '<input type="hidden" name="utm_source" value="poster">' in html
    clear = re.search(r'<a href="([^"]*)">Show every session</a>', html)
    assert clear is not None and clear.group(1) == "/forums/access/programme?utm_source=poster"


def test_a_known_language_nobody_speaks_finds_nothing_and_stays_chosen(client, forum):
    _, html = get(client, "/forums/access/programme?language=fr")
    assert "No session matches your choice." in text_of(html)
    assert '<option value="fr" selected>French</option>' in html


def test_the_session_page_lists_services_and_streams_in_english(client, forum):
    _, s = forum
    response, html = get(client, f"/forums/access/sessions/{s['keynote'].id}")
    assert response.status_code == 200
    assert_page_structure(html)
    text = text_of(html)
    assert "LanguageKorean" in text
    assert "Languages and access" in text
    assert "Interpretation into English" in text
    assert "Live captions (Korean) (planned)" in text
    assert "A planned service is not confirmed yet." in text
    assert "Transcript" not in text
    # The English label, the channel's language in words, hreflang for the channel.
    assert 'hreflang="en">English channel</a>' in html
    assert "English interpretation" in text
    assert "영어 통역 채널" not in html
    # No English label: the Korean one, marked as Korean, never glued to another.
    tbs = '<a href="https://example.org/keynote-tbs" rel="noopener" lang="ko">TBS 생중계</a>'
    assert tbs in html


def test_the_pages_in_korean_show_the_korean_labels(client, forum):
    _, s = forum
    _, html = get(client, f"/forums/access/sessions/{s['keynote'].id}", headers=KO)
    assert "영어 통역 채널</a>" in html
    assert "English channel" not in html
    assert ">TBS 생중계</a>" in html and 'lang="ko">TBS' not in html
    _, forum_page = get(client, "/forums/access", headers=KO)
    assert ">라이브 서울</a>" in forum_page
    assert "Live Seoul, the city" not in forum_page
    _, forum_page = get(client, "/forums/access", headers=EN)
    assert ">Live Seoul, the city&#39;s broadcast</a>" in forum_page
    assert "라이브 서울" not in forum_page
    for page in (html, forum_page):
        assert " / " not in text_of(page).split("Livestreams")[-1].split("Add to your")[0]


def test_a_session_without_services_shows_no_access_section(client, forum, make_session):
    f, _ = forum
    tour = next(s for s in f.sessions if s.title_en == "Tour")
    _, html = get(client, f"/forums/access/sessions/{tour.id}")
    assert "Languages and access" not in html
    assert "LanguageKorean" in text_of(html)
