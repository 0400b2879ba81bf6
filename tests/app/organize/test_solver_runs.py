"""Solver runs: checked when asked for, queued, claimed by one worker at a time with a lease,
taken over when a worker stops (a restart), and applied once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.models import SolverRun
from app.programme import solver_runs, solving
from app.programme.solver_runs import RunNotReady


@pytest.fixture
def organizer(make_user, sample):
    return make_user("organizer", sample)


def run_row(db, run_id: int) -> SolverRun:
    db.session.rollback()  # a fresh read: end the snapshot of any read still open
    return db.session.get(SolverRun, run_id)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"time_limit_s": "0"}, "time_limit_s"),
        ({"time_limit_s": "601"}, "time_limit_s"),
        ({"time_limit_s": "soon"}, "time_limit_s"),
        ({"mode": "shuffle"}, "mode"),
        ({"pinned": ["999999"]}, "pinned"),
        ({"pinned": {"a": 1}}, "pinned"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_queued(db, sample, organizer, english, raw, field):
    with pytest.raises(ValidationFailed) as refused:
        solver_runs.request_run(sample, raw, organizer)

    assert field in refused.value.errors
    assert db.session.scalars(select(SolverRun)).all() == []


def test_a_forum_without_venues_is_refused_in_words(db, make_forum, make_user, english):
    forum = make_forum(status="draft")
    with pytest.raises(ValidationFailed) as refused:
        solver_runs.request_run(forum, {"mode": "propose"}, make_user("organizer", forum))

    assert refused.value.errors["problem"]
    assert db.session.scalars(select(SolverRun)).all() == []


def test_a_published_forum_is_repaired_by_default_and_a_draft_proposed(
    sample, organizer, make_forum
):
    assert solver_runs.request_run(sample, {}, organizer).mode == "repair"
    assert solver_runs.default_mode(make_forum(status="draft")) == "propose"


def test_a_forum_keeps_at_most_a_few_runs_waiting(db, sample, organizer, english):
    for _ in range(solver_runs.QUEUE_LIMIT):
        solver_runs.request_run(sample, {"time_limit_s": "5"}, organizer)

    with pytest.raises(ValidationFailed):
        solver_runs.request_run(sample, {}, organizer)
    assert len(db.session.scalars(select(SolverRun)).all()) == solver_runs.QUEUE_LIMIT


def test_a_worker_runs_the_queued_search_and_reports_the_proposal(db, sample, organizer):
    run = solver_runs.request_run(sample, {"time_limit_s": "10"}, organizer)

    claimed = solver_runs.claim_next("worker-a")
    status = solver_runs.execute(claimed, "worker-a", heartbeat_s=0.05)

    done = run_row(db, run.id)
    assert (claimed, status, done.status) == (run.id, "done", "done")
    assert done.result["status"] in ("optimal", "feasible")
    assert len(done.result["moves"]) == 1
    assert done.progress["solutions"] >= 1
    assert done.base_digest and done.finished_at is not None and done.attempts == 1
    assert solver_runs.claim_next("worker-a") is None


def test_a_run_whose_worker_stopped_is_taken_over_and_written_once(db, sample, organizer):
    """A worker restart: the first worker's lease runs out, the next claims the run, and the
    first (had it survived) may no longer write to it."""
    run = solver_runs.request_run(sample, {"time_limit_s": "10"}, organizer)
    assert solver_runs.claim_next("worker-a") == run.id
    # Negative control: while the lease holds, nobody else claims the run.
    assert solver_runs.claim_next("worker-b") is None

    later = utcnow() + solver_runs.LEASE + timedelta(seconds=1)
    assert solver_runs.claim_next("worker-b", now=later) == run.id
    assert run_row(db, run.id).attempts == 2

    assert solver_runs.execute(run.id, "worker-a", heartbeat_s=0.01) == "lost"
    assert run_row(db, run.id).status == "running"
    assert solver_runs.execute(run.id, "worker-b", heartbeat_s=0.05) == "done"
    assert run_row(db, run.id).worker_id == "worker-b"


def test_a_run_started_too_often_fails_instead_of_looping(db, sample, organizer):
    run = solver_runs.request_run(sample, {}, organizer)
    moment = utcnow()
    for attempt in range(solver_runs.MAX_ATTEMPTS):
        moment += solver_runs.LEASE + timedelta(seconds=1)
        assert solver_runs.claim_next(f"worker-{attempt}", now=moment) == run.id

    moment += solver_runs.LEASE + timedelta(seconds=1)
    assert solver_runs.claim_next("worker-last", now=moment) is None
    failed = run_row(db, run.id)
    assert failed.status == "failed" and "3 times" in failed.error


def test_a_finished_run_is_applied_once(db, sample, organizer, english):
    run = solver_runs.request_run(sample, {}, organizer)
    with pytest.raises(RunNotReady):
        solver_runs.apply_run(sample, run.id, None, organizer)
    solver_runs.execute(solver_runs.claim_next("w"), "w", heartbeat_s=0.05)
    session_id = run_row(db, run.id).result["moves"][0]["session_id"]

    applied = solver_runs.apply_run(sample, run.id, [session_id], organizer)

    assert applied.sessions == [session_id]
    after = run_row(db, run.id)
    assert (after.status, after.applied_sessions) == ("applied", [session_id])
    assert after.applied_by_id == organizer.id
    with pytest.raises(RunNotReady):
        solver_runs.apply_run(sample, run.id, None, organizer)


def test_a_run_computed_before_a_hand_edit_is_refused(db, sample, organizer, english):
    run = solver_runs.request_run(sample, {}, organizer)
    solver_runs.execute(solver_runs.claim_next("w"), "w", heartbeat_s=0.05)
    keynote = next(s for s in sample.sessions if s.title_en.startswith("Keynote"))
    keynote.ends_at -= timedelta(minutes=10)  # a hand edit after the search
    db.session.commit()

    with pytest.raises(solving.StaleProposal):
        solver_runs.apply_run(sample, run.id, None, organizer)
    assert run_row(db, run.id).status == "done"  # the refusal changed nothing


def test_in_development_the_server_runs_the_search_on_a_thread(app, db, sample, organizer):
    run_id = solver_runs.request_run(sample, {"time_limit_s": "5"}, organizer).id
    assert solver_runs.kick_in_process(app) is None  # off unless configured (tests, production)

    app.config["AGENDA_SOLVE_IN_PROCESS"] = True
    try:
        thread = solver_runs.kick_in_process(app)
        thread.join()
    finally:
        app.config["AGENDA_SOLVE_IN_PROCESS"] = False

    assert run_row(db, run_id).status == "done"


def test_pinning_a_session_where_it_breaks_a_rule_is_refused_in_words(
    db, sample, organizer, english
):
    session1 = next(s for s in sample.sessions if s.title_en.startswith("Session 1"))

    with pytest.raises(ValidationFailed) as refused:
        solver_runs.request_run(sample, {"pinned": [str(session1.id)]}, organizer)

    [message] = refused.value.errors["problem"]
    assert "Alex Rivera" in message
    assert db.session.scalars(select(SolverRun)).all() == []


def test_a_programme_broken_after_the_request_fails_the_run_in_words(db, sample, organizer):
    from datetime import UTC, datetime

    from app.models import SpeakerAvailability

    run_id = solver_runs.request_run(sample, {}, organizer).id
    rivera = next(k for k in sample.speakers if k.name_en == "Alex Rivera")
    rivera.availability.append(
        SpeakerAvailability(
            starts_at=datetime(2030, 1, 1, 1, tzinfo=UTC),
            ends_at=datetime(2030, 1, 1, 2, tzinfo=UTC),
        )
    )
    db.session.commit()

    assert solver_runs.execute(solver_runs.claim_next("w"), "w", heartbeat_s=0.05) == "failed"

    failed = run_row(db, run_id)
    assert failed.status == "failed" and failed.result == {}
    assert "Alex Rivera" in failed.error and " / " in failed.error  # English / Korean
