"""Calendar polling: a forum with 500 sessions, its public feed `/forums/<slug>/schedule.ics`.

Three phases per app (the floor, then Madang), each on a fresh database with the same seed:

1. uncached: one client; before each request the bench bumps the forum's `programme_revision`
   (what an organizer's edit does), so every request renders the feed again. Target: p95 ≤ 60 ms.
2. cached 200: many clients fetch the feed without validators. Target: ≥ 2,000 req/s.
3. 304: many clients revalidate with If-None-Match. Target: ≥ 2,000 req/s.

    python -m bench.calendar_polling --db postgresql --workers 3 --clients 32 --seconds 20
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import time
from typing import Any

from bench import common
from bench.loadgen import Client, Recorder, Sample, run_clients, summarise
from bench.seed import seed_calendar

TARGETS = {"uncached_p95_ms": 60.0, "cached_rate_per_s": 2000.0, "not_modified_rate_per_s": 2000.0}
RSS_LIMIT_MB = 150.0
APPS = {"floor": "bench.floor_app:app", "madang": "wsgi:app"}


# The bench's servers remember a feed's version this long (production default: 1 s); each
# uncached request waits it out after its edit, and must show the edit.
FEED_VERSION_TTL = 0.25


def edit_one_session(engine, slug: str, k: int) -> bytes:
    """What an organizer's edit does: one session retitled (its revision up), the programme
    revision up. Returns the text the next render must show."""
    from sqlalchemy import text

    marker = f"(edit {k})"
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sessions SET title_en = :title, revision = revision + 1 WHERE id ="
                " (SELECT s.id FROM sessions s JOIN forums f ON f.id = s.forum_id"
                "  WHERE f.slug = :s ORDER BY s.id LIMIT 1 OFFSET :offset)"
            ),
            {"title": f"Session {marker}", "s": slug, "offset": k % 100},
        )
        conn.execute(
            text("UPDATE forums SET programme_revision = programme_revision + 1 WHERE slug = :s"),
            {"s": slug},
        )
    return marker.encode()


def unfolded(body: bytes) -> bytes:
    return body.replace(b"\r\n ", b"")


async def uncached_phase(server: common.Server, engine, slug: str, renders: int) -> list[Sample]:
    """One client; one session edited before each request, so each one renders again."""
    path = f"/forums/{slug}/schedule.ics"
    recorder = Recorder()
    client = Client(server.host, server.port)
    try:
        for k in range(renders):
            marker = await asyncio.to_thread(edit_one_session, engine, slug, k)
            await asyncio.sleep(FEED_VERSION_TTL * 1.2)
            await recorder.timed(
                "GET uncached (200)",
                client.request("GET", path),
                lambda r, marker=marker: (
                    None
                    if r.status == 200 and marker in unfolded(r.body)
                    else f"HTTP {r.status}"
                    if r.status != 200
                    else "the edit is not shown"
                ),
            )
    finally:
        await client.close()
    return recorder.samples


def cold_render_ms(url: str, slug: str, renders: int) -> dict[str, float]:
    """Madang's render with every cache empty (the first request after a start), timed in this
    process: the uncached phase above re-renders only the edited session's event."""
    from app.feeds import calendars, feed_cache
    from scheduling.calendar import _event_block

    app = common.make_app(url)
    times = []
    with app.test_request_context("/"):
        for _ in range(renders):
            feed_cache.clear_feed_cache()
            _event_block.cache_clear()
            started = time.perf_counter()
            calendars.forum_feed(slug)
            times.append((time.perf_counter() - started) * 1000)
    common.dispose(app)
    times.sort()
    return {"renders": renders, "p50_ms": times[len(times) // 2], "max_ms": times[-1]}


async def warm_up(server: common.Server, slug: str, at_once: int) -> None:
    await asyncio.gather(*(etag_of(server, slug) for _ in range(at_once)))


GZIP = {"Accept-Encoding": "gzip"}
# name: (If-None-Match, Accept-Encoding: gzip). Calendar clients send Accept-Encoding: gzip;
# the floor has no gzip and answers its plain feed to that request.
CACHED_PHASES = {
    "cached": (False, False),
    "not_modified": (True, False),
    "cached_gzip": (False, True),
}


async def etag_of(server: common.Server, slug: str, gzipped: bool = False) -> tuple[str, int]:
    client = Client(server.host, server.port)
    try:
        response = await client.request(
            "GET", f"/forums/{slug}/schedule.ics", headers=GZIP if gzipped else {}
        )
    finally:
        await client.close()
    if response.status != 200 or not response.header("etag"):
        raise RuntimeError(f"feed answered {response.status} without an ETag")
    return response.header("etag"), len(response.body)


def lap_label(conditional: bool, gzipped: bool = False) -> str:
    if conditional:
        return "GET If-None-Match (304)"
    return "GET cached gzip (200)" if gzipped else "GET cached (200)"


def cached_lap(slug: str, etag: str, size: int, conditional: bool, gzipped: bool = False):
    path = f"/forums/{slug}/schedule.ics"
    headers = {"If-None-Match": etag} if conditional else {}
    if gzipped:
        headers.update(GZIP)
    label = lap_label(conditional, gzipped)

    def check(r) -> str | None:
        if conditional:
            return None if r.status == 304 and r.header("etag") == etag else f"HTTP {r.status}"
        if r.status != 200:
            return f"HTTP {r.status}"
        if r.header("etag") != etag or len(r.body) != size:
            return "a different feed"
        return None

    async def lap(index: int, client: Client, recorder: Recorder) -> None:
        await recorder.timed(label, client.request("GET", path, headers=headers), check)

    return lap


# ---------------------------------------------------------------------------------- wrk


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "calendar_polling: wrk is not installed. Install it (Debian: apt-get install wrk)"
            " or pass --loadgen python (slower: Python cannot generate 2,000 requests/s here)."
        )
    return found


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures `summarise` gives, from wrk's --latency report (p90 stands in for p95)."""
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.MULTILINE))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(bad.group(1)) if bad else 0
    kinds: dict[str, int] = {"non-2xx/3xx": errors} if errors else {}
    if sockets:
        # Reads failing as the server closes each connection are how sync workers end one.
        timeouts = int(sockets.group(4)) + int(sockets.group(1))
        if timeouts:
            kinds["connect errors and timeouts"] = timeouts
            errors += timeouts
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {
        "requests": total,
        "ok": total - errors,
        "errors": errors,
        "error_kinds": kinds,
        "rate_per_s": rate * (total - errors) / total if total else 0.0,
        "p50_ms": _wrk_ms(latency["50"]),
        "p95_ms": _wrk_ms(latency["90"]),
        "p99_ms": _wrk_ms(latency["99"]),
        "max_ms": float("nan"),
        "loadgen": "wrk",
        "note": "p95_ms is wrk's 90th percentile",
    }


def run_wrk(
    server: common.Server, slug: str, etag: str | None, args, gzipped: bool = False
) -> dict[str, Any]:
    url = f"http://{server.host}:{server.port}/forums/{slug}/schedule.ics"
    headers = ["-H", f"If-None-Match: {etag}"] if etag else []
    if gzipped:
        headers += ["-H", "Accept-Encoding: gzip"]
    command = [
        wrk_path(),
        "-t1",
        f"-c{args.clients}",
        f"-d{args.seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        *headers,
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def run_one(which: str, args) -> dict[str, Any]:
    from sqlalchemy import create_engine

    with common.migrated_database(args.db, args.pg_admin_url) as url:
        app = common.make_app(url)
        slug = seed_calendar(app, sessions=args.sessions)
        common.dispose(app)
        engine = create_engine(common.normalise_url(url))
        server = common.Server(
            APPS[which],
            env=common.server_env(
                url,
                {
                    "RATELIMIT_STORAGE_URI": args.ratelimit_storage,
                    "FEED_VERSION_TTL": str(FEED_VERSION_TTL),
                },
            ),
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            root=args.app_root if which == "madang" else str(common.REPO_ROOT),
        )
        phases: dict[str, Any] = {}
        with server:
            # Warm every worker up (imports, first render) before anything is measured: requests
            # at once, more than there are workers, so that each worker takes some.
            for _ in range(3):
                asyncio.run(warm_up(server, slug, args.workers * 3))
            meter = common.CpuMeter(server.worker_pids(), url)
            samples = asyncio.run(uncached_phase(server, engine, slug, args.renders))
            cpu = meter.finish(len(samples), "render")
            phases["uncached"] = {
                "requests": summarise(samples, sum(s.latency for s in samples)),
                "cpu": cpu,
            }
            sizes = {}
            for name, (conditional, gzipped) in CACHED_PHASES.items():
                etag, size = asyncio.run(etag_of(server, slug, gzipped))
                sizes[name] = size
                lap = cached_lap(slug, etag, size, conditional, gzipped)
                if args.loadgen == "wrk":
                    # A second of the Python client checks every answer (status, ETag,
                    # length); wrk then measures the rate, which Python could not generate.
                    check, _ = asyncio.run(
                        run_clients(4, 1.0, 0.0, lambda i: Client(server.host, server.port), lap)
                    )
                    meter = common.CpuMeter(server.worker_pids(), url)
                    stats = run_wrk(server, slug, etag if conditional else None, args, gzipped)
                    (checked,) = summarise(check.samples, 1.0).values()
                    stats["errors"] += checked["errors"]
                    stats["error_kinds"].update(checked["error_kinds"])
                    requests = {lap_label(conditional, gzipped): stats}
                    count = stats["requests"]
                else:
                    meter = common.CpuMeter(server.worker_pids(), url)
                    recorder, seconds = asyncio.run(
                        run_clients(
                            args.clients,
                            args.seconds,
                            args.warmup,
                            lambda i: Client(server.host, server.port),
                            lap,
                        )
                    )
                    requests = summarise(recorder.samples, seconds)
                    count = len(recorder.samples) + len(recorder.warmup)
                phases[name] = {"requests": requests, "cpu": meter.finish(count)}
            memory = common.worker_memory(server)
            server.stop()
            log = server.log_text()
        engine.dispose()
        cold = cold_render_ms(url, slug, min(args.renders, 5)) if which == "madang" else None
    return {
        "app": which,
        "cold_render": cold,
        "feed_bytes": sizes["cached"],
        "gzip_bytes": sizes["cached_gzip"],
        "phases": phases,
        "memory": memory,
        "checks": {
            "no tracebacks in the server log": "Traceback" not in log,
            "no 'database is locked'": "database is locked" not in log,
        },
        "log_tail": "\n".join(log.splitlines()[-20:]),
    }


def _main_stats(run_: dict, phase: str) -> dict:
    return next(iter(run_["phases"][phase]["requests"].values()), {})


def parser():
    p = common.base_parser(__doc__.splitlines()[0], seconds=20, clients=32)
    p.add_argument("--sessions", type=int, default=500, help="sessions in the forum")
    p.add_argument("--renders", type=int, default=100, help="uncached renders to time")
    p.add_argument(
        "--loadgen",
        choices=("wrk", "python"),
        default="wrk",
        help="load for the cached phases: wrk (needs `apt-get install wrk`) or the Python client",
    )
    return p


def run(args) -> dict[str, Any]:
    if args.loadgen == "wrk":
        wrk_path()  # fail at once, clearly, without wrk
    apps = ["floor", "madang"] if args.only == "both" else [args.only]
    runs = {which: run_one(which, args) for which in apps}
    result: dict[str, Any] = {
        "scenario": "calendar_polling",
        "date": common.now_iso(),
        "command": common.command_line(),
        "machine": common.machine_info(),
        "settings": {
            "db": args.db,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "clients": args.clients,
            "seconds": args.seconds,
            "sessions": args.sessions,
            "renders": args.renders,
            "loadgen": args.loadgen,
        },
        "runs": runs,
    }
    madang, floor = runs.get("madang"), runs.get("floor")
    if madang:
        uncached = _main_stats(madang, "uncached")
        cached = _main_stats(madang, "cached")
        not_modified = _main_stats(madang, "not_modified")
        errors = sum(s["errors"] for p in madang["phases"].values() for s in p["requests"].values())
        targets = {
            f"uncached p95 ≤ {TARGETS['uncached_p95_ms']:.0f} ms": uncached.get("p95_ms", 1e9)
            <= TARGETS["uncached_p95_ms"],
            f"cached 200 ≥ {TARGETS['cached_rate_per_s']:,.0f} req/s": cached.get("rate_per_s", 0)
            >= TARGETS["cached_rate_per_s"],
            f"304 ≥ {TARGETS['not_modified_rate_per_s']:,.0f} req/s": not_modified.get(
                "rate_per_s", 0
            )
            >= TARGETS["not_modified_rate_per_s"],
            "zero errors": errors == 0,
            f"worker RSS ≤ {RSS_LIMIT_MB:.0f} MB": (madang["memory"]["max_worker_rss_mb"] or 0)
            <= RSS_LIMIT_MB,
            **madang["checks"],
        }
        if floor:
            ratios = {}
            for phase in ("cached", "not_modified"):
                base = _main_stats(floor, phase).get("rate_per_s")
                rate = _main_stats(madang, phase).get("rate_per_s", 0)
                ratios[phase] = rate / base if base else None
            base = _main_stats(floor, "uncached").get("p95_ms")
            ratios["uncached_p95"] = base / uncached["p95_ms"] if base and uncached else None
            result["floor_ratio"] = ratios
        result["targets"] = targets
        result["verdict"] = common.verdict(targets)
    return result


def print_result(result: dict) -> None:
    rows = []
    for which, run_ in result["runs"].items():
        for phase, data in run_["phases"].items():
            for label, s in data["requests"].items():
                cpu = data["cpu"]
                rows.append(
                    [
                        which,
                        label,
                        s["ok"],
                        s["errors"],
                        s["rate_per_s"] if phase != "uncached" else None,
                        s["p50_ms"],
                        s["p95_ms"],
                        s["p99_ms"],
                        cpu.get("workers_cpu_ms_per_render", cpu.get("workers_cpu_ms_per_request")),
                        run_["memory"]["max_worker_rss_mb"],
                        cpu["machine_busy_pct"],
                    ]
                )
    settings = result["settings"]
    common.print_table(
        f"calendar_polling · {settings['db']} · {settings['workers']} {settings['worker_class']}"
        f" workers · {settings['clients']} clients · {settings['seconds']:g} s ·"
        f" {settings['sessions']} sessions · {result['date']}",
        [
            "app",
            "request",
            "ok",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "app CPU ms/req",
            "RSS MB",
            "machine %",
        ],
        rows,
    )
    runs = result["runs"]
    if "madang" in runs:
        sizes = ", ".join(f"{k} {v['feed_bytes']:,} bytes" for k, v in runs.items())
        print(
            f"Feed: {sizes}; gzip: madang {runs['madang']['gzip_bytes']:,} bytes"
            " (the floor has no gzip: it answers its plain feed)"
        )
        print(
            f"Uncached: one session edited before each request (the events of the others are"
            f" reused); the feed version is remembered {FEED_VERSION_TTL:g} s."
        )
        cold = runs["madang"]["cold_render"]
        print(
            f"Madang cold render (every cache empty, in process): p50"
            f" {cold['p50_ms']:.0f} ms, max {cold['max_ms']:.0f} ms over {cold['renders']}"
        )
    if result.get("floor_ratio"):
        print(
            "Madang / floor: "
            + ", ".join(f"{k} {v:.0%}" for k, v in result["floor_ratio"].items() if v is not None)
            + " (uncached: floor p95 / Madang p95)"
        )
    for name, ok in result.get("targets", {}).items():
        print(f"  [{'x' if ok else ' '}] {name}")
    if "verdict" in result:
        print(f"Verdict: {result['verdict']}")


def main(argv: list[str] | None = None) -> int:
    return common.scenario_main("calendar_polling", parser().parse_args(argv), run, print_result)


if __name__ == "__main__":
    sys.exit(main())
