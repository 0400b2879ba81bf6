"""Interpretation receivers at the desk: handed out, taken back, counted.

A person holds at most one receiver at a time. The guard is the partial unique index
`ux_receiver_loans_out` (one row per registration with `returned_at IS NULL`): the hand-out is
one INSERT … ON CONFLICT DO NOTHING, so two desks handing one out to the same person at the
same moment write one loan, and the other is told it is out already. The look-up before it only
gives the clearer message in the common case; it decides nothing. Each loan is a row of its
own (channel, desk, when out, when back), like the check-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import current_locale
from app.core.languages import is_language, language_name
from app.desk.desks import Desk, OtherForum, _require_open
from app.models import Forum, ReceiverLoan, Registration
from app.models.enums import AttendanceMode, PlaceStatus
from app.registration.access_requests import channel_languages


class ReceiverRefused(DomainError):
    """No receiver for this person now. `reason`: cancelled, online, waitlisted, out, not_out."""

    status = 409
    code = "receiver_refused"
    public_details = ("reason",)

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class ReceiversOut:
    total: int
    by_language: dict[str, int]


def current_loan(registration: Registration) -> ReceiverLoan | None:
    return db.session.scalar(
        select(ReceiverLoan).where(
            ReceiverLoan.registration_id == registration.id, ReceiverLoan.returned_at.is_(None)
        )
    )


def loans(registration: Registration) -> list[ReceiverLoan]:
    """Every receiver this person had, oldest first."""
    return list(
        db.session.scalars(
            select(ReceiverLoan)
            .where(ReceiverLoan.registration_id == registration.id)
            .order_by(ReceiverLoan.handed_out_at, ReceiverLoan.id)
        )
    )


def channels(forum: Forum) -> list[str]:
    """The channels a receiver can be set to: languages some session is interpreted into."""
    return channel_languages(forum.id)


def default_channel(forum: Forum, registration: Registration) -> str:
    """The person's listening language when it is a channel; else the first channel."""
    offered = channels(forum)
    if registration.listening_language in offered:
        return registration.listening_language
    return offered[0] if offered else ""


def _refuse_unless_in_hall(registration: Registration) -> None:
    if registration.status == PlaceStatus.CANCELLED:
        raise ReceiverRefused("cancelled", _("This registration was cancelled."))
    if registration.attendance != AttendanceMode.IN_PERSON:
        raise ReceiverRefused(
            "online",
            _("This person attends online: the interpretation is on its channel of the stream."),
        )
    if registration.status != PlaceStatus.CONFIRMED:
        raise ReceiverRefused(
            "waitlisted", _("This person is on the waiting list and holds no place in the hall.")
        )


def _out_message(loan: ReceiverLoan) -> str:
    return _(
        "This person has a receiver already (set to %(language)s). Take it back first.",
        language=language_name(loan.language, current_locale()),
    )


def hand_out(
    desk: Desk, registration: Registration, language: str, *, now: datetime | None = None
) -> ReceiverLoan:
    """Lend a receiver set to `language` (empty: the person's listening language)."""
    now = now or utcnow()
    forum = desk.forum
    if registration.forum_id != forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    _require_open(forum, now)
    _refuse_unless_in_hall(registration)
    language = (language or "").strip() or default_channel(forum, registration)
    offered = channels(forum)
    if not is_language(language) or language not in offered:
        raise ValidationFailed(
            {
                "language": [
                    _("Choose one of the interpretation channels of this forum.")
                    if offered
                    else _("No session of this forum is interpreted: there is no channel.")
                ]
            }
        )
    registration_id, forum_id = registration.id, forum.id
    existing = current_loan(registration)
    if existing is not None:
        raise ReceiverRefused("out", _out_message(existing))
    with write_transaction():
        inserted = db.session.execute(
            upsert_insert(ReceiverLoan)
            .values(
                forum_id=forum_id,
                registration_id=registration_id,
                language=language,
                desk=desk.name,
                handed_out_at=now,
            )
            .on_conflict_do_nothing()
            .returning(ReceiverLoan.id)
        ).scalar_one_or_none()
        if inserted is None:
            # Another desk was quicker: the index kept this person to one receiver.
            raise ReceiverRefused("out", _out_message(current_loan(registration)))
    return db.session.get(ReceiverLoan, inserted)


def take_back(
    desk: Desk, registration: Registration, *, now: datetime | None = None
) -> ReceiverLoan:
    """The receiver comes back: one conditional UPDATE, so it comes back once."""
    now = now or utcnow()
    if registration.forum_id != desk.forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    _require_open(desk.forum, now)
    registration_id = registration.id
    with write_transaction():
        returned = db.session.execute(
            update(ReceiverLoan)
            .where(
                ReceiverLoan.registration_id == registration_id,
                ReceiverLoan.returned_at.is_(None),
            )
            .values(returned_at=now)
            .returning(ReceiverLoan.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if returned is None:
            raise ReceiverRefused("not_out", _("This person has no receiver out."))
    return db.session.get(ReceiverLoan, returned, populate_existing=True)


def receivers_out(forum: Forum) -> ReceiversOut:
    """Receivers out now, per channel (the desk's live counts)."""
    rows = db.session.execute(
        select(ReceiverLoan.language, func.count())
        .where(ReceiverLoan.forum_id == forum.id, ReceiverLoan.returned_at.is_(None))
        .group_by(ReceiverLoan.language)
    ).all()
    found = {language: int(n) for language, n in rows}
    order = [c for c in ("ko", "en") if c in found] + sorted(set(found) - {"ko", "en"})
    return ReceiversOut(sum(found.values()), {c: found[c] for c in order})
