"""A few seconds of each benchmark scenario, so the scripts cannot rot.

Each test runs the scenario as `make bench` does, only shorter: real gunicorn processes (Madang
and the floor app), real HTTP requests from the load generator, a real outbox worker and SMTP
sink; then it checks what the scenario checks, except speed (the numbers of a few seconds on a
busy test machine mean nothing). SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os

import pytest

from bench import all as bench_all
from bench import announcement, calendar_polling, growth, mail_delivery, rush, solver
from bench.common import normalise_url


@pytest.fixture
def pg_admin(backend) -> list[str]:
    """--pg-admin-url for the scenario: the test database server (each run makes and drops a
    database of its own, `madang_bench_<random>`)."""
    if backend != "postgresql":
        return []
    return ["--pg-admin-url", normalise_url(os.environ["TEST_DATABASE_URL"].strip())]


def short(backend: str, pg_admin: list[str]) -> list[str]:
    return ["--db", backend, "--workers", "2", "--no-save", *pg_admin]


def assert_checks(checks: dict[str, bool], log: str = "") -> None:
    failed = [name for name, ok in checks.items() if not ok]
    assert not failed, (failed, log)


def assert_summarised(scenario: str, backend: str, result: dict) -> None:
    """`make bench` turns the result into rows of the README's table: each figure judged
    against its target ("yes"/"NO") or reported without one ("-")."""
    rows = bench_all.summary_rows(scenario, backend, result)
    assert rows
    assert {row[7] for row in rows} <= {"yes", "NO", "-"}, rows


@pytest.mark.parametrize(
    ("path", "scenario", "label"),
    [("api", "registration_rush", "POST registration"), ("form", "form_rush", "POST form")],
)
def test_registration_rush(backend, pg_admin, path, scenario, label):
    args = rush.parser("smoke").parse_args(
        [
            *short(backend, pg_admin),
            *("--seconds", "1", "--warmup", "0.2", "--clients", "6"),
            *("--sessions", "2", "--seats", "2"),
        ]
    )
    result = rush.run(args, path=path, scenario=scenario)
    for which in ("floor", "madang"):
        run = result["runs"][which]
        stats = run["requests"][label]
        assert stats["ok"] > 0, which
        assert all(s["errors"] == 0 for s in run["requests"].values()), run["requests"]
        verified = run["verification"]
        assert_checks(verified["checks"], run["log_tail"])
        # More people than seats: the waiting lists were used too.
        assert verified["registrations"] > verified["seats"], verified
        assert verified["waitlisted"] > 0, verified
        assert run["memory"]["max_worker_rss_mb"] > 0
    assert result["floor_ratio"] > 0
    assert_summarised(scenario, backend, result)


def test_calendar_polling(backend, pg_admin):
    args = calendar_polling.parser().parse_args(
        [
            *short(backend, pg_admin),
            # Long enough that one slow answer on a busy machine cannot leave a phase empty.
            *("--seconds", "2", "--warmup", "0.3", "--clients", "4"),
            *("--sessions", "60", "--renders", "2", "--loadgen", "python"),
        ]
    )
    result = calendar_polling.run(args)
    for which in ("floor", "madang"):
        run = result["runs"][which]
        assert_checks(run["checks"], run["log_tail"])
        for phase in ("uncached", "cached", "not_modified", "cached_gzip"):
            requests = run["phases"][phase]["requests"]
            assert len(requests) == 1, (which, phase, requests)
            (stats,) = requests.values()
            assert stats["ok"] > 0 and stats["errors"] == 0, (which, phase, stats)
    assert set(result["floor_ratio"]) == {"cached", "not_modified", "uncached_p95"}
    assert result["runs"]["madang"]["gzip_bytes"] < result["runs"]["madang"]["feed_bytes"]
    assert_summarised("calendar_polling", backend, result)


def test_mail_delivery(backend, pg_admin):
    args = mail_delivery.parser().parse_args(
        [
            *short(backend, pg_admin),
            *("--messages", "20", "--fault-messages", "30", "--batch-size", "10"),
            *("--outage", "1", "--fast-forward", "--lease", "2", "--interval", "0.1"),
            *("--timeout", "60"),
        ]
    )
    result = mail_delivery.run(args)
    assert result["runs"]["floor"]["received"] == 20
    madang = result["runs"]["madang"]
    checks = dict(madang["verification"]["checks"])
    assert madang["verification"]["duplicates"] == 0
    assert_checks(checks, madang["log_tail"])
    faults = madang["faults"]
    assert faults["pending_after_outage"] > 0  # the outage did hold messages back
    assert madang["throughput"]["rate_per_s"] > 0
    assert_summarised("mail_delivery", backend, result)


def test_announcement(backend, pg_admin):
    """An announcement to everyone of a small forum: queued by the app's own send (one outbox
    row per person, in their language), then delivered by the outbox worker to the sink, each
    message once, with its text and the person's own manage link; the floor does the same."""
    people = 60
    args = announcement.parser().parse_args(
        [
            *short(backend, pg_admin),
            *("--people", str(people), "--batch-size", "10", "--interval", "0.1"),
            *("--timeout", "60"),
        ]
    )
    result = announcement.run(args)
    floor, madang = result["runs"]["floor"], result["runs"]["madang"]
    assert_checks(floor["verification"]["checks"])
    assert floor["delivery"]["received"] == people
    assert_checks(madang["verification"]["checks"], madang["log_tail"])
    assert madang["queue"]["recipients"] == people
    assert madang["outbox_after_send"]["locales"] == {"ko": people // 2, "en": people // 2}
    assert madang["verification"]["received"] == people
    assert madang["queue"]["queue_seconds"] > 0 and madang["delivery"]["rate_per_s"] > 0
    assert madang["queue"]["peak_rss_mb"] > 0 and madang["delivery"]["worker_peak_rss_mb"] > 0
    assert set(result["floor_ratio"]) == {"queue", "delivery"}
    assert bench_all._invariants_hold(result)
    assert_summarised("announcement", backend, result)


def test_growth(backend, pg_admin):
    """Each curve at two small sizes: the rush with people already registered and already
    waiting (every check of the rush holds, positions counted after those waiting), the
    forum and personal feeds (the personal one holds just its booked sessions), the outbox
    claim and the purge (everyone anonymised)."""
    args = growth.parser().parse_args(
        [
            *short(backend, pg_admin),
            *("--seconds", "1", "--warmup", "0.2", "--clients", "6"),
            *("--sessions", "2", "--seats", "2", "--existing", "0,50", "--waiting", "0,20"),
            *("--feed-sessions", "10,20", "--personal-sessions", "3", "--renders", "1"),
            *("--pending", "100,200", "--claims", "2", "--purge", "20,40"),
        ]
    )
    result = growth.run(args)
    lines = result["rush"]["lines"]
    assert [line["case"] for line in lines] == [
        "0 registered",
        "50 registered",
        "full, 0 waiting",
        "full, 20 waiting",
    ]
    for line in lines:
        assert line["rate_per_s"] > 0 and line["errors"] == 0, line
        assert not line["checks_failed"], line
    feeds = {line["case"]: line for line in result["feeds"]["lines"]}
    assert feeds["forum feed, 10 sessions"]["events"] == 10
    assert feeds["personal feed, 3 of 20 sessions"]["events"] == 3
    claims = result["outbox"]["lines"]
    assert [line["claimed_each"] for line in claims] == [20, 20]  # a whole batch each time
    assert [line["anonymised"] for line in result["purge"]["lines"]] == [20, 40]
    assert bench_all._invariants_hold(result)
    assert_summarised("growth", backend, result)


def test_agenda_solver():
    """The solver scenario on the forum and the PyCon UK 2016 size, peer included: every
    timetable and repair sound (checked against the rules, not the model), the peer run."""
    args = solver.parser().parse_args(
        [
            *("--instances", "forum,pyconuk2016", "--time-limit", "5"),
            *("--peer-time-limit", "30", "--peer-timeout", "240", "--no-save"),
        ]
    )
    result = solver.run(args)
    assert_checks(result["checks"])
    ours = result["runs"]["ours"]
    for name in ("forum", "pyconuk2016"):
        assert ours[name]["propose"]["status"] in ("optimal", "feasible"), ours[name]
        assert ours[name]["repair"]["moves"] >= 1  # the change did break the timetable
        assert ours[name]["peak_rss_mb"] > 0
    peer = result["runs"]["peer"]
    assert set(peer) == {"pyconuk2016"}  # the forum's blocks and formats are beyond the peer
    assert peer["pyconuk2016"]["propose"]["status"] == "Optimal", peer
    assert peer["pyconuk2016"]["repair"]["moves"] >= 1
    assert_summarised("agenda_solver", "-", result)
