"""Retention: personal data anonymised a set time after a forum ends (the purge, run by the
mail worker daily or by `flask privacy purge`), what is due when, and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.core.db import db, utcnow, write_transaction
from app.models import (
    AuditEntry,
    Forum,
    OutboxMessage,
    Registration,
)
from app.models.enums import OutboxStatus
from app.privacy.operations import (
    ForumTexts,
    _anonymous_values,
    _forget_mail,
    _mention_needles,
    _personal_values,
    _scrub_audit,
    _scrub_mentions,
    forget_certificates,
    forget_feedback,
    purge_due_at,
    purge_voices,
    retention_days,
)
from app.programme.views import forum_ends_at

PURGE_BATCH = 500
AUDIT_PAGE_SIZE = 50


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionLine:
    """One forum: when it ends, when its personal data goes, how much is left to purge."""

    forum: Forum
    ends_at: datetime
    purge_at: datetime
    with_personal_data: int
    anonymised: int

    @property
    def total(self) -> int:
        return self.with_personal_data + self.anonymised

    def due(self, now: datetime) -> bool:
        return now >= self.purge_at

    def days_left(self, now: datetime) -> int:
        """Whole days until the purge (0 when due)."""
        if now >= self.purge_at:
            return 0
        return (self.purge_at - now + timedelta(seconds=86_399)) // timedelta(days=1)


def retention_plan(
    forums: Iterable[Forum] | None = None, *, days: int | None = None
) -> list[RetentionLine]:
    """Each forum (all of them, or `forums`) with its purge date and counts, soonest first."""
    days = retention_days() if days is None else days
    if forums is None:
        forums = db.session.scalars(select(Forum).order_by(Forum.last_day, Forum.id)).all()
    forums = list(forums)
    counts: dict[tuple[int, bool], int] = {}
    if forums:
        rows = db.session.execute(
            select(
                Registration.forum_id,
                Registration.anonymised_at.is_(None),
                func.count(),
            )
            .where(Registration.forum_id.in_([f.id for f in forums]))
            .group_by(Registration.forum_id, Registration.anonymised_at.is_(None))
        ).all()
        counts = {(fid, bool(personal)): int(n) for fid, personal, n in rows}
    lines = [
        RetentionLine(
            forum=f,
            ends_at=forum_ends_at(f).astimezone(UTC),
            purge_at=purge_due_at(f, days),
            with_personal_data=counts.get((f.id, True), 0),
            anonymised=counts.get((f.id, False), 0),
        )
        for f in forums
    ]
    return sorted(lines, key=lambda line: (line.purge_at, line.forum.id))


@dataclass
class PurgeReport:
    dry_run: bool
    now: datetime
    days: int
    # (forum slug, registrations anonymised or, in a dry run, to anonymise)
    forums: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n for _slug, n in self.forums)

    def __str__(self) -> str:
        verb = "would anonymise" if self.dry_run else "anonymised"
        if not self.forums:
            return f"Nothing to purge (retention {self.days} days)."
        parts = ", ".join(f"{slug} {n}" for slug, n in self.forums)
        return f"{verb} {self.total} registration(s): {parts}"


def purge(
    *, now: datetime | None = None, dry_run: bool = False, days: int | None = None
) -> PurgeReport:
    """Anonymise every registration of every forum whose retention period is over.

    Places, statuses, check-ins and bookings stay as they are, so every count stays right.
    Works in batches of PURGE_BATCH rows, one short write transaction each; safe to run
    again, and from two processes at once (a row already anonymised is left alone).
    """
    now = now or utcnow()
    days = retention_days() if days is None else days
    report = PurgeReport(dry_run=dry_run, now=now, days=days)
    for line in retention_plan(days=days):
        if not line.due(now):
            continue
        if not dry_run:
            with write_transaction():
                purge_voices(line.forum.id, now)
        if line.with_personal_data == 0:
            continue
        n = line.with_personal_data if dry_run else _purge_forum(line.forum.id, now)
        if n:
            report.forums.append((line.forum.slug, n))
    return report


def _purge_forum(forum_id: int, now: datetime) -> int:
    done = 0
    # Each batch starts after the last one: rows already anonymised are not walked again,
    # so the purge grows with the forum's size, not with its square.
    after = 0
    texts = ForumTexts(forum_id)
    while True:
        with write_transaction():
            batch = db.session.scalars(
                select(Registration)
                .where(
                    Registration.forum_id == forum_id,
                    Registration.id > after,
                    Registration.anonymised_at.is_(None),
                )
                .order_by(Registration.id)
                .limit(PURGE_BATCH)
            ).all()
            if not batch:
                _forget_unattached_mail(forum_id)
                return done
            ids = [r.id for r in batch]
            after = ids[-1]
            _scrub_audit({r.id: _personal_values(r) for r in batch})
            _scrub_mentions(forum_id, [n for r in batch for n in _mention_needles(r)], texts)
            db.session.flush()
            db.session.execute(
                update(Registration),
                [{"id": rid, **_anonymous_values(now)} for rid in ids],
            )
            _forget_mail(ids)
            forget_certificates(ids)
            forget_feedback(ids, keep_ratings=True)
            done += len(ids)


def _forget_unattached_mail(forum_id: int) -> None:
    """Mail for the forum with no registration attached (none is queued that way today)
    keeps no address either, once the forum's data is gone: once, after the last batch (the
    forum's sent mail is walked once, not once a batch)."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.forum_id == forum_id,
            OutboxMessage.registration_id.is_(None),
            OutboxMessage.status != OutboxStatus.PENDING,
            OutboxMessage.recipient != "",
        )
        .values(recipient="", context={}, last_error=None)
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def audit_log(
    forum: Forum,
    *,
    registration_id: int | None = None,
    page: int = 1,
    per_page: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """The forum's audit entries, newest first (optionally those about one registration)."""
    where = [AuditEntry.forum_id == forum.id]
    if registration_id is not None:
        where.append(AuditEntry.registration_id == registration_id)
    total = int(db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where)))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*where)
        .options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(list(entries), total, page, pages)


__all__ = [
    "AuditPage",
    "PurgeReport",
    "RetentionLine",
    "audit_log",
    "purge",
    "retention_plan",
]
