"""A person registered on the day, at the desk: an in-person place under the ledger's rule, or
beyond the capacity with an organizer's reason, and never a waiting list. The desk decides who
may admit beyond capacity and records the check-in; the registration itself is made here, like
every other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.db import db
from app.core.locks import lock_forum
from app.core.tokens import hash_token, new_confirmation_code, new_token
from app.models import Registration
from app.models.enums import WALK_IN_SOURCE, AttendanceMode, PlaceStatus
from app.outbox import notify
from app.places import ledger
from app.registration.operations import CONSENT_VERSION


@dataclass(frozen=True)
class WalkInPerson:
    name: str
    email: tuple[str, str] | None  # (as given, normalised), or None: no address
    affiliation: str
    locale: str


@dataclass(frozen=True)
class Admitted:
    registration: Registration
    manage_token: str
    calendar_token: str
    over_capacity: bool


def admit(
    forum_id: int,
    person: WalkInPerson,
    *,
    now: datetime,
    beyond_capacity_reason: str = "",
) -> Admitted | None:
    """Register a walk-in, checked in at `now`, inside the caller's write transaction. None
    when the forum is full and no reason admits them beyond capacity (nothing written)."""
    lock_forum(forum_id)
    over = False
    if ledger.counts_places(forum_id) and not ledger.take_forum_place(forum_id):
        if not beyond_capacity_reason:
            return None
        ledger.take_forum_place_beyond_capacity(forum_id)
        over = True
    manage_token, calendar_token = new_token(), new_token()
    email, normalized = person.email if person.email else ("", None)
    registration = Registration(
        forum_id=forum_id,
        confirmation_code=new_confirmation_code(),
        name=person.name,
        email=email,
        email_normalized=normalized,
        affiliation=person.affiliation,
        attendance=AttendanceMode.IN_PERSON,
        locale=person.locale,
        status=PlaceStatus.CONFIRMED,
        source=WALK_IN_SOURCE,
        manage_token_hash=hash_token(manage_token),
        calendar_token_hash=hash_token(calendar_token),
        consent_version=CONSENT_VERSION,
        consented_at=now,
        checked_in_at=now,
        over_capacity_reason=beyond_capacity_reason if over else "",
    )
    db.session.add(registration)
    db.session.flush()
    notify(
        registration,
        "registration_confirmed",
        manage_token=manage_token,
        calendar_token=calendar_token,
    )
    return Admitted(registration, manage_token, calendar_token, over)
