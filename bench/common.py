"""What every scenario shares: fresh databases, gunicorn under test, process and machine figures,
the printed table and the JSON result files."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_SECRET_KEY = "bench-secret-key-" + "x" * 32
STOP_MARK = "--- bench: stopping the server"


# ----------------------------------------------------------------------------- arguments


def base_parser(description: str, *, seconds: float, clients: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--clients", type=int, default=clients, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=seconds, help="measured duration")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up, seconds")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL),
        help="a PostgreSQL URL allowed to CREATE and DROP databases",
    )
    parser.add_argument(
        "--app-root",
        default=str(REPO_ROOT),
        help="the checkout gunicorn serves Madang from (to measure a patched scratch copy)",
    )
    parser.add_argument(
        "--only", choices=("madang", "floor", "both"), default="both", help="which app to run"
    )
    parser.add_argument(
        "--ratelimit-storage",
        default="memory://",
        help="Madang's RATELIMIT_STORAGE_URI (production shares counts in Redis: redis://…)",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    parser.add_argument("--json-out", help="write the result here (as well as bench/results/)")
    parser.add_argument(
        "--profile", metavar="DIR", help="sample the Madang workers with py-spy into DIR"
    )
    return parser


def use_app_root(app_root: str) -> None:
    """Import Madang from `app_root` in this process too (seeding and checks use its models)."""
    root = str(Path(app_root).resolve())
    if root != str(REPO_ROOT):
        if "app" in sys.modules:
            raise RuntimeError("use_app_root() must run before the app is imported")
        sys.path.insert(0, root)


def scenario_main(
    name: str,
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace], dict[str, Any]],
    show: Callable[[dict[str, Any]], None],
) -> int:
    """What each scenario's command does: Madang from --app-root, run, print, save; exit 1
    when a target is not met."""
    use_app_root(args.app_root)
    result = run(args)
    show(result)
    saved = save_result(name, result, enabled=not args.no_save, also=args.json_out)
    if saved:
        print(f"Saved {saved.relative_to(REPO_ROOT)}")
    return 0 if result.get("verdict", "PASS") == "PASS" else 1


def command_line() -> str:
    return "python -m " + " ".join(shlex.quote(a) for a in [_module_name(), *sys.argv[1:]])


def _module_name() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else Path(sys.argv[0]).stem


# ----------------------------------------------------------------------------- databases


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextlib.contextmanager
def fresh_database(
    kind: str, pg_admin_url: str = DEFAULT_PG_ADMIN_URL, *, template: str | None = None
) -> Iterator[str]:
    """An empty database, dropped afterwards: `madang_bench_<random>` on PostgreSQL, a file in
    a temporary directory on SQLite. Yields a SQLAlchemy URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="madang_bench_") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = normalise_url(pg_admin_url)
    name = f"madang_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


_TEMPLATES: dict[tuple[str, str], str] = {}


@contextlib.contextmanager
def migrated_database(kind: str, pg_admin_url: str = DEFAULT_PG_ADMIN_URL) -> Iterator[str]:
    """A fresh database at the head migration. The first call per process migrates a template
    (`flask db upgrade`, in process); later ones copy it (a file copy on SQLite,
    CREATE DATABASE … TEMPLATE on PostgreSQL), which takes a fraction of the time."""
    key = (kind, pg_admin_url)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _make_template(kind, pg_admin_url)
    template = _TEMPLATES[key]
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="madang_bench_") as tmp:
            path = Path(tmp) / "bench.sqlite3"
            shutil.copyfile(template, path)
            yield f"sqlite:///{path}"
        return
    with fresh_database(kind, pg_admin_url, template=template) as url:
        yield url


def _make_template(kind: str, pg_admin_url: str) -> str:
    import atexit

    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="madang_bench_template_")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        path = Path(tmp) / "template.sqlite3"
        app = make_app(f"sqlite:///{path}")
        migrate(app)
        dispose(app)
        return str(path)
    from sqlalchemy import create_engine, text

    name = f"madang_bench_template_{secrets.token_hex(4)}"
    admin_url = normalise_url(pg_admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    atexit.register(drop)
    from sqlalchemy.engine import make_url

    app = make_app(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    migrate(app)
    dispose(app)
    return name


def make_app(database_url: str):
    """The Madang app in this process (to migrate, seed and verify), production settings."""
    from app import create_app
    from config import ProductionConfig

    return create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY=BENCH_SECRET_KEY,
        MAIL_BACKEND="memory",
        MAIL_DELIVER_IN_PROCESS=False,
        BASE_URL="http://127.0.0.1",
    )


def migrate(app) -> None:
    """`flask db upgrade`, in process."""
    import logging

    from flask_migrate import upgrade

    logging.disable(logging.INFO)  # alembic's env.py logs each revision at INFO
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)


def dispose(app) -> None:
    from app.core.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ----------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment both apps run with: production settings, limits out of the way."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MADANG_", "DATABASE_URL", "FLASK_", "SQLITE_", "MAIL_"))
        and "RATE_LIMIT" not in k
        and not k.startswith(("RATELIMIT_", "OUTBOX_", "SMTP_", "FEED_CACHE_"))
    }
    env.update(
        RATELIMIT_STORAGE_URI="memory://",
        MADANG_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=BENCH_SECRET_KEY,
        MAIL_BACKEND="memory",
        MAIL_DELIVER_IN_PROCESS="0",
        BASE_URL="http://127.0.0.1",
        REGISTRATION_RATE_LIMIT="1000000/minute",
        RESEND_RATE_LIMIT="1000000/minute",
        LOGIN_RATE_LIMIT="1000000/minute",
        API_RATE_LIMIT="1000000/minute",
        DESK_SEARCH_RATE_LIMIT="1000000/minute",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra or {})
    return env


@dataclass
class Server:
    """gunicorn serving `app_spec` (module:variable) from `root`, until `stop()`."""

    app_spec: str
    env: dict[str, str]
    workers: int = 3
    worker_class: str = "sync"
    threads: int = 1
    root: str = str(REPO_ROOT)
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    _log_dir: tempfile.TemporaryDirectory | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def command(self) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        args = [
            gunicorn,
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--chdir",
            self.root,
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
            "--graceful-timeout",
            "5",
            "--timeout",
            "120",
        ]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return [*args, self.app_spec]

    def start(self, timeout: float = 60.0) -> Server:
        if self.log_path is None:
            self._log_dir = tempfile.TemporaryDirectory(prefix="madang_bench_log_")
            self.log_path = Path(self._log_dir.name) / "gunicorn.log"
        env = dict(self.env)
        # The checkout under test comes first on the path (gunicorn --chdir does this too).
        env["PYTHONPATH"] = os.pathsep.join([self.root, *filter(None, [env.get("PYTHONPATH", "")])])
        self.process = subprocess.Popen(
            self.command(),
            env=env,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if len(self.worker_pids()) >= self.workers and self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=5) as sock:
                sock.sendall(b"GET /bench-ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return sock.recv(12).startswith(b"HTTP/1.")
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children_of(self.process.pid)

    def log_text(self) -> str:
        """The server's log up to its shutdown (what a quick shutdown interrupts is not the
        app's doing)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace").split(STOP_MARK, 1)[0]

    def shutdown_log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        parts = self.log_path.read_text(errors="replace").split(STOP_MARK, 1)
        return STOP_MARK + parts[1] if len(parts) == 2 else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and self.log_path is not None:
            with open(self.log_path, "a") as fh:
                fh.write(f"{STOP_MARK} at {dt.datetime.now():%H:%M:%S.%f}\n")
        if process is not None and process.poll() is None:
            # The load has stopped and nothing is in flight: a quick shutdown, and no waiting
            # for gunicorn's own (a second or more) once the log has had a moment.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        elif process is not None:
            process.wait()

    def cleanup(self) -> None:
        self.stop()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


# ---------------------------------------------------------------------- process figures


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return sorted(out)


def rss_mb(pid: int) -> float:
    """VmRSS from /proc/<pid>/status, in MiB (as `ps` and `top` count)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        stat = fh.read()
    fields = stat[stat.rfind(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies from /proc/stat, to compute the machine's CPU use over a run."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


class CpuMeter:
    """CPU use over a run: the machine, this process (the load generator), the workers and the
    PostgreSQL backends serving the bench database. CPU time per request is the figure that
    noise on a shared machine disturbs least."""

    def __init__(self, worker_pids: list[int], database_url: str = "") -> None:
        self.worker_pids = worker_pids
        self.database = database_name(database_url)
        self.machine0 = machine_busy()
        self.self0 = time.process_time()
        self.wall0 = time.perf_counter()
        self.workers0 = {p: _safe_cpu(p) for p in worker_pids}
        self.backends0 = {p: _safe_cpu(p) for p in postgres_backends(self.database)}

    def finish(self, units: int = 0, unit: str = "request") -> dict[str, float]:
        busy1, total1 = machine_busy()
        wall = time.perf_counter() - self.wall0
        busy0, total0 = self.machine0
        workers = sum(_safe_cpu(p) - self.workers0[p] for p in self.worker_pids)
        backends = sum(
            _safe_cpu(p) - self.backends0.get(p, 0.0) for p in postgres_backends(self.database)
        )
        loadgen = time.process_time() - self.self0
        out = {
            "machine_busy_pct": 100 * (busy1 - busy0) / max(total1 - total0, 1),
            "loadgen_cpu_pct": 100 * loadgen / wall,
            "workers_cpu_pct": 100 * workers / wall,
            "postgres_cpu_pct": 100 * backends / wall,
        }
        if units:
            out[f"workers_cpu_ms_per_{unit}"] = 1000 * workers / units
            out[f"postgres_cpu_ms_per_{unit}"] = 1000 * backends / units
            out[f"loadgen_cpu_ms_per_{unit}"] = 1000 * loadgen / units
        return out


def database_name(url: str) -> str:
    if not url.startswith("postgres"):
        return ""
    from sqlalchemy.engine import make_url

    return make_url(url).database or ""


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backend processes connected to `database` (their title names it)."""
    if not database:
        return []
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    title = fh.read().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                out.append(int(entry))
    return out


def _safe_cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


def worker_memory(server: Server) -> dict[str, Any]:
    pids = server.worker_pids()
    rss = {str(p): round(rss_mb(p), 1) for p in pids}
    return {"worker_rss_mb": rss, "max_worker_rss_mb": max(rss.values()) if rss else None}


# ----------------------------------------------------------------------------- reporting


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if shutil.which("lscpu"):
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor"):
                info[key.strip()] = value.strip()
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024**2, 1)
    with contextlib.suppress(OSError):
        info["loadavg_before"] = os.getloadavg()
    return info


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "-" if value is None else str(value)


def print_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def save_result(
    name: str, result: dict[str, Any], *, enabled: bool = True, also: str | None = None
) -> Path | None:
    text = json.dumps(result, indent=2, default=str) + "\n"
    if also:
        Path(also).write_text(text)
    if not enabled:
        return None
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(text)
    return path


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def verdict(checks: dict[str, bool]) -> str:
    failed = [name for name, ok in checks.items() if not ok]
    return "PASS" if not failed else "FAIL: " + ", ".join(failed)


# ----------------------------------------------------------------------------- profiling


def start_profiler(args, which: str, server: Server, scenario: str):
    """py-spy on every worker over the warm-up and measured window, when --profile is given."""
    if not getattr(args, "profile", None) or which != "madang":
        return None
    from bench.profile import Profiler

    outdir = Path(args.profile) / f"{scenario}-{args.db}-{dt.datetime.now():%H%M%S}"
    return Profiler(server.worker_pids(), args.warmup + args.seconds, outdir)


def finish_profiler(profiler) -> str | None:
    if profiler is None:
        return None
    from bench.profile import summarise

    files = profiler.finish()
    text = summarise(files)
    (profiler.outdir / "summary.txt").write_text(text + "\n")
    print(f"\nProfile ({profiler.outdir}):\n{text}")
    return str(profiler.outdir)
