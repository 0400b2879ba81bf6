"""Sampling the gunicorn workers with py-spy during a run, and a short text summary.

`--profile DIR` on a scenario records each worker with `py-spy record --format raw` (collapsed
stacks, one file per worker) over the measured window, then prints where the time goes: the
functions with the most samples on the stack (inclusive) and on top of it (self), grouped by
source file, with the project's own code marked.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

# py-spy names files relative to their sys.path entry: the project's own start like this.
PROJECT_DIRS = ("app/", "scheduling/", "notifications/", "bench/", "wsgi.py", "config.py")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    return found


class Profiler:
    def __init__(self, pids: list[int], seconds: float, outdir: Path, rate: int = 200) -> None:
        self.outdir = outdir
        outdir.mkdir(parents=True, exist_ok=True)
        self.files = [outdir / f"worker-{pid}.txt" for pid in pids]
        self.processes = [
            subprocess.Popen(
                [
                    py_spy(),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(max(1, int(seconds))),
                    "--rate",
                    str(rate),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, path in zip(pids, self.files, strict=True)
        ]

    def interrupt(self) -> list[Path]:
        """Stop sampling now (py-spy writes its output on SIGINT)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        return self.finish()

    def finish(self) -> list[Path]:
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return [f for f in self.files if f.exists()]


def summarise(files: list[Path], top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    total = background = 0
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            raw = stack.split(";")
            if "Thread._bootstrap" in raw[0]:
                background += n  # timer threads (e.g. the rate limiter's memory storage)
                continue
            total += n
            frames = [_short(f) for f in raw]
            for frame in set(frames):
                inclusive[frame] += n
            self_time[frames[-1]] += n
            for frame in {_short(f, line=True) for f in raw}:
                if "(*" in frame:
                    lines[frame] += n
    if not total:
        return "no samples"
    out = [
        f"{total:,} samples of request threads over {len(files)} workers"
        f" ({background:,} more in background threads, left out)"
    ]
    out.append("\nInclusive (on the stack), project code:")
    shown = 0
    for frame, n in inclusive.most_common():
        if "(*" in frame:
            out.append(f"  {100 * n / total:5.1f}%  {frame}")
            shown += 1
            if shown >= top:
                break
    out.append("\nInclusive, libraries (top):")
    shown = 0
    for frame, n in inclusive.most_common():
        if "(*" not in frame:
            out.append(f"  {100 * n / total:5.1f}%  {frame}")
            shown += 1
            if shown >= top:
                break
    out.append("\nProject lines (inclusive):")
    for frame, n in lines.most_common(top):
        out.append(f"  {100 * n / total:5.1f}%  {frame}")
    out.append("\nSelf (top of the stack):")
    for frame, n in self_time.most_common(top):
        out.append(f"  {100 * n / total:5.1f}%  {frame}")
    return "\n".join(out)


def _short(frame: str, *, line: bool = False) -> str:
    """'func (pkg/file.py:12)' as py-spy writes it -> 'func (pkg/file.py)' (with the line when
    asked); the project's own code is marked with '*'."""
    name, _, where = frame.partition(" (")
    path, _, number = where.rstrip(")").rpartition(":")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    mark = "*" if path.startswith(PROJECT_DIRS) else ""
    return f"{name} ({mark}{path}{':' + number if line else ''})"
