"""The import rules of the architecture, checked by reading the source (no imports needed)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return files


def offending(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in python_files(package):
        for name in imported_modules(path):
            if name in allowed:
                continue
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


FEATURES = (
    "app/core",
    "app/accounts",
    "app/places",
    "app/registration",
    "app/programme",
    "app/desk",
    "app/mail",
    "app/privacy",
    "app/feeds",
)
WEB_AND_DB = ("app", "flask", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "wtforms", "werkzeug")


@pytest.mark.parametrize(
    ("package", "forbidden", "allowed"),
    [
        ("app/models", ("app.forms", "app.web", "flask_wtf", "wtforms"), ()),
        # Forms may name the vocabulary, never query the database.
        (
            "app/forms",
            ("app.models", "app.core.db", "sqlalchemy", "flask_sqlalchemy"),
            ("app.models.enums",),
        ),
        *((package, ("app.web", "app.forms"), ()) for package in FEATURES),
    ],
)
def test_import_rules(package, forbidden, allowed):
    assert offending(package, forbidden, allowed) == []


def test_the_scan_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from app.models import Forum\nimport flask\n", encoding="utf-8")
    assert imported_modules(bad) == {"app.models", "flask"}


def test_the_import_contracts_hold():
    """The layers, the absence of cycles and the pure packages (pyproject's
    [tool.importlinter]); `lint-imports` prints the details."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def function_level_app_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "app":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    return found


@pytest.mark.parametrize("package", [p.removeprefix("app/") for p in FEATURES] + ["web"])
def test_features_and_pages_import_at_the_top(package):
    """A function-level import to dodge a cycle is a sign the cut is wrong: none here."""
    found = [
        line for path in python_files(f"app/{package}") for line in function_level_app_imports(path)
    ]
    assert found == []


def test_the_function_level_scan_sees_one(tmp_path):
    sample = ROOT / "app" / "core" / "_probe_for_test.py"
    try:
        sample.write_text("def f():\n    from app.core import db\n", encoding="utf-8")
        assert function_level_app_imports(sample) == ["app/core/_probe_for_test.py:2 app.core"]
    finally:
        sample.unlink()
