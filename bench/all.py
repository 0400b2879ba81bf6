"""Every scenario, on PostgreSQL and SQLite, each against its floor: `make bench`.

    python -m bench.all                     # the full runs (about 30 minutes)
    python -m bench.all --smoke             # a few seconds each: do the scripts still work?
    python -m bench.all --db sqlite --workers 4

Each scenario runs as its own process (`python -m bench.<scenario> …`) and writes its JSON to
bench/results/; this prints one summary table at the end and writes it as Markdown too
(bench/results/all-<time>.md), ready for the README's Performance section.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common

FULL = {
    "registration_rush": shlex.split("--seconds 60 --clients 64"),
    "form_rush": shlex.split("--seconds 60 --clients 64"),
    "calendar_polling": shlex.split("--seconds 20 --clients 32"),
    "mail_delivery": shlex.split("--messages 4000 --fault-messages 1500 --outage 60"),
    "announcement": shlex.split("--people 10000"),
    "growth": shlex.split("--seconds 15 --clients 64"),
    "agenda_solver": shlex.split("--time-limit 60 --peer-time-limit 60 --peer-timeout 300"),
}
SMOKE = {
    "registration_rush": shlex.split(
        "--seconds 2 --warmup 0.5 --clients 8 --sessions 4 --seats 10"
    ),
    "form_rush": shlex.split("--seconds 2 --warmup 0.5 --clients 8 --sessions 4 --seats 10"),
    "calendar_polling": shlex.split(
        "--seconds 1.5 --warmup 0.3 --clients 4 --renders 5 --sessions 100 --loadgen python"
    ),
    "mail_delivery": shlex.split(
        "--messages 40 --fault-messages 40 --outage 1 --fast-forward --lease 3 --timeout 120"
    ),
    "announcement": shlex.split("--people 300 --timeout 120"),
    "growth": shlex.split(
        "--seconds 1 --warmup 0.2 --clients 6 --sessions 2 --seats 2 --existing 0,50"
        " --waiting 0,20 --feed-sessions 10,20 --personal-sessions 3 --renders 1"
        " --pending 100,200 --claims 2 --purge 20,40"
    ),
    "agenda_solver": shlex.split(
        "--instances forum,pyconuk2016 --time-limit 5 --peer-time-limit 20 --peer-timeout 120"
    ),
}
# Scenarios that are not `bench.<name>`, and those that touch no database (run once, db "-").
MODULES = {"agenda_solver": "solver"}
NO_DATABASE = {"agenda_solver"}


def run_scenario(name: str, db: str, extra: list[str], *, smoke: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="madang_bench_all_") as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            f"bench.{MODULES.get(name, name)}",
            "--db",
            db,
            "--json-out",
            str(out),
            *((SMOKE if smoke else FULL)[name]),
            *extra,
        ]
        if smoke:
            command.append("--no-save")
        print(f"\n$ {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=common.REPO_ROOT, check=False).returncode
        result = json.loads(out.read_text()) if out.exists() else {}
    result["exit_code"] = code
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    return result


def summary_rows(name: str, db: str, result: dict[str, Any]) -> list[list[Any]]:
    """(scenario, db, figure, Madang, floor, ratio, target, met) rows."""
    rows: list[list[Any]] = []
    runs = result.get("runs", {})
    madang, floor = runs.get("madang", {}), runs.get("floor", {})
    if name in ("registration_rush", "form_rush"):
        label = "POST registration" if name == "registration_rush" else "POST form"
        m = madang.get("requests", {}).get(label, {})
        f = floor.get("requests", {}).get(label, {})
        target = 500 if db == "postgresql" else 300
        rows.append(
            [
                name,
                db,
                "registrations/s",
                m.get("rate_per_s"),
                f.get("rate_per_s"),
                result.get("floor_ratio"),
                f"≥ {target} and ≥ 50% of floor",
                None,
            ]
        )
        rows.append([name, db, "p99 ms", m.get("p99_ms"), f.get("p99_ms"), None, "≤ 250", None])
        errors = sum(r.get("errors", 0) for r in madang.get("requests", {}).values())
        rows.append([name, db, "errors", errors, None, None, "0", None])
        rows.append(
            [
                name,
                db,
                "worker RSS MB (max)",
                madang.get("memory", {}).get("max_worker_rss_mb"),
                floor.get("memory", {}).get("max_worker_rss_mb"),
                None,
                "≤ 150",
                None,
            ]
        )
    elif name == "calendar_polling":
        phases = madang.get("phases", {})
        fphases = floor.get("phases", {})
        ratios = result.get("floor_ratio") or {}

        def first(p: dict, phase: str) -> dict:
            return next(iter(p.get(phase, {}).get("requests", {}).values()), {})

        rows.append(
            [
                name,
                db,
                "uncached render p95 ms",
                first(phases, "uncached").get("p95_ms"),
                first(fphases, "uncached").get("p95_ms"),
                ratios.get("uncached_p95"),
                "≤ 60",
                None,
            ]
        )
        cold = madang.get("cold_render") or {}
        rows.append(
            [
                name,
                db,
                "cold render p50 ms (every cache empty)",
                cold.get("p50_ms"),
                None,
                None,
                "-",
                None,
            ]
        )
        rows.append(
            [
                name,
                db,
                "cached 200 req/s",
                first(phases, "cached").get("rate_per_s"),
                first(fphases, "cached").get("rate_per_s"),
                ratios.get("cached"),
                "≥ 2,000",
                None,
            ]
        )
        rows.append(
            [
                name,
                db,
                "cached 200 req/s, Accept-Encoding: gzip (floor: plain)",
                first(phases, "cached_gzip").get("rate_per_s"),
                first(fphases, "cached_gzip").get("rate_per_s"),
                None,
                "-",
                None,
            ]
        )
        rows.append(
            [
                name,
                db,
                "304 req/s",
                first(phases, "not_modified").get("rate_per_s"),
                first(fphases, "not_modified").get("rate_per_s"),
                ratios.get("not_modified"),
                "≥ 2,000",
                None,
            ]
        )
        rows.append(
            [
                name,
                db,
                "worker RSS MB (max)",
                madang.get("memory", {}).get("max_worker_rss_mb"),
                floor.get("memory", {}).get("max_worker_rss_mb"),
                None,
                "≤ 150",
                None,
            ]
        )
    elif name == "agenda_solver":
        rows += _solver_rows(result)
    elif name == "mail_delivery":
        t = madang.get("throughput", {})
        v = madang.get("verification", {})
        rows.append(
            [
                name,
                db,
                "messages/s",
                t.get("rate_per_s"),
                floor.get("rate_per_s"),
                result.get("floor_ratio"),
                "≥ 200",
                None,
            ]
        )
        checks = v.get("checks", {})
        rows.append(
            [
                name,
                db,
                "all delivered after kill -9 + outage",
                "yes"
                if checks.get("every message delivered") and checks.get("every row sent")
                else "no",
                None,
                None,
                "yes",
                None,
            ]
        )
        rows.append([name, db, "delivered twice", v.get("duplicates"), None, None, "0", None])
    elif name == "announcement":
        rows += _announcement_rows(db, result)
    elif name == "growth":
        rows += _growth_rows(db, result)
    targets = result.get("targets", {})
    for row in rows:
        # A figure with no target of its own is reported, not judged.
        if row[7] is None:
            row[7] = "-" if row[6] == "-" else _met(row[2], targets)
    return rows


def _announcement_rows(db: str, result: dict[str, Any]) -> list[list[Any]]:
    """The send's queue time and the delivery rate, each beside the floor's."""
    runs = result.get("runs", {})
    madang, floor = runs.get("madang", {}), runs.get("floor", {})
    q, fq = madang.get("queue", {}), floor.get("queue", {})
    d, fd = madang.get("delivery", {}), floor.get("delivery", {})
    ratios = result.get("floor_ratio") or {}
    checks = madang.get("verification", {}).get("checks", {})
    delivered = all(
        checks.get(k)
        for k in (
            "outbox holds one announcement per registrant",
            "every message delivered",
            "every row sent",
            "none delivered twice",
        )
    )
    name = "announcement"
    return [
        [name, db, "people announced to", madang.get("people"), floor.get("people"), None, "-",
         None],
        [name, db, "queue s (send to everyone)", q.get("queue_seconds"), fq.get("queue_seconds"),
         ratios.get("queue"), "< 5", None],
        [name, db, "delivery msg/s", d.get("rate_per_s"), fd.get("rate_per_s"),
         ratios.get("delivery"), "≥ 200", None],
        [name, db, "queue process RSS MB (peak)", q.get("peak_rss_mb"), None, None, "≤ 150",
         None],
        [name, db, "outbox worker RSS MB (peak)", d.get("worker_peak_rss_mb"), None, None,
         "≤ 150", None],
        [name, db, "one row each, all delivered, none twice", "yes" if delivered else "no", None,
         None, "yes", None],
    ]  # fmt: skip


def _growth_rows(db: str, result: dict[str, Any]) -> list[list[Any]]:
    """Each size's figure; the first of each curve is what the others are judged against
    (in the ratio column), there is no floor."""
    targets = result.get("targets", {})

    def judged(*keys: str) -> str:
        found = [ok for name, ok in targets.items() if all(k in name for k in keys)]
        return "-" if not found else ("yes" if all(found) else "NO")

    name = "growth"
    rows: list[list[Any]] = []
    for line in result.get("rush", {}).get("lines", []):
        at_100k = line["case"] == "100,000 registered"
        waiting = line["case"] == "full, 10,000 waiting"
        rows.append(
            [
                name,
                db,
                f"rush reg/s, {line['case']}",
                line["rate_per_s"],
                None,
                line["of_first"],
                "≥ 80% of the first" if at_100k or waiting else "-",
                judged("100,000 registered")
                if at_100k
                else judged("10,000 waiting ≥")
                if waiting
                else "-",
            ]
        )
    for line in result.get("feeds", {}).get("lines", []):
        rows.append([name, db, f"{line['case']}, ms (p50)", line["p50_ms"], None, None, "-", "-"])
    ratio = result.get("feeds", {}).get("ratio_5000_to_500")
    if ratio is not None:
        rows.append(
            [
                name,
                db,
                "feed 5,000 / 500 sessions",
                f"{ratio:.1f}×",
                None,
                None,
                "≤ 10×",
                judged("feed of 5,000"),
            ]
        )
    for line in result.get("outbox", {}).get("lines", []):
        big = line["case"].endswith("100,000 pending")
        rows.append(
            [
                name,
                db,
                f"outbox {line['case']}, ms (p50)",
                line["p50_ms"],
                None,
                None,
                "< 5" if big else "-",
                judged("outbox claim") if big else "-",
            ]
        )
    for line in result.get("purge", {}).get("lines", []):
        rows.append(
            [
                name,
                db,
                f"{line['case']}, s",
                line["seconds"],
                None,
                None,
                "-",
                judged(f"purge of {line['registrations']:,}"),
            ]
        )
    return rows  # fmt: skip


def _solver_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Per instance: ours in the Madang column, conference-scheduler (PuLP/CBC) as the floor."""
    targets = result.get("targets", {})
    runs = result.get("runs", {})
    rows: list[list[Any]] = []

    def judged(key: str) -> str:
        return "-" if key not in targets else ("yes" if targets[key] else "NO")

    for name, ours in runs.get("ours", {}).items():
        peer = runs.get("peer", {}).get(name, {})
        if "error" in ours:
            rows.append(
                ["agenda_solver", "-", f"{name}: error", ours["error"], None, None, "-", "NO"]
            )
            continue
        p, fix = ours["propose"], ours.get("repair") or {}
        pp, pf = peer.get("propose") or {}, peer.get("repair") or {}
        pycon = name.startswith("pycon")
        rows += [
            [
                "agenda_solver", "-", f"{name}: first feasible s", p["first_feasible_s"],
                pp.get("wall_s"), None, "≤ 10" if pycon else "-",
                judged(f"{name}: feasible ≤ 10 s"),
            ],
            [
                "agenda_solver", "-", f"{name}: status at the limit (s)",
                f"{p['status']} ({p['wall_s']})", pp.get("status") or peer.get("error"),
                None, "optimal ≤ 1 s" if name == "forum" else "-",
                judged("forum: optimal ≤ 1 s") if name == "forum" else "-",
            ],
            [
                "agenda_solver", "-", f"{name}: gap", p["gap"], None, None,
                "≤ 5% at 60 s" if pycon else "-", judged(f"{name}: gap ≤ 5% at the limit"),
            ],
            [
                "agenda_solver", "-", f"{name}: soft penalty (ours on both)", p["soft"],
                pp.get("soft"), None, "-", "-",
            ],
            [
                "agenda_solver", "-", f"{name}: repair s", fix.get("wall_s"), pf.get("wall_s"),
                None, "≤ 2", judged(f"{name}: repair ≤ 2 s"),
            ],
            [
                "agenda_solver", "-", f"{name}: repair moves", fix.get("moves"), pf.get("moves"),
                None, "≤ 3 if 1 exists", judged(f"{name}: repair moves ≤ 3"),
            ],
            [
                "agenda_solver", "-", f"{name}: peak RSS MB", ours["peak_rss_mb"],
                peer.get("peak_rss_mb"), None, "≤ 500", judged(f"{name}: peak RSS ≤ 500 MB"),
            ],
        ]  # fmt: skip
    return rows


def _met(figure: str, targets: dict[str, bool]) -> str:
    keys = {
        "registrations/s": ("registrations/s", "of the floor"),
        "p99 ms": ("p99",),
        "errors": ("zero errors",),
        "worker RSS MB (max)": ("RSS",),
        "uncached render p95 ms": ("uncached p95",),
        "cached 200 req/s": ("cached 200",),
        "304 req/s": ("304",),
        "messages/s": ("messages/s",),
        "all delivered after kill -9 + outage": ("every message delivered", "every row sent"),
        "delivered twice": ("none delivered twice",),
        "queue s (send to everyone)": ("queue <",),
        "delivery msg/s": ("delivery ≥",),
        "queue process RSS MB (peak)": ("queue process RSS",),
        "outbox worker RSS MB (peak)": ("worker RSS ≤",),
        "one row each, all delivered, none twice": (
            "outbox holds one announcement per registrant",
            "every message delivered",
            "every row sent",
            "none delivered twice",
        ),
    }[figure]
    found = [ok for name, ok in targets.items() if any(k in name for k in keys)]
    if not found:
        return "?"
    return "yes" if all(found) else "NO"


def markdown(rows: list[list[Any]], header: str) -> str:
    lines = [
        header,
        "",
        "| scenario | db | figure | Madang | floor | Madang/floor | target | met |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        ratio = f"{r[5]:.0%}" if isinstance(r[5], float) else "-"
        lines.append(
            f"| {r[0]} | {r[1]} | {r[2]} | {common.fmt(r[3])} | {common.fmt(r[4])} | {ratio}"
            f" | {r[6]} | {r[7]} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds per scenario")
    parser.add_argument("--db", default="postgresql,sqlite", help="comma-separated backends")
    parser.add_argument("--scenarios", default=",".join(FULL), help="comma-separated")
    args, extra = parser.parse_known_args(argv)
    started = common.now_iso()
    rows: list[list[Any]] = []
    failures = []
    results = {}
    for index, db in enumerate(args.db.split(",")):
        for name in args.scenarios.split(","):
            if name in NO_DATABASE and index:
                continue  # no database: once is enough
            where = "-" if name in NO_DATABASE else db
            result = run_scenario(name, where, extra, smoke=args.smoke)
            results[f"{name}/{where}"] = result
            rows += summary_rows(name, where, result)
            if result["exit_code"] != 0:
                failures.append(
                    f"{name}/{where}: {result.get('verdict', 'exit ' + str(result['exit_code']))}"
                )
    machine = common.machine_info()
    header = (
        f"Measured {started} on {machine.get('Model name', '?')}, {machine['nproc']} CPUs,"
        f" {machine.get('memory_gb')} GB, Python {machine['python']}; load generator on the"
        f" same machine. Command: `python -m bench.all {' '.join(argv or sys.argv[1:])}`."
    )
    common.print_table(
        "Summary",
        ["scenario", "db", "figure", "Madang", "floor", "ratio", "target", "met"],
        [[*r[:5], f"{r[5]:.0%}" if isinstance(r[5], float) else "-", *r[6:]] for r in rows],
    )
    if not args.smoke:
        common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        md = common.RESULTS_DIR / f"all-{stamp}.md"
        md.write_text(markdown(rows, header))
        (common.RESULTS_DIR / f"all-{stamp}.json").write_text(
            json.dumps({"header": header, "rows": rows, "results": results}, indent=2, default=str)
            + "\n"
        )
        print(f"\nSaved {md.relative_to(common.REPO_ROOT)}")
    if failures:
        print("\nTargets not met:\n  " + "\n  ".join(failures))
    # The smoke run fails on broken scripts or invariants, not on speed.
    if args.smoke:
        broken = [k for k, r in results.items() if not _invariants_hold(r)]
        if broken:
            print("\nBroken: " + ", ".join(broken))
        return 1 if broken else 0
    return 1 if failures else 0


def _invariants_hold(result: dict[str, Any]) -> bool:
    """Everything except the speed targets."""
    if result.get("scenario") == "agenda_solver":
        checks = result.get("checks") or {}
        return bool(checks) and all(checks.values())
    speed = ("/s", "p99", "p95", "of the floor", "RSS", "queue < ", "of the rate", "the time of")
    speed += ("outbox claim at",)
    targets = result.get("targets")
    if not targets:
        return False
    floor_checks = [
        ok
        for run in result.get("runs", {}).values()
        for ok in run.get("verification", {}).get("checks", {}).values()
    ]
    return all(ok for name, ok in targets.items() if not any(s in name for s in speed)) and all(
        floor_checks
    )


if __name__ == "__main__":
    sys.exit(main())
