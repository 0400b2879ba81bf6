"""Command-line tools: `flask demo load`, `flask outbox deliver`, `flask users …`,
`flask privacy purge|preview`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

demo_cli = AppGroup("demo", help="Demo data: the real Seoul forums and an upcoming sample.")
users_cli = AppGroup("users", help="Staff accounts and API tokens.")
outbox_cli = AppGroup("outbox", help="Queued mail: deliver it, queue reminders, inspect.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo forums (loading twice changes nothing)."""
    from app.demo import load_demo

    report = load_demo()
    for line in report:
        click.echo(line)
    from flask import current_app

    if current_app.config.get("DEMO_ACCOUNTS"):
        from app.demo import create_demo_accounts

        for line in create_demo_accounts():
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
    from app.accounts.users import create_user
    from app.core.errors import ValidationFailed

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
    from app.accounts.users import issue_api_token
    from app.core.db import db
    from app.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        click.echo(f"No account with the email {email}.", err=True)
        raise SystemExit(1)
    click.echo(issue_api_token(user, name))


@outbox_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep running: deliver, wait, deliver again.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=None,
    help="Seconds between rounds with --watch (OUTBOX_POLL_SECONDS, default 5).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1000),
    default=None,
    help="Messages claimed and sent over one SMTP connection (OUTBOX_BATCH_SIZE, default 20).",
)
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=None,
    help="Seconds a claim lasts before another worker may take the rows "
    "(OUTBOX_LEASE_SECONDS, default 600).",
)
def outbox_deliver(
    watch: bool, interval: float | None, batch_size: int | None, lease: float | None
) -> None:
    """Send the mail that is due, then exit (or keep going with --watch).

    With --watch the day-before reminders are queued too; Ctrl-C or SIGTERM finishes the
    batch in progress and exits.
    """
    import signal

    from flask import current_app

    from app.mail.worker import DeliveryWorker

    worker = DeliveryWorker(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        interval=interval,
        batch_size=batch_size,
        lease=lease,
        echo=click.echo,
    )
    if not watch:
        try:
            report = worker.run_once()
        except (RuntimeError, ValueError) as exc:  # MAIL_FROM or SMTP settings unusable
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(1) from None
        click.echo(str(report))
        return

    def stop(signum, frame) -> None:
        if worker.stopping:  # asked twice: stop now
            raise KeyboardInterrupt
        worker.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(
        f"Delivering mail every {worker.interval:g} s as {worker.worker_id}; "
        "Ctrl-C or SIGTERM stops."
    )
    try:
        worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Stopped.")


@outbox_cli.command("reminders")
def outbox_reminders() -> None:
    """Queue the day-before reminders (once per registrant per forum; safe to repeat)."""
    from app.mail.delivery import queue_reminders

    click.echo(f"Queued {queue_reminders()} reminder(s).")


@outbox_cli.command("status")
def outbox_status() -> None:
    """How many messages are pending, sent and dead."""
    from app.mail.delivery import outbox_counts

    counts = outbox_counts()
    click.echo(", ".join(f"{status} {n}" for status, n in counts.items()))


@outbox_cli.command("requeue")
@click.option("--id", "ids", type=int, multiple=True, help="A dead message's id (repeatable).")
@click.option("--all-dead", is_flag=True, help="Every dead message.")
def outbox_requeue(ids: tuple[int, ...], all_dead: bool) -> None:
    """Try dead messages again, with a fresh set of attempts."""
    from app.mail.delivery import requeue_dead

    if not ids and not all_dead:
        click.echo("Name messages with --id, or pass --all-dead.", err=True)
        raise SystemExit(2)
    click.echo(f"Requeued {requeue_dead(None if all_dead else list(ids))} message(s).")


privacy_cli = AppGroup("privacy", help="Retention of personal data: preview and purge.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be anonymised; change nothing.")
def privacy_purge(dry_run: bool) -> None:
    """Anonymise the registrations of forums that ended more than RETENTION_DAYS ago.

    Only counts remain. Safe to repeat; `flask outbox deliver --watch` runs it once a day.
    """
    from app.privacy.operations import purge

    click.echo(str(purge(dry_run=dry_run)))


@privacy_cli.command("preview")
def privacy_preview() -> None:
    """Per forum: when it ends, when its personal data is purged, and how much is left."""
    from app.core.db import utcnow
    from app.privacy.operations import retention_days, retention_plan

    now = utcnow()
    click.echo(f"Retention: {retention_days()} days after a forum ends.")
    for line in retention_plan():
        if line.with_personal_data:
            when = "due now" if line.due(now) else f"in {line.days_left(now)} day(s)"
        else:
            when = "nothing left"
        click.echo(
            f"{line.forum.slug}: ends {line.ends_at:%Y-%m-%d %H:%M}Z, "
            f"purge {line.purge_at:%Y-%m-%d %H:%M}Z ({when}); "
            f"{line.with_personal_data} with personal data, {line.anonymised} anonymised"
        )


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(privacy_cli)
