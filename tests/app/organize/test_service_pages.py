"""The organizer's pages for a session's languages and access services, and the stream form's
kind, language and two labels, through real requests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import SessionService, StreamLink


@pytest.fixture
def world(db, make_forum, make_session, make_user, login):
    forum = make_forum(slug="services")
    session = make_session(forum, title_en="Keynote", title_ko="기조연설", language="ko")
    client = login(make_user("organizer", forum))
    return forum, session, client


def _url(forum, session, rest: str = "") -> str:
    return f"/organize/forums/{forum.slug}/sessions/{session.id}/services{rest}"


def _services(db) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(SessionService).order_by(SessionService.id))
    return [(s.kind, s.language, s.status) for s in rows]


def _add(client, forum, session, **fields):
    data = {f"new-{name}": value for name, value in fields.items()}
    return client.post(_url(forum, session), data=data)


def test_the_session_page_links_to_its_services(world):
    forum, session, client = world
    page = client.get(f"/organize/forums/{forum.slug}/sessions/{session.id}")
    assert _url(forum, session) in page.get_data(as_text=True)


def test_an_organizer_adds_changes_and_removes_services(db, world):
    forum, session, client = world
    page = client.get(_url(forum, session))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Spoken on the floor:" in html and "Korean" in html
    # The languages offered: Korean and English first, by name in the reader's language.
    options = re.findall(r'<option value="([a-z]*)"', html.split('id="new-language"')[1])
    assert options[:3] == ["", "ko", "en"] and "ja" in options

    added = _add(
        client,
        forum,
        session,
        kind="interpretation",
        language="en",
        status="confirmed",
        provider="Seoul Interpreters",
    )
    assert added.status_code == 303
    assert _add(client, forum, session, kind="ksl", language="").status_code == 303
    assert _services(db) == [("interpretation", "en", "confirmed"), ("ksl", "", "planned")]

    html = client.get(_url(forum, session)).get_data(as_text=True)
    assert "Simultaneous interpretation: English" in html
    assert "Seoul Interpreters" in html  # the organizer sees the provider
    [ksl] = [s for s in db.session.scalars(select(SessionService)) if s.kind == "ksl"]
    saved = client.post(
        _url(forum, session, f"/{ksl.id}"),
        data={f"service-{ksl.id}-status": "confirmed", f"service-{ksl.id}-note": "Two signers"},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert (db.session.get(SessionService, ksl.id).status, ksl.note) == ("confirmed", "Two signers")

    removed = client.post(_url(forum, session, f"/{ksl.id}/remove"))
    assert removed.status_code == 303
    assert _services(db) == [("interpretation", "en", "confirmed")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "captions", "language": "xx"}, "Choose a language from the list"),
        ({"kind": "captions", "language": ""}, "Choose the language."),
        ({"kind": "ksl", "language": "ko"}, "Sign language has no language code"),
        ({"kind": "interpretation", "language": "ko"}, "The session is held in this language only"),
        ({"kind": "teletext", "language": "ko"}, "Choose one of:"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_error(db, world, fields, message):
    forum, session, client = world
    answer = _add(client, forum, session, **fields)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html
    field = "new-kind" if fields["kind"] == "teletext" else "new-language"
    # The error is tied to its field and listed in the summary above the form.
    assert f'id="{field}-error"' in html
    assert re.search(
        rf'<select[^>]*aria-describedby="[^"]*{field}-error"[^>]*id="{field}"', html
    ) or re.search(rf'<select[^>]*id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', html)
    assert f'href="#{field}"' in html
    assert _services(db) == []


def test_a_duplicate_and_a_bad_update_are_422_and_change_nothing(db, world):
    forum, session, client = world
    _add(client, forum, session, kind="captions", language="en")
    again = _add(client, forum, session, kind="captions", language="en")
    assert again.status_code == 422
    assert "offers this service in this language already" in again.get_data(as_text=True)
    [row] = db.session.scalars(select(SessionService)).all()
    bad = client.post(_url(forum, session, f"/{row.id}"), data={f"service-{row.id}-status": "soon"})
    assert bad.status_code == 422
    assert f'id="service-{row.id}-status-error"' in bad.get_data(as_text=True)
    assert _services(db) == [("captions", "en", "planned")]


def test_a_service_of_another_session_or_forum_is_404(db, world, make_session, make_forum):
    forum, session, client = world
    other_session = make_session(forum, title_en="Other", start="12:00", end="13:00")
    _add(client, forum, session, kind="ksl")
    [row] = db.session.scalars(select(SessionService)).all()
    assert client.post(_url(forum, other_session, f"/{row.id}")).status_code == 404
    assert client.post(_url(forum, other_session, f"/{row.id}/remove")).status_code == 404
    other_forum = make_forum(slug="theirs")
    theirs = make_session(other_forum)
    assert (
        client.get(f"/organize/forums/{forum.slug}/sessions/{theirs.id}/services").status_code
        == 404
    )
    assert _services(db) == [("ksl", "", "planned")]


def test_the_page_reads_in_korean(db, world):
    forum, session, client = world
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ko"
    _add(client, forum, session, kind="interpretation", language="en")
    html = client.get(_url(forum, session)).get_data(as_text=True)
    assert "영어" in html  # the language's name in the reader's language


# ---------------------------------------------------------------- streams


def _stream(client, forum, **fields):
    data = {"platform": "YouTube", "url": "https://youtube.com/live/x", "visibility": "public"}
    data.update(fields)
    return client.post(f"/organize/forums/{forum.slug}/streams/new", data=data)


def test_a_stream_takes_its_kind_language_and_two_labels(db, world):
    forum, session, client = world
    answer = _stream(
        client,
        forum,
        session_id=str(session.id),
        kind="interpretation",
        language="en",
        label="영어 통역",
        label_en="English interpretation",
    )
    assert answer.status_code == 303
    db.session.expire_all()
    [stream] = db.session.scalars(select(StreamLink)).all()
    assert (stream.kind, stream.language, stream.label, stream.label_en) == (
        "interpretation",
        "en",
        "영어 통역",
        "English interpretation",
    )
    listing = client.get(f"/organize/forums/{forum.slug}/streams").get_data(as_text=True)
    assert "An interpretation channel: English" in listing
    assert "English interpretation" in listing and "영어 통역" not in listing
    form = client.get(f"/organize/forums/{forum.slug}/streams/{stream.id}/edit")
    assert 'value="English interpretation"' in form.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "interpretation", "language": ""}, "Choose the language of this channel."),
        ({"kind": "captions", "language": "zz"}, "Choose a language from the list"),
        ({"kind": "main", "language": "en"}, "Only an interpretation or captions stream"),
        ({"kind": "sign", "language": "ko"}, "Only an interpretation or captions stream"),
        ({"kind": "radio"}, "Choose one of:"),
    ],
)
def test_a_bad_stream_is_the_form_again_with_the_error(db, world, fields, message):
    forum, _session, client = world
    answer = _stream(client, forum, **fields)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html
    field = "kind" if fields["kind"] == "radio" else "language"
    assert f'id="{field}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(StreamLink)) == 0
