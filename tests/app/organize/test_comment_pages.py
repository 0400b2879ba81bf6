"""The comment event for organizers: the set-up form, moderation (organizers of that forum
only), and a session's reading list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, CommentEntry, CommentEvent
from tests.app.voices.test_comments import add_entry, make_event

SETUP = {
    "prompt_ko": "포용적 스마트시티는 ○○○다",
    "prompt_en": "An inclusive smart city is …",
    "opens_at": "2020-09-04T09:00",
    "closes_at": "2020-09-23T18:00",
    "max_length": "150",
    "prizes": "30",
    "prize_ko": "커피 쿠폰",
    "prize_en": "A coffee coupon",
    "sends_streams": "y",
    "reward_note_ko": "",
    "reward_note_en": "",
}


@pytest.fixture
def forum(make_forum):
    return make_forum(slug="leaders-2020")


@pytest.fixture
def organizer(make_user, forum):
    return make_user("organizer", forum)


def entry_row(db, entry_id: int) -> CommentEntry:
    db.session.rollback()
    return db.session.get(CommentEntry, entry_id)


# ========================================================================= the set-up


def test_an_organizer_sets_up_the_event_in_local_time(db, login, forum, organizer):
    client = login(organizer)
    page = client.get(f"/organize/forums/{forum.slug}/comments")
    assert page.status_code == 200 and 'type="datetime-local"' in page.get_data(True)
    response = client.post(f"/organize/forums/{forum.slug}/comments", data=SETUP)
    assert response.status_code == 303
    db.session.rollback()
    event = db.session.scalars(select(CommentEvent)).one()
    assert event.opens_at == datetime(2020, 9, 4, 0, 0, tzinfo=UTC)
    assert (event.max_length, event.prizes, event.sends_streams) == (150, 30, True)
    again = client.get(f"/organize/forums/{forum.slug}/comments").get_data(True)
    assert 'value="2020-09-04T09:00"' in again and 'value="150"' in again


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("closes_at", "2020-09-01T09:00", "The event must close after it opens."),
        ("max_length", "5", "Enter a number from 10 to 2000."),
        ("prompt_ko", "", None),
    ],
)
def test_a_bad_set_up_is_shown_with_its_error(db, login, forum, organizer, field, value, message):
    data = dict(SETUP, **{field: value})
    if field == "prompt_ko":
        data["prompt_en"] = ""
        message = "Give it in Korean, English or both."
    response = login(organizer).post(f"/organize/forums/{forum.slug}/comments", data=data)
    assert response.status_code == 422
    page = response.get_data(True)
    assert message in page and f'id="{field}-error"' in page
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommentEvent.id))) == 0


# ========================================================================= who may


@pytest.fixture
def pending(db, forum):
    event = make_event(db, forum)
    return add_entry(db, event, 1, status="pending", email="kim@example.org")


def test_only_the_forums_organizers_may_moderate(db, login, make_user, make_forum, forum, pending):
    url = f"/organize/forums/{forum.slug}/comments/{pending.id}/moderate"
    desk = make_user("desk", forum)
    stranger = make_user("organizer", make_forum())
    for user in (desk, stranger):
        client = login(user)
        assert client.post(url, data={"action": "publish"}).status_code == 403
        assert client.get(f"/organize/forums/{forum.slug}/comments").status_code == 403
        assert client.post(f"/organize/forums/{forum.slug}/comments", data=SETUP).status_code == 403
    assert login().post(url, data={"action": "publish"}).status_code in (302, 303)
    assert entry_row(db, pending.id).status == "pending"


# ========================================================================= moderating


def test_organizers_see_addresses_and_filter(db, login, forum, organizer, pending):
    event = pending.event
    add_entry(db, event, 2, email="published@example.org")
    add_entry(db, event, 3, email="unconfirmed@example.org", status="pending", confirmed_at=None)
    client = login(organizer)
    every = client.get(f"/organize/forums/{forum.slug}/comments").get_data(True)
    assert all(a in every for a in ("kim@example.org", "published@example.org"))
    only = client.get(f"/organize/forums/{forum.slug}/comments?status=pending&confirmed=no")
    text = only.get_data(True)
    assert "unconfirmed@example.org" in text
    assert "kim@example.org" not in text and "published@example.org" not in text


def test_publish_then_hide_with_a_reason_for_organizers_only(db, login, forum, organizer, pending):
    client, web = login(organizer), login()
    url = f"/organize/forums/{forum.slug}/comments/{pending.id}/moderate"
    assert client.post(url, data={"action": "publish"}).status_code == 303
    assert entry_row(db, pending.id).status == "published"
    assert "Comment 1" in web.get(f"/forums/{forum.slug}/comments").get_data(True)

    refused = client.post(url, data={"action": "hide", "reason": ""})
    assert refused.status_code == 422
    page = refused.get_data(True)
    assert "This field is required." in page and f'id="reason-{pending.id}-error"' in page
    assert entry_row(db, pending.id).status == "published"

    assert client.post(url, data={"action": "hide", "reason": "Advertising"}).status_code == 303
    row = entry_row(db, pending.id)
    assert (row.status, row.hidden_reason) == ("hidden", "Advertising")
    assert "Advertising" in client.get(f"/organize/forums/{forum.slug}/comments").get_data(True)
    public = web.get(f"/forums/{forum.slug}/comments").get_data(True)
    assert "Advertising" not in public and "Comment 1" not in public
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["comments.publish", "comments.hide"]


# ========================================================================= the reading list


def test_the_reading_list_in_order_marked_read_and_printable(
    db, login, forum, organizer, make_session
):
    seminar = make_session(forum, title_en="Leaders Seminar")
    event = make_event(db, forum)
    first = add_entry(db, event, 1, name="김민지", text="첫 번째 댓글")
    second = add_entry(db, event, 2, name="Jane Doe", text="Second comment")
    client = login(organizer)
    for entry in (first, second):
        response = client.post(
            f"/organize/forums/{forum.slug}/comments/{entry.id}/pick",
            data={"session_id": str(seminar.id)},
        )
        assert response.status_code == 303
    url = f"/organize/forums/{forum.slug}/comments/reading-list?session={seminar.id}"
    page = client.get(url).get_data(True)
    assert page.index("첫 번째 댓글") < page.index("Second comment")
    assert "김*지" in page and "J*** D**" in page and "Jane Doe" not in page
    assert 'class="reading-text"' in page

    client.post(f"/organize/forums/{forum.slug}/comments/{second.id}/move/up?session={seminar.id}")
    page = client.get(url).get_data(True)
    assert page.index("Second comment") < page.index("첫 번째 댓글")
    client.post(f"/organize/forums/{forum.slug}/comments/{second.id}/read?session={seminar.id}")
    assert entry_row(db, second.id).read_at is not None
    assert 'class="reading-item reading-read"' in client.get(url).get_data(True)

    css = Path(__file__).resolve().parents[3] / "app/web/organize/static/organize.css"
    printed = css.read_text().split("/* comment event */", 1)[1]
    assert "@media print" in printed and ".reading-actions" in printed


def test_a_pending_comment_cannot_be_picked(db, login, forum, organizer, pending, make_session):
    seminar = make_session(forum)
    response = login(organizer).post(
        f"/organize/forums/{forum.slug}/comments/{pending.id}/pick",
        data={"session_id": str(seminar.id)},
    )
    assert response.status_code == 303
    assert entry_row(db, pending.id).reading_session_id is None
