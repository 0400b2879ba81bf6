"""The feedback survey and its results through real requests: a person answers once through
their link, bad answers come back on the form, someone who did not attend is told why, and the
organizer reads the results per forum and session."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.core.tokens import hash_token
from app.models import FeedbackAnswer


@pytest.fixture
def surveyed(db, make_forum, make_session, make_registration, make_user, login):
    forum = make_forum(slug="asked", first_day=date(2026, 5, 14), last_day=date(2026, 5, 14))
    tour = make_session(forum, seats=20, title_en="City tour")
    came = make_registration(forum, sessions=(tour,))
    came.bookings[0].checked_in_at = datetime(2026, 5, 14, 2, 0, tzinfo=UTC)
    came.manage_token_hash = hash_token("came-token")
    absent = make_registration(forum)
    absent.manage_token_hash = hash_token("absent-token")
    db.session.commit()
    return forum, tour, login(make_user("organizer", forum))


def _answers(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(FeedbackAnswer.id)))


def test_a_person_answers_once_and_the_organizer_reads_it(db, client, surveyed):
    forum, tour, organizer = surveyed
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/manage/came-token/feedback")
    html = page.get_data(True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "How was the forum as a whole?" in html and "City tour" in html
    assert html.count('type="radio" name="rating"') == 5
    assert html.count(f'type="radio" name="rating_{tour.id}"') == 5

    data = {"rating": "4", "comment": "Well run", f"rating_{tour.id}": "5"}
    sent = client.post("/manage/came-token/feedback", data=data, follow_redirects=True)
    assert "Thank you for your answer." in sent.get_data(True)
    assert "your answer is recorded (4 out of 5 for the forum)" in sent.get_data(True)
    again = client.post("/manage/came-token/feedback", data={"rating": "1"})
    assert again.status_code == 409 and "answered this survey already" in again.get_data(True)
    assert _answers(db) == 1

    results = organizer.get(f"/organize/forums/{forum.slug}/feedback").get_data(True)
    assert "1 person attended and is asked." in results
    forum_row = re.search(r'id="forum-feedback".*?<tbody><tr>(.*?)</tr>', results, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', forum_row) == [
        "1",
        "4.0",
        "0",
        "0",
        "0",
        "1",
        "0",
    ]
    assert "Well run" in results and f'id="session-feedback-{tour.id}"' in results


def test_a_bad_answer_comes_back_on_the_form(db, client, surveyed):
    _forum, tour, _organizer = surveyed
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/manage/came-token/feedback",
        data={"rating": "7", "comment": "Kept", f"comment_{tour.id}": "no stars"},
    )
    html = response.get_data(True)
    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in html and "Rate the session to leave a comment" in html
    assert "Kept" in html and 'aria-invalid="true"' in html
    assert _answers(db) == 0


def test_someone_who_did_not_attend_is_told_why(db, client, surveyed):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/manage/absent-token/feedback")
    assert page.status_code == 403
    assert "for people who attended the forum" in page.get_data(True)
    assert client.post("/manage/absent-token/feedback", data={"rating": "5"}).status_code == 403
    assert client.get("/manage/unknown/feedback").status_code == 404
    assert _answers(db) == 0


def test_strangers_may_not_read_the_results(db, surveyed, login, make_user):
    forum, _tour, _organizer = surveyed
    assert (
        login(make_user("organizer")).get(f"/organize/forums/{forum.slug}/feedback").status_code
        == 403
    )


def test_the_manage_page_offers_the_survey_to_those_who_attended(db, client, surveyed):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert 'href="/manage/came-token/feedback"' in client.get("/manage/came-token").get_data(True)
    assert "/feedback" not in client.get("/manage/absent-token").get_data(True)
