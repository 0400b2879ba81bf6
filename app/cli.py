"""Command-line tools: `flask demo load`, `flask outbox deliver`, `flask users …`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data: the real Seoul forums and an upcoming sample.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo forums (loading twice changes nothing)."""
    from app.demo import load_demo

    report = load_demo()
    for line in report:
        click.echo(line)


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
