"""Live questions through the JSON API: asking (201 pending), the public list (approved only,
by votes), votes (201 new, 200 again), the organizer's list and moderation with a bearer token,
and every refusal as a 4xx that changes nothing."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode
from sqlalchemy import func, select

from app.accounts.users import create_user, issue_api_token
from app.models import Question, QuestionVote
from app.voices import questions
from tests.app.privacy.test_fuzz import EXAMPLES, operations, run_cases

VOTER = "client-voter-0001"


@pytest.fixture
def staff(db, make_forum, make_session):
    forum = make_forum()
    session = make_session(forum)
    organizer = create_user("qa@staff.example.org", "a long enough password 1", "organizer")
    organizer.forums = [forum]
    db.session.commit()
    questions.set_board(forum, session.id, open=True, desk_may_moderate=False, user=organizer)
    return forum, session, organizer, issue_api_token(organizer, "tests")


def path(forum, session) -> str:
    return f"/api/v1/forums/{forum.slug}/sessions/{session.id}/questions"


def organize_path(forum, session) -> str:
    return f"/api/v1/organize/forums/{forum.slug}/sessions/{session.id}/questions"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_ask_list_vote_and_moderate(db, client, staff):
    forum, session, _organizer, token = staff
    asked = client.post(
        path(forum, session), json={"text": "<i>Free</i> buses?", "locale": "en", "name": "Kim"}
    )
    assert asked.status_code == 201
    created = asked.get_json()
    assert created["status"] == "pending"
    assert client.get(path(forum, session)).get_json() == {
        "session_id": session.id,
        "open": True,
        "questions": [],
    }

    moderation = f"{organize_path(forum, session)}/{created['id']}/moderation"
    approved = client.post(moderation, json={"action": "approve"}, headers=bearer(token))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"

    listed = client.get(path(forum, session)).get_json()["questions"]
    assert [(q["id"], q["text"], q["name"], q["votes"], q["status"]) for q in listed] == [
        (created["id"], "<i>Free</i> buses?", "Kim", 0, "approved")
    ]
    assert listed[0]["asked_at"].endswith("+09:00")

    votes = f"{path(forum, session)}/{created['id']}/votes"
    assert client.post(votes, json={"voter": VOTER}).status_code == 201
    again = client.post(votes, json={"voter": VOTER})
    assert (again.status_code, again.get_json()) == (200, {"votes": 1})
    assert client.post(votes, json={"voter": "another-client-02"}).get_json() == {"votes": 2}

    answered = client.post(moderation, json={"action": "answer"}, headers=bearer(token))
    assert answered.get_json()["answered_at"] is not None
    closed_vote = client.post(votes, json={"voter": "third-client-0003"})
    assert closed_vote.status_code == 409 and closed_vote.get_json()["error"] == "not_votable"

    everything = client.get(organize_path(forum, session), headers=bearer(token)).get_json()
    assert [q["status"] for q in everything["questions"]] == ["answered"]
    assert everything["open"] is True and everything["desk_may_moderate"] is False
    pending = client.get(f"{organize_path(forum, session)}?status=pending", headers=bearer(token))
    assert pending.get_json()["questions"] == []


def test_merging_through_the_api(db, client, staff):
    forum, session, _organizer, token = staff
    ids = [
        client.post(path(forum, session), json={"text": text}).get_json()["id"]
        for text in ("Free buses?", "Buses for free?")
    ]
    for qid in ids:
        client.post(
            f"{organize_path(forum, session)}/{qid}/moderation",
            json={"action": "approve"},
            headers=bearer(token),
        )
    for qid in ids:  # the same client votes for both
        client.post(f"{path(forum, session)}/{qid}/votes", json={"voter": VOTER})
    merged = client.post(
        f"{organize_path(forum, session)}/{ids[1]}/moderation",
        json={"action": "merge", "into": ids[0]},
        headers=bearer(token),
    )
    assert merged.status_code == 200
    assert (merged.get_json()["status"], merged.get_json()["merged_into"]) == ("merged", ids[0])
    listed = client.get(path(forum, session)).get_json()["questions"]
    assert [(q["id"], q["votes"]) for q in listed] == [(ids[0], 1)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 301}, "text"),
        ({"text": "null\u0085char"}, "text"),
        ({"text": 42}, "text"),
        ({"text": "ok", "locale": "fr"}, "locale"),
        ({"text": "ok", "name": "a\nb"}, "name"),
        ({"text": "ok", "voter": "short"}, "voter"),
    ],
)
def test_bad_questions_are_422_and_store_nothing(db, client, staff, body, field):
    forum, session, _, _ = staff
    response = client.post(path(forum, session), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(db, Question) == 0


def test_closed_ended_and_off_are_refused(db, client, staff, make_session):
    forum, session, organizer, _ = staff
    quiet = make_session(forum, start="15:00", end="16:00")
    off = client.post(path(forum, quiet), json={"text": "Hello?"})
    assert off.status_code == 404 and off.get_json()["error"] == "questions_off"
    assert client.get(path(forum, quiet)).status_code == 404
    assert (
        client.post(
            f"/api/v1/forums/nope/sessions/{session.id}/questions", json={"text": "x"}
        ).status_code
        == 404
    )

    questions.set_board(forum, session.id, open=False, desk_may_moderate=False, user=organizer)
    closed = client.post(path(forum, session), json={"text": "Hello?"})
    assert closed.status_code == 409 and closed.get_json()["error"] == "questions_closed"
    assert client.get(path(forum, session)).get_json()["open"] is False
    assert count(db, Question) == 0


@pytest.mark.parametrize(
    "voter", [None, "", "short", "x" * 65, "has space in it!", 12345678901234567]
)
def test_a_bad_voter_id_is_422(db, client, staff, voter):
    forum, session, organizer, _ = staff
    question = questions.ask(forum, session.id, {"text": "Votes?"})
    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    body = {} if voter is None else {"voter": voter}
    response = client.post(f"{path(forum, session)}/{question.id}/votes", json=body)
    assert response.status_code == 422 and "voter" in response.get_json()["errors"]
    assert count(db, QuestionVote) == 0


def test_votes_for_unknown_or_pending_questions_are_404(db, client, staff):
    forum, session, _, _ = staff
    pending = questions.ask(forum, session.id, {"text": "Not yet"})
    for qid in (pending.id, 999999, 2**40):
        response = client.post(f"{path(forum, session)}/{qid}/votes", json={"voter": VOTER})
        assert response.status_code == 404, qid
    assert count(db, QuestionVote) == 0


def test_moderation_needs_an_organizer_of_the_forum(db, client, staff, make_forum):
    forum, session, _, token = staff
    question = questions.ask(forum, session.id, {"text": "Who decides?"})
    moderation = f"{organize_path(forum, session)}/{question.id}/moderation"
    assert client.post(moderation, json={"action": "approve"}).status_code == 401

    other = create_user("other@staff.example.org", "a long enough password 1", "organizer")
    other.forums = [make_forum()]
    desk = create_user("desk@staff.example.org", "a long enough password 1", "desk")
    desk.forums = [forum]
    db.session.commit()
    for user in (other, desk):
        refused = client.post(
            moderation, json={"action": "approve"}, headers=bearer(issue_api_token(user, "t"))
        )
        assert refused.status_code == 403
    for body, status in (
        ({"action": "delete"}, 422),
        ({"action": "merge"}, 422),
        ({"action": "merge", "into": question.id}, 409),
        ({"action": "approve", "into": 0}, 422),
    ):
        response = client.post(moderation, json=body, headers=bearer(token))
        assert response.status_code == status, body
    unknown = client.get(f"{organize_path(forum, session)}?status=lost", headers=bearer(token))
    assert unknown.status_code == 422
    db.session.rollback()
    assert db.session.get(Question, question.id).status == "pending"


def test_the_document_describes_the_question_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    base = "/forums/{slug}/sessions/{session_id}/questions"
    assert set(document["paths"][base]) == {"get", "post"}
    assert document["paths"][base]["post"]["tags"] == ["voices"]
    assert set(document["paths"][f"{base}/{{question_id}}/votes"]["post"]["responses"]) >= {
        "200",
        "201",
        "404",
        "409",
        "422",
    }
    moderation = document["paths"][f"/organize{base}/{{question_id}}/moderation"]["post"]
    assert moderation["tags"] == ["organize"] and moderation["security"] == [{"bearer": []}]


# ---------------------------------------------------------------------------- schemathesis


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_question_operations_answer_as_documented(db, app, staff, mode):
    """Schemathesis on the question operations with the real forum, session and question (and
    an organizer's token): every answer matches the document, nothing is a 5xx, and in
    negative mode everything the document calls invalid is refused."""
    forum, session, organizer, token = staff
    question = questions.ask(forum, session.id, {"text": "Fuzzed?"})
    questions.moderate(forum, session.id, question.id, "approve", user=organizer)
    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [op for op in operations(schema) if "/questions" in op.path]
    assert len(found) == 5
    for operation in found:
        if generation == GenerationMode.NEGATIVE and not len(operation.body):
            continue  # the path is fixed: only a body is left to get wrong
        fixed = {"slug": forum.slug, "session_id": session.id}
        if "question_id" in {p.name for p in operation.path_parameters}:
            fixed["question_id"] = question.id
        strategy = operation.as_strategy(
            generation_mode=generation,
            path_parameters=fixed,
            headers={"Authorization": f"Bearer {token}"},
        )
        run_cases(strategy, EXAMPLES * 5)
