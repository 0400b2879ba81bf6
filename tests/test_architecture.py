"""The import rules of the architecture, checked by reading the source (no imports needed)."""

from __future__ import annotations

import ast
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
        ("scheduling", (*WEB_AND_DB, "notifications"), ()),
        ("notifications", (*WEB_AND_DB, "scheduling", "jinja2"), ()),
        ("app/models", ("app.services", "app.forms", "app.web", "flask_wtf", "wtforms"), ()),
        # Forms may name the vocabulary, never query the database.
        (
            "app/forms",
            ("app.services", "app.models", "app.core.db", "sqlalchemy", "flask_sqlalchemy"),
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
