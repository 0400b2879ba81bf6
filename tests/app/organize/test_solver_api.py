"""The agenda solver in the organizer API: ask (202), poll, apply; bad input answered 4xx
with a machine-readable error and nothing queued or applied."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import ForumSession, SolverRun
from app.programme import solver_runs
from tests.app.organize.conftest import SAMPLE, session_titled


@pytest.fixture
def call(db, sample, make_user, api_token, login):
    token = api_token(make_user("organizer", sample))
    client = login()

    def call(method, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        headers = {"Authorization": f"Bearer {token}"}
        return client.open(
            f"/api/v1/organize/forums/{SAMPLE}{path}", method=method, headers=headers, **kwargs
        )

    return call


def runs(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SolverRun))


def test_ask_poll_and_apply_the_repair(db, sample, call):
    session1 = session_titled(sample, "Session 1")

    asked = call("POST", "/solve", {"mode": "repair", "time_limit_s": 10})
    assert asked.status_code == 202, asked.json
    run = asked.json["run"]
    assert (run["status"], run["mode"], run["proposal"]) == ("queued", "repair", None)
    assert asked.headers["Location"].endswith(f"/solve/{run['id']}")

    solver_runs.work_once("test-worker")  # the worker, outside the request
    polled = call("GET", f"/solve/{run['id']}")
    assert polled.status_code == 200
    proposal = polled.json["run"]["proposal"]
    assert polled.json["run"]["status"] == "done"
    assert proposal["status"] == "optimal"
    [move] = proposal["moves"]
    assert move["session_id"] == session1.id
    assert move["before"]["starts_at"].endswith("T10:20:00+09:00")
    assert move["after"]["starts_at_utc"].endswith("Z")
    assert move["title"]["en"].startswith("Session 1")

    applied = call("POST", f"/solve/{run['id']}/apply", {"sessions": [session1.id]})
    assert applied.status_code == 200, applied.json
    assert applied.json["sessions"] == [session1.id]
    assert applied.json["run"]["status"] == "applied"
    db.session.expire_all()
    moved = db.session.get(ForumSession, session1.id)
    assert moved.starts_at.isoformat().startswith(move["after"]["starts_at_utc"][:16])

    again = call("POST", f"/solve/{run['id']}/apply", {})
    assert (again.status_code, again.json["error"]) == (409, "not_ready")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": 601}, "time_limit_s"),
        ({"time_limit_s": "ten"}, "time_limit_s"),
        ({"mode": "reshuffle"}, "mode"),
        ({"pinned": [0]}, "pinned"),
        ({"pinned": "all"}, "pinned"),
    ],
)
def test_bad_options_are_422_with_the_field_and_queue_nothing(db, call, body, field):
    response = call("POST", "/solve", body)

    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert field in response.json["errors"]
    assert runs(db) == 0


def test_not_json_and_unknown_runs(db, call):
    assert call("POST", "/solve", data="mode=repair").status_code == 415
    missing = call("GET", "/solve/424242")
    assert (missing.status_code, missing.json["error"]) == (404, "not_found")
    assert runs(db) == 0


def test_a_run_not_finished_or_a_bad_choice_applies_nothing(db, sample, call):
    run_id = call("POST", "/solve", {}).json["run"]["id"]
    early = call("POST", f"/solve/{run_id}/apply", {})
    assert (early.status_code, early.json["error"]) == (409, "not_ready")

    solver_runs.work_once("test-worker")
    for sessions in ("all", [True], [999999], 5):
        refused = call("POST", f"/solve/{run_id}/apply", {"sessions": sessions})
        assert refused.status_code == 422, (sessions, refused.json)
        assert refused.json["errors"]["sessions"]
    empty = call("POST", f"/solve/{run_id}/apply", {"sessions": []})
    assert (empty.status_code, empty.json["error"]) == (409, "nothing_to_apply")
    db.session.expire_all()
    assert db.session.get(SolverRun, run_id).status == "done"


def test_a_stale_proposal_is_refused_with_its_code(db, sample, call):
    run_id = call("POST", "/solve", {}).json["run"]["id"]
    solver_runs.work_once("test-worker")
    keynote = session_titled(sample, "Keynote")
    keynote.ends_at = keynote.ends_at.replace(minute=0)
    db.session.commit()

    refused = call("POST", f"/solve/{run_id}/apply", {})

    assert (refused.status_code, refused.json["error"]) == (409, "stale_proposal")


def test_a_forum_the_token_does_not_organize_is_403(db, make_forum, sample, call, login):
    other = make_forum(slug="someone-elses")
    response = call("POST", "/solve", {})
    assert response.status_code == 202
    path = f"/api/v1/organize/forums/{other.slug}/solve"
    assert login().post(path, json={}).status_code == 401
