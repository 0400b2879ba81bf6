"""Mutation testing of the modules that hold Madang's rules (`make mutate`).

For each target of mutation/targets.toml, mutmut (3.x) mutates the listed functions of one
module and runs, for each mutant, the target's tests that reach that function. Each target runs
in a copy of the project under mutation/work/<target>/ (mutmut writes its `mutants/` tree
there), so the working tree is never touched. The report, mutation/report.md, gives each
target's score and lists every surviving mutant with its diff, and the explanation from
mutation/equivalent.toml when it is judged equivalent.

    python mutation/run.py                    # every target
    python mutation/run.py tokens conflicts   # some of them
    python mutation/run.py --max-children 1   # one test process at a time
    python mutation/run.py --report           # only write the report from the last runs

With TEST_DATABASE_URL set, targets marked `postgres = true` run their tests on PostgreSQL too;
otherwise every target runs on SQLite only.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "mutation"
WORK = HERE / "work"
REPORT = HERE / "report.md"
# What a copy of the project needs to run its tests (the compiled catalog is copied with app/).
PROJECT = ["app", "scheduling", "notifications", "tests", "templates", "migrations"]
PROJECT_FILES = ["config.py", "pyproject.toml", "babel.cfg", "wsgi.py"]
DETECTED = {"killed", "timeout", "segfault"}
UNDETECTED = {"survived", "no tests", "suspicious"}
RESULT_LINE = re.compile(r"^\s*(\S+): (.+)$")


@dataclass
class Target:
    name: str
    module: str
    functions: list[str]
    tests: list[str]
    postgres: bool = False

    @property
    def dotted(self) -> str:
        return self.module.removesuffix(".py").replace("/", ".")

    def patterns(self) -> list[str]:
        """mutmut's names for the mutants of the chosen functions."""
        if self.functions == ["*"]:
            return [f"{self.dotted}.*"]
        names = []
        for function in self.functions:
            if "." in function:
                cls, method = function.split(".", 1)
                names.append(f"{self.dotted}.xǁ{cls}ǁ{method}__mutmut_*")
            else:
                names.append(f"{self.dotted}.x_{function}__mutmut_*")
        return names


@dataclass
class Outcome:
    target: Target
    statuses: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    def count(self, kinds: set[str]) -> int:
        return sum(1 for s in self.statuses.values() if s in kinds)

    @property
    def checked(self) -> int:
        return self.count(DETECTED | UNDETECTED)

    @property
    def score(self) -> float:
        return 100.0 * self.count(DETECTED) / self.checked if self.checked else 0.0


def load_targets() -> list[Target]:
    data = tomllib.loads((HERE / "targets.toml").read_text("utf-8"))
    return [Target(name=name, **fields) for name, fields in data["targets"].items()]


def load_equivalent() -> dict[str, str]:
    path = HERE / "equivalent.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text("utf-8")).get("equivalent", {})


def prepare(target: Target) -> Path:
    """A fresh copy of the project for this target, with mutmut's settings."""
    work = WORK / target.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in PROJECT:
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, work / name)
    source = target.module.split("/", 1)[0]
    also_copy = [p for p in [*PROJECT, *PROJECT_FILES] if p not in (source, "tests")]
    lines = [
        "[mutmut]",
        f"source_paths = {source}",
        f"only_mutate = {target.module}",
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in target.tests),
        "also_copy =",
        *(f"    {p}" for p in also_copy),
    ]
    (work / "setup.cfg").write_text("\n".join(lines) + "\n", "utf-8")
    return work


def mutmut(work: Path, *args: str, env: dict[str, str], log=None) -> subprocess.CompletedProcess:
    binary = Path(sys.executable).with_name("mutmut")
    return subprocess.run(
        [str(binary), *args],
        cwd=work,
        env=env,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def run_target(target: Target, max_children: int) -> None:
    work = prepare(target)
    env = dict(os.environ)
    if not target.postgres:
        env.pop("TEST_DATABASE_URL", None)
    started = time.monotonic()
    with open(work / "mutmut.log", "w", encoding="utf-8") as log:
        ran = mutmut(
            work, "run", "--max-children", str(max_children), *target.patterns(), env=env, log=log
        )
    (work / "seconds.txt").write_text(f"{time.monotonic() - started:.0f}\n")
    if ran.returncode != 0:
        (work / "error.txt").write_text(
            f"mutmut run failed (exit {ran.returncode}); see {work / 'mutmut.log'}\n"
        )


def collect(target: Target) -> Outcome | None:
    """The last run's results of a target (None if it never ran)."""
    work = WORK / target.name
    if not (work / "seconds.txt").exists():
        return None
    outcome = Outcome(target, seconds=float((work / "seconds.txt").read_text()))
    if (work / "error.txt").exists():
        outcome.error = (work / "error.txt").read_text().strip()
        return outcome
    listed = mutmut(work, "results", "--all", "true", env=dict(os.environ))
    for line in listed.stdout.splitlines():
        match = RESULT_LINE.match(line)
        if match and any(fnmatch.fnmatch(match.group(1), p) for p in target.patterns()):
            outcome.statuses[match.group(1)] = match.group(2).strip()
    return outcome


def diff_of(target: Target, name: str) -> str:
    shown = mutmut(WORK / target.name, "show", name, env=dict(os.environ))
    return "\n".join(line for line in shown.stdout.splitlines() if not line.startswith("#"))


def write_report(outcomes: list[Outcome], equivalent: dict[str, str]) -> None:
    lines = [
        "# Mutation testing report",
        "",
        "Score: mutants detected (killed or timed out) over mutants checked. A survivor is",
        "explained when mutation/equivalent.toml says why no test can tell it apart; the last",
        "score leaves those equivalent mutants out.",
        "",
        "| target | module | mutants | killed | timeout | survived | explained | score "
        "| without equivalents | time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        if o.error:
            lines.append(f"| {o.target.name} | `{o.target.module}` | {o.error} ||||||||")
            continue
        survivors = [n for n, s in o.statuses.items() if s in UNDETECTED]
        explained = sum(1 for n in survivors if n in equivalent)
        real = o.checked - explained
        without = 100.0 * o.count(DETECTED) / real if real else 100.0
        lines.append(
            f"| {o.target.name} | `{o.target.module}` | {o.checked} | {o.count({'killed'})} "
            f"| {o.count({'timeout', 'segfault'})} | {len(survivors)} | {explained} "
            f"| {o.score:.1f}% | {without:.1f}% | {o.seconds / 60:.1f} min |"
        )
    for o in outcomes:
        survivors = [n for n, s in o.statuses.items() if s in UNDETECTED]
        if o.error or not survivors:
            continue
        lines += ["", f"## {o.target.name}: surviving mutants", ""]
        for name in survivors:
            why = equivalent.get(name)
            label = f"equivalent: {why}" if why else "NOT EXPLAINED"
            lines += [
                f"### `{name}` ({o.statuses[name]}; {label})",
                "",
                "```diff",
                diff_of(o.target, name),
                "```",
                "",
            ]
    REPORT.write_text("\n".join(lines) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--report", action="store_true", help="only write the report from the last runs"
    )
    args = parser.parse_args(argv)
    targets = load_targets()
    unknown = set(args.targets) - {t.name for t in targets}
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    chosen = [t for t in targets if not args.targets or t.name in args.targets]
    for target in [] if args.report else chosen:
        print(f"mutating {target.module} ({target.name})…", flush=True)
        run_target(target, args.max_children)
        outcome = collect(target)
        if outcome.error:
            print(f"  {outcome.error}", flush=True)
        else:
            print(
                f"  {outcome.checked} mutants, {outcome.count(UNDETECTED)} survived,"
                f" score {outcome.score:.1f}% in {outcome.seconds / 60:.1f} min",
                flush=True,
            )
    # The report covers every target that has run, this time or before.
    outcomes = [o for o in map(collect, targets) if o is not None]
    write_report(outcomes, load_equivalent())
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
