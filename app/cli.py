"""Command-line tools: `flask demo load`, `flask outbox deliver`, `flask users …`,
`flask privacy purge|preview`, `flask agenda solve|work`, `flask voices verify-draw`."""

from __future__ import annotations

import json
import signal
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.accounts.users import (
    api_tokens,
    create_user,
    deactivate,
    issue_api_token,
    revoke_api_token,
    token_state,
    unassign,
    user_by_email,
)
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.demo import create_demo_accounts, load_demo
from app.mail.delivery import queue_reminders
from app.mail.overview import mail_counts, requeue_dead
from app.mail.worker import DeliveryWorker
from app.privacy.operations import retention_days
from app.privacy.retention import purge, retention_plan
from app.programme import solver_runs, solving
from app.programme.agenda import get_forum
from app.voices import draw as draws
from scheduling.solver import MAX_TIME_LIMIT_S

demo_cli = AppGroup("demo", help="Demo data: the real Seoul forums and an upcoming sample.")
users_cli = AppGroup("users", help="Staff accounts and API tokens.")
outbox_cli = AppGroup("outbox", help="Queued mail: deliver it, queue reminders, inspect.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo forums (loading twice changes nothing)."""

    report = load_demo()
    for line in report:
        click.echo(line)

    if current_app.config.get("DEMO_ACCOUNTS"):
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

    try:
        user = create_user(email, password, role, name=name, forum_slugs=list(forums))
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} {user.email}.")


def _account(email: str):
    """The account with `email`, or exit 1 saying there is none."""

    try:
        return user_by_email(email)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None


@users_cli.command("token")
@click.option("--email", required=True, help="Whose token.")
@click.option("--name", default="", help="What the token is for, e.g. 'desk tablet 2'.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="The token stops working after this many days (default: until revoked).",
)
def users_token(email: str, name: str, expires_in_days: int | None) -> None:
    """Issue a bearer token for the organizer and desk APIs (shown once)."""

    valid_for = timedelta(days=expires_in_days) if expires_in_days else None
    click.echo(issue_api_token(_account(email), name, valid_for=valid_for))


@users_cli.command("tokens")
@click.option("--email", required=True, help="Whose tokens.")
def users_tokens(email: str) -> None:
    """List an account's API tokens: id, name, state, created, expires, last used."""

    now = utcnow()

    def when(moment) -> str:
        return f"{moment:%Y-%m-%d %H:%M}Z" if moment else "-"

    rows = api_tokens(_account(email))
    if not rows:
        click.echo("No API tokens.")
    for row in rows:
        click.echo(
            f"{row.id}\t{row.name or '-'}\t{token_state(row, now)}\tcreated {when(row.created_at)}"
            f"\texpires {when(row.expires_at)}\tlast used {when(row.last_used_at)}"
        )


@users_cli.command("revoke-token")
@click.option(
    "--id", "token_id", type=int, required=True, help="The id `flask users tokens` shows."
)
def users_revoke_token(token_id: int) -> None:
    """Revoke an API token: it stops working at once."""

    try:
        row = revoke_api_token(token_id)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    click.echo(f"Revoked token {row.id} ({row.name or 'unnamed'}) of {row.user.email}.")


@users_cli.command("deactivate")
@click.option("--email", required=True, help="The account to close.")
def users_deactivate(email: str) -> None:
    """Close an account: it cannot sign in, its sessions end, its API tokens are revoked."""

    user = _account(email)
    deactivate(user)
    click.echo(f"Deactivated {user.email}: signed out everywhere, API tokens revoked.")


@users_cli.command("unassign")
@click.option("--email", required=True, help="The organizer or desk account.")
@click.option("--forum", "slug", required=True, help="The forum slug they no longer work on.")
def users_unassign(email: str, slug: str) -> None:
    """Take an account off a forum (its open sessions lose the forum on their next request)."""

    user = _account(email)
    try:
        unassign(user, slug)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    click.echo(f"{user.email} no longer works on {slug}.")


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

    click.echo(f"Queued {queue_reminders()} reminder(s).")


@outbox_cli.command("status")
def outbox_status() -> None:
    """How many messages are pending, retrying, sent, dead and skipped (left out by design)."""

    counts = mail_counts()
    click.echo(", ".join(f"{status} {n}" for status, n in counts.items()))


@outbox_cli.command("requeue")
@click.option("--id", "ids", type=int, multiple=True, help="A dead message's id (repeatable).")
@click.option("--all-dead", is_flag=True, help="Every dead message.")
def outbox_requeue(ids: tuple[int, ...], all_dead: bool) -> None:
    """Try dead messages again, with a fresh set of attempts."""

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

    click.echo(str(purge(dry_run=dry_run)))


@privacy_cli.command("preview")
def privacy_preview() -> None:
    """Per forum: when it ends, when its personal data is purged, and how much is left."""

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


agenda_cli = AppGroup("agenda", help="The agenda solver: propose or repair a timetable.")


@agenda_cli.command("solve")
@click.argument("slug")
@click.option(
    "--repair/--propose",
    default=None,
    help="Repair the timetable with the fewest moves, or propose a whole one "
    "(default: repair a published forum, propose for a draft).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0, MAX_TIME_LIMIT_S, min_open=True),
    default=solving.DEFAULT_TIME_LIMIT_S,
    show_default=True,
    help="Seconds the search may take.",
)
@click.option("--pin", "pinned", type=int, multiple=True, help="A session id to keep in place.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposal as JSON.")
@click.option("--apply", "apply_it", is_flag=True, help="Apply the proposal's moves.")
@click.option("--by", "by_email", default="", help="With --apply: the staff account applying.")
@click.option("--locale", type=click.Choice(["en", "ko"]), default="en", show_default=True)
def agenda_solve(
    slug: str,
    repair: bool | None,
    time_limit: float,
    pinned: tuple[int, ...],
    as_json: bool,
    apply_it: bool,
    by_email: str,
    locale: str,
) -> None:
    """Print the solver's proposal for a forum and its status; apply it only with --apply."""
    if apply_it and not by_email:
        raise click.UsageError("--apply needs --by EMAIL: the change is recorded in their name.")
    try:
        forum = get_forum(slug)
        user = user_by_email(by_email) if apply_it else None
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    modes = {True: "repair", False: "propose", None: solver_runs.default_mode(forum)}
    mode = modes[repair]
    try:
        record, digest = solving.solve(forum, mode=mode, time_limit_s=time_limit, pinned=pinned)
    except ValidationFailed as exc:
        raise click.ClickException(" ".join(m for ms in exc.errors.values() for m in ms)) from None
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        _echo_proposal(forum, record, locale)
    if not apply_it:
        return
    if not record["moves"]:
        click.echo("Nothing to apply.")
        return
    try:
        applied = solving.apply_moves(forum, record, digest=digest, session_ids=None, user=user)
    except (solving.StaleProposal, ValidationFailed) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Applied {_count(len(applied.sessions), 'move')}; "
        f"{_count(applied.notices, 'change notice')} queued."
    )


def _count(num: int, one: str, many: str | None = None) -> str:
    return f"{num} {one if num == 1 else many or one + 's'}"


def _echo_proposal(forum, record: dict, locale: str) -> None:
    score = record["score"] or {}
    click.echo(
        f"{record['mode']}: {record['status']} in {record['wall_time_s']:.2f} s; "
        f"{_count(len(record['moves']), 'move')}, "
        f"{_count(score.get('affected_registrants', 0), 'person', 'people')} affected."
    )
    for move in solving.move_views(forum, record, locale):
        click.echo(f"  #{move.session_id} {move.title}")
        click.echo(
            f"      {move.before}  ->  {move.after}  "
            f"({_count(move.registrants, 'person', 'people')} told)"
        )
    for reason in solving.reason_texts(record, locale):
        click.echo(f"  ! {reason}")


@agenda_cli.command("work")
@click.option("--watch", is_flag=True, help="Keep running: run queued searches as they come.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True)
def agenda_work(watch: bool, interval: float) -> None:
    """Run the queued solver runs (organizers ask for them on the timetable page), then exit
    (or keep going with --watch). Runs whose worker stopped are taken over."""
    worker_id = solver_runs.worker_identity()
    if not watch:
        click.echo(f"{solver_runs.work_once(worker_id)} solver runs done.")
        return
    stopping: list[bool] = []

    def stop(signum, frame) -> None:
        if stopping:
            raise KeyboardInterrupt
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(f"Running solver runs as {worker_id}; Ctrl-C or SIGTERM stops.")
    try:
        solver_runs.watch(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            worker_id,
            interval=interval,
            should_stop=lambda: bool(stopping),
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Stopped.")


voices_cli = AppGroup("voices", help="Citizens' voices: check a comment event's prize draw.")


@voices_cli.command("verify-draw")
@click.argument("slug")
@click.option(
    "--entries",
    "entries_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="A downloaded entries.txt to check instead of the stored list.",
)
@click.option("--seed", default=None, help="The seed to check instead of the stored one.")
def voices_verify_draw(slug: str, entries_file, seed: str | None) -> None:
    """Run a forum's prize draw again from its seed and list and compare with the stored
    winners. Exits 0 when every check holds, 1 when one fails, 2 when there is no draw."""
    try:
        event = draws.event_of(get_forum(slug))
    except NotFound as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(2) from None
    if event is None or event.drawn_at is None:
        click.echo(f"{slug}: no draw has taken place.", err=True)
        raise SystemExit(2)
    entry_ids = None
    if entries_file is not None:
        try:
            entry_ids = draws.parse_entries(entries_file.read())
        except ValueError as exc:
            click.echo(f"FAIL  {entries_file.name}: {exc}", err=True)
            raise SystemExit(1) from None
    checks = draws.verify(event, draws.winners_of(event), seed=seed, entry_ids=entry_ids)
    for check in checks:
        click.echo(f"{'OK  ' if check.ok else 'FAIL'}  {check.what}")
    if not all(check.ok for check in checks):
        raise SystemExit(1)
    click.echo(f"{slug}: the draw checks out.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(agenda_cli)
    app.cli.add_command(voices_cli)
