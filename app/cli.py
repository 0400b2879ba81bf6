"""Command-line tools: `flask demo load`, `flask outbox deliver`, `flask users …`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

demo_cli = AppGroup("demo", help="Demo data: the real Seoul forums and an upcoming sample.")
users_cli = AppGroup("users", help="Staff accounts and API tokens.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo forums (loading twice changes nothing)."""
    from app.demo import load_demo

    report = load_demo()
    for line in report:
        click.echo(line)


@users_cli.command("create")
@click.option("--email", required=True, help="The address the person signs in with.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "organizer", "desk"]),
    help="What they may do.",
)
@click.option("--forum", "forums", multiple=True, help="A forum slug they work on (repeatable).")
@click.option("--name", default="", help="Their name, as shown to colleagues.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when left out; give it only in scripts.",
)
def users_create(email: str, role: str, forums: tuple[str, ...], name: str, password: str) -> None:
    """Create a staff account."""
    from app.services.errors import ValidationFailed
    from app.services.users import create_user

    try:
        user = create_user(email, password, role, name=name, forum_slugs=list(forums))
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.email}.")


@users_cli.command("token")
@click.option("--email", required=True, help="Whose token.")
@click.option("--name", default="", help="What the token is for, e.g. 'desk tablet 2'.")
def users_token(email: str, name: str) -> None:
    """Issue a bearer token for the organizer and desk APIs (shown once)."""
    from app.db import db
    from app.models import User
    from app.services.users import issue_api_token

    user = db.session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        click.echo(f"No account with the email {email}.", err=True)
        raise SystemExit(1)
    click.echo(issue_api_token(user, name))


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
