"""The announcements page: write, preview (how many people, each language), send exactly what
was previewed, and see the sent ones with their delivery counts; bad input answered on the
form with nothing queued."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.mail.delivery import deliver_due
from app.models import Announcement, OutboxMessage

TEXT = {
    "segment": "everyone",
    "session_id": "",
    "subject_ko": "건강 확인 데스크 안내",
    "body_ko": "입장 전 발열 확인을 받아 주세요.",
    "subject_en": "The health desk",
    "body_en": "Please stop at the <health> desk.\n\nThank you.",
}


@pytest.fixture
def forum_with_people(make_forum, make_session, make_registration, make_user):
    forum = make_forum(slug="talks")
    tour = make_session(forum, title_en="City tour")
    for _ in range(3):
        make_registration(forum)
    make_registration(forum, sessions=(tour,))
    make_registration(forum, status="cancelled")
    return forum, tour, make_user("organizer", forum)


def _url(forum) -> str:
    return f"/organize/forums/{forum.slug}/announcements"


def _queued(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def test_preview_counts_the_people_and_shows_each_language(db, forum_with_people, login):
    forum, _tour, user = forum_with_people
    client = login(user)
    assert "Announcements" in client.get(f"/organize/forums/{forum.slug}").get_data(True)

    response = client.post(_url(forum), data={**TEXT, "preview": "Preview"})
    html = response.get_data(True)
    assert response.status_code == 200
    assert "This reaches 4 people." in html
    assert "What people who read Korean receive" in html
    assert "What people who read English receive" in html
    assert "건강 확인 데스크 안내" in html and "The health desk" in html
    # The mail's text as the person reads it, escaped on the page.
    assert "Please stop at the &lt;health&gt; desk.\n\nThank you." in html
    assert "<health>" not in html
    assert 'value="Send to 4 people"' in html
    assert _queued(db) == 0  # a preview sends nothing


def test_sending_the_previewed_text_queues_it_and_lists_it_with_its_counts(
    db, forum_with_people, login
):
    forum, _tour, user = forum_with_people
    client = login(user)
    html = client.post(_url(forum), data={**TEXT, "preview": "Preview"}).get_data(True)
    data = {**TEXT, "previewed": _hidden(html, "previewed"), "expected": _hidden(html, "expected")}

    response = client.post(_url(forum), data={**data, "send": "Send"}, follow_redirects=True)
    page = response.get_data(True)
    assert "The announcement is queued for 4 people." in page
    assert _queued(db) == 4
    assert "Waiting to be sent" in page

    deliver_due()  # the test configuration's in-memory sender
    listed = client.get(_url(forum)).get_data(True)
    row = re.search(r"<tbody>(.*?)</tbody>", listed, re.S).group(1)
    assert "The health desk" in row and "Everyone registered" in row
    assert [int(n) for n in re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', row)] == [
        4,  # people
        0,  # waiting
        0,  # retrying
        4,  # sent
        0,  # failed
        0,  # not needed any more
    ]


def test_a_send_with_an_edited_text_shows_the_new_preview_and_sends_nothing(
    db, forum_with_people, login
):
    forum, _tour, user = forum_with_people
    client = login(user)
    html = client.post(_url(forum), data={**TEXT, "preview": "Preview"}).get_data(True)
    data = {
        **TEXT,
        "body_en": "Something else entirely.",
        "previewed": _hidden(html, "previewed"),
        "expected": _hidden(html, "expected"),
        "send": "Send",
    }
    response = client.post(_url(forum), data=data)
    page = response.get_data(True)
    assert response.status_code == 409
    assert "The text changed since the preview" in page and "Something else entirely." in page
    assert _queued(db) == 0


def test_a_group_that_grew_since_the_preview_is_shown_again(
    db, forum_with_people, login, make_registration
):
    forum, _tour, user = forum_with_people
    client = login(user)
    html = client.post(_url(forum), data={**TEXT, "preview": "Preview"}).get_data(True)
    make_registration(forum)
    data = {**TEXT, "previewed": _hidden(html, "previewed"), "expected": "4", "send": "Send"}
    response = client.post(_url(forum), data=data)
    page = response.get_data(True)
    assert response.status_code == 409
    assert "This group now has 5 people, not 4" in page and "This reaches 5 people." in page
    assert _queued(db) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"subject_ko": "", "body_ko": "", "subject_en": "", "body_en": ""},
            "Write the announcement in Korean, English or both.",
        ),
        ({"body_en": ""}, "Write both a subject and a text in this language, or neither."),
        ({"segment": "session"}, "Choose a session of this forum."),
        ({"segment": "session", "session_id": "abc"}, "Choose a session of this forum."),
        ({"segment": "nobody-at-all"}, "Choose one of"),
        ({"subject_en": "x" * 201}, "Use at most 200 characters."),
    ],
)
def test_bad_input_comes_back_on_the_form(db, forum_with_people, login, changes, message):
    forum, _tour, user = forum_with_people
    response = login(user).post(_url(forum), data={**TEXT, **changes, "send": "Send"})
    html = response.get_data(True)
    assert response.status_code == 422
    assert message in html and 'aria-invalid="true"' in html
    assert _queued(db) == 0 and db.session.scalar(select(func.count(Announcement.id))) == 0


def test_a_session_of_nobody_offers_no_send_button(db, forum_with_people, login, make_session):
    forum, _tour, user = forum_with_people
    empty = make_session(forum, title_en="Empty room")
    data = {**TEXT, "segment": "session", "session_id": str(empty.id), "preview": "Preview"}
    html = login(user).post(_url(forum), data=data).get_data(True)
    assert "This reaches 0 people." in html and "Nobody is in this group" in html
    assert 'name="send"' not in html


def test_the_people_of_a_session(db, forum_with_people, login):
    forum, tour, user = forum_with_people
    data = {**TEXT, "segment": "session", "session_id": str(tour.id), "preview": "Preview"}
    html = login(user).post(_url(forum), data=data).get_data(True)
    assert "This reaches 1 person." in html


def test_strangers_and_desk_staff_may_not(db, forum_with_people, login, make_user):
    forum, _tour, _user = forum_with_people
    assert login(make_user("organizer")).get(_url(forum)).status_code == 403
    assert login(make_user("desk", forum)).get(_url(forum)).status_code == 403
