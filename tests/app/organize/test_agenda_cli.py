"""`flask agenda solve` prints the proposal and applies it only when told; `flask agenda
work` runs what organizers queued."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models import ForumSession, SolverRun
from app.programme import solver_runs
from tests.app.organize.conftest import SAMPLE, session_titled


def test_solve_prints_the_repair_and_changes_nothing(app, db, sample):
    session1 = session_titled(sample, "Session 1")
    before = session1.starts_at

    result = app.test_cli_runner().invoke(args=["agenda", "solve", SAMPLE, "--time-limit", "10"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("repair: optimal in ")
    # The demo's one registrant (online, waiting for an answer on sign language) is told.
    assert "; 1 move, 1 person affected." in result.output
    assert f"#{session1.id} Session 1: Smart services" in result.output
    assert "10:20–11:20 · Main Conference Room  ->  2026-04-01 11:30–12:30" in result.output
    db.session.expire_all()
    assert db.session.get(ForumSession, session1.id).starts_at == before


def test_solve_as_json(app, sample):
    result = app.test_cli_runner().invoke(args=["agenda", "solve", SAMPLE, "--json", "--repair"])

    record = json.loads(result.output)
    assert record["mode"] == "repair" and len(record["moves"]) == 1


def test_solve_applies_with_apply_in_the_name_of_a_staff_account(
    app,
    db,
    sample,
    make_user,
):
    organizer = make_user("organizer", sample)
    session1 = session_titled(sample, "Session 1")
    revision = session1.revision
    runner = app.test_cli_runner()

    without = runner.invoke(args=["agenda", "solve", SAMPLE, "--apply"])
    assert without.exit_code == 2 and "--by" in without.output

    result = runner.invoke(args=["agenda", "solve", SAMPLE, "--apply", "--by", organizer.email])

    assert result.exit_code == 0, result.output
    assert "Applied 1 move; " in result.output
    db.session.expire_all()
    assert db.session.get(ForumSession, session1.id).revision == revision + 1


def test_solve_refuses_bad_input_clearly(app, sample):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["agenda", "solve", "no-such-forum"]).exit_code == 1
    zero = runner.invoke(args=["agenda", "solve", SAMPLE, "--time-limit", "0"])
    assert zero.exit_code == 2 and "time-limit" in zero.output
    long = runner.invoke(args=["agenda", "solve", SAMPLE, "--time-limit", "601"])
    assert long.exit_code == 2


def test_work_runs_the_queued_runs(app, db, sample, make_user):
    run_id = solver_runs.request_run(
        sample, {"time_limit_s": "5"}, make_user("organizer", sample)
    ).id

    result = app.test_cli_runner().invoke(args=["agenda", "work"])

    assert result.exit_code == 0, result.output
    assert result.output == "1 solver runs done.\n"
    db.session.expire_all()
    assert db.session.scalar(select(SolverRun.status).where(SolverRun.id == run_id)) == "done"
