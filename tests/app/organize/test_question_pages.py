"""Live questions in the organizer workspace: switching them on, who may moderate (the forum's
organizers; its desk staff only when an organizer allows it), the moderator's actions as plain
forms, and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.models import Question, QuestionBoard
from app.voices import questions


@pytest.fixture
def board(db, make_forum, make_session, make_user):
    forum = make_forum()
    session = make_session(forum, title_en="Smart mobility")
    make_session(forum, title_en="Closing", start="16:00", end="17:00")
    organizer = make_user("organizer", forum)
    return forum, session, organizer


def switch_on(client, forum, session, **fields) -> None:
    response = client.post(
        f"/organize/forums/{forum.slug}/sessions/{session.id}/questions/board",
        data={f"s{session.id}-{name}": "y" for name, on in fields.items() if on},
    )
    assert response.status_code == 303


def moderation_url(forum, session) -> str:
    return f"/organize/forums/{forum.slug}/sessions/{session.id}/questions"


def test_an_organizer_switches_questions_on(db, board, login):
    forum, session, organizer = board
    client = login(organizer)
    overview = client.get(f"/organize/forums/{forum.slug}/questions")
    html = overview.get_data(as_text=True)
    assert overview.status_code == 200
    assert "Smart mobility" in html and "Closing" in html and html.count(">Off") == 2

    switch_on(client, forum, session, open=True)
    db.session.rollback()
    saved = db.session.get(QuestionBoard, session.id)
    assert (saved.open, saved.desk_may_moderate) == (True, False)
    assert "Moderate" in client.get(f"/organize/forums/{forum.slug}/questions").get_data(True)

    switch_on(client, forum, session, open=False, desk_may_moderate=True)
    db.session.rollback()
    saved = db.session.get(QuestionBoard, session.id)
    assert (saved.open, saved.desk_may_moderate) == (False, True)


def test_who_may_open_the_moderation_page(db, board, login, make_user, make_forum):
    forum, session, organizer = board
    switch_on(login(organizer), forum, session, open=True)
    desk = make_user("desk", forum)
    stranger = make_user("organizer", make_forum())

    assert login(organizer).get(moderation_url(forum, session)).status_code == 200
    assert login(stranger).get(moderation_url(forum, session)).status_code == 403
    assert login(desk).get(moderation_url(forum, session)).status_code == 403
    assert login(desk).get(f"/organize/forums/{forum.slug}/questions").status_code == 403
    anonymous = login().get(moderation_url(forum, session))
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]

    switch_on(login(organizer), forum, session, open=True, desk_may_moderate=True)
    assert login(desk).get(moderation_url(forum, session)).status_code == 200
    # The board's permission reaches the desk staff of this forum only.
    other_desk = make_user("desk", make_forum())
    assert login(other_desk).get(moderation_url(forum, session)).status_code == 403


def test_moderating_with_plain_forms(db, board, login, make_user):
    forum, session, organizer = board
    client = login(organizer)
    switch_on(client, forum, session, open=True, desk_may_moderate=True)
    first = questions.ask(forum, session.id, {"text": "Free buses?", "locale": "en"})
    second = questions.ask(forum, session.id, {"text": "Buses for free?", "locale": "en"})

    page = client.get(moderation_url(forum, session)).get_data(as_text=True)
    assert page.index("Waiting for a moderator") < page.index("Approved")
    assert 'name="action" value="approve"' in page and f'name="q{first.id}-into"' in page
    assert f'href="/forums/{forum.slug}/sessions/{session.id}/questions/screen"' in page
    assert f'href="{moderation_url(forum, session)}.csv"' in page
    assert "<script" not in page

    action = f"{moderation_url(forum, session)}/{first.id}"
    done = client.post(action, data={"action": "approve"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#question-{first.id}")
    desk = login(make_user("desk", forum))
    approved = desk.post(
        f"{moderation_url(forum, session)}/{second.id}", data={"action": "approve"}
    )
    assert approved.status_code == 303
    client.post(
        f"{moderation_url(forum, session)}/{second.id}",
        data={"action": "merge", f"q{second.id}-into": str(first.id)},
    )
    client.post(action, data={"action": "answer"})

    db.session.rollback()
    rows = {q.id: q for q in db.session.scalars(select(Question))}
    assert rows[first.id].status == "answered" and rows[first.id].answered_at is not None
    assert (rows[second.id].status, rows[second.id].merged_into_id) == ("merged", first.id)

    bad = client.post(action, data={"action": "explode"})
    assert bad.status_code == 422 and "Choose one of" in bad.get_data(as_text=True)


def test_the_csv_export(db, board, login):
    forum, session, organizer = board
    client = login(organizer)
    switch_on(client, forum, session, open=True)
    questions.ask(forum, session.id, {"text": "=cmd|' /C calc'!A0", "name": "+Kim"})
    questions.ask(forum, session.id, {"text": "포용적 스마트시티란?", "locale": "ko"})

    response = client.get(f"{moderation_url(forum, session)}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["id", "asked_at", "language", "origin", "name", "text"]
    assert rows[1][4:6] == ["'+Kim", "'=cmd|' /C calc'!A0"]
    assert rows[2][4:7] == ["anonymous", "포용적 스마트시티란?", "pending"]
