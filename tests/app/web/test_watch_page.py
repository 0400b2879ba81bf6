"""The watch page through real requests: reached from the manage page, its links record
online attendance once and send the person on to the stream; bad requests change nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import OnlineAttendance, StreamLink
from tests.app.web.test_register_form import form, manage_token_of, register_ok

STREAM = "https://youtube.example/live"


@pytest.fixture
def viewer(app, web, db, make_forum, make_session):
    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    stream = StreamLink(forum_id=forum.id, platform="YouTube", url=STREAM, label="Live")
    db.session.add(stream)
    db.session.commit()
    token = manage_token_of(register_ok(web, forum, form(0, attendance="online")))
    return forum, plenary, stream, token


def _count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(OnlineAttendance.id)))


def test_the_manage_page_leads_to_the_watch_page_whose_button_opens_the_stream(db, web, viewer):
    _forum, plenary, stream, token = viewer
    manage = web.get(f"/manage/{token}").get_data(True)
    assert f'href="/manage/{token}/watch"' in manage

    page = web.get(f"/manage/{token}/watch")
    html = page.get_data(True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Plenary" in html and "Watch: Live" in html
    action = f"/manage/{token}/watch/{plenary.id}/{stream.id}"
    assert f'href="{action}"' in html

    for _ in range(2):
        opened = web.get(action)
        assert opened.status_code == 303 and opened.headers["Location"] == STREAM
    assert _count(db) == 1
    assert re.search(r"You watched this session \(first opened at [^)]+\)", _watch(web, token))


def _watch(web, token: str) -> str:
    return web.get(f"/manage/{token}/watch").get_data(True)


def test_bad_requests_record_nothing(db, web, viewer, make_session):
    forum, plenary, stream, token = viewer
    tour = make_session(forum, seats=None, format="in_person", title_en="Tour")
    for path, status in (
        (f"/manage/{token}/watch/{tour.id}/{stream.id}", 404),
        (f"/manage/{token}/watch/{plenary.id}/999999", 404),
        (f"/manage/{token}/watch/abc/{stream.id}", 404),
        (f"/manage/not-a-token/watch/{plenary.id}/{stream.id}", 404),
    ):
        assert web.get(path).status_code == status, path
    assert web.get("/manage/not-a-token/watch").status_code == 404
    assert _count(db) == 0


def test_an_in_person_attendee_is_told_the_streams_are_for_online_attendance(db, web, viewer):
    forum, _plenary, _stream, _token = viewer
    token = manage_token_of(register_ok(web, forum, form(1, attendance="in_person")))
    assert f"/manage/{token}/watch" not in web.get(f"/manage/{token}").get_data(True)
    html = _watch(web, token)
    assert "You attend in person" in html and "Watch:" not in html
