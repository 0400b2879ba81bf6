"""Walk-ins at the desk: the desk's rules (open, who may admit beyond capacity), the
registration made by `app.registration.walk_in`, and the check-in in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.access import can_organize
from app.core.db import db, utcnow, write_transaction
from app.core.errors import (
    AlreadyRegistered,
    Forbidden,
    RegistrationCancelled,
    ValidationFailed,
)
from app.core.locks import lock_forum
from app.core.text import check_text, normalise_email
from app.desk.checkin import CheckInResult, check_in
from app.desk.desks import (
    REASON_MAX,
    Desk,
    ForumFull,
    OnsiteRegistrationClosed,
    OtherForum,
    _require_open,
    walk_in_state,
)
from app.models import (
    AuditEntry,
    CheckIn,
    Forum,
    Registration,
)
from app.models.enums import PlaceStatus
from app.places import ledger
from app.registration import operations as registrations
from app.registration import walk_in

# ---------------------------------------------------------------------------- walk-ins


@dataclass
class WalkInRequest:
    name: str
    affiliation: str = ""
    email: str = ""
    locale: str = "ko"
    consent_personal_data: bool = False
    # Only an organizer's reason admits a walk-in when the forum is full.
    over_capacity_reason: str = ""


@dataclass
class WalkInResult:
    registration: Registration
    manage_token: str
    calendar_token: str
    over_capacity: bool


def _clean_reason(errors: dict[str, list[str]], raw: str) -> str:
    return check_text(errors, "over_capacity_reason", raw, required=False, limit=REASON_MAX)


def _forum_full(forum_id: int) -> ForumFull:
    capacity = db.session.scalar(select(Forum.in_person_capacity).where(Forum.id == forum_id))
    return ForumFull(
        _(
            "The forum is full: all %(n)s in-person places are taken. Nothing was registered."
            " An organizer can admit a person beyond capacity with a reason.",
            n=capacity,
        )
    )


def register_walk_in(
    desk: Desk, req: WalkInRequest, *, now: datetime | None = None
) -> WalkInResult:
    """Register a walk-in at the desk, take an in-person place under the same seat rule as
    pre-registration, and check them in at once. When the forum is full, only an organizer's
    recorded reason admits them (beyond capacity); otherwise nothing is written."""
    now = now or utcnow()
    forum = desk.forum
    state = walk_in_state(forum, now)
    if state == "desk_closed":
        _require_open(forum, now)
    if state != "open":
        raise OnsiteRegistrationClosed(_("This forum does not take on-site registrations."))

    errors: dict[str, list[str]] = {}
    name = check_text(errors, "name", req.name, required=True, limit=registrations.NAME_MAX)
    affiliation = check_text(
        errors, "affiliation", req.affiliation, required=False, limit=registrations.AFFILIATION_MAX
    )
    email: tuple[str, str] | None = None
    if (req.email or "").strip():
        email = normalise_email(req.email)
        if email is None:
            errors.setdefault("email", []).append(
                _("Enter a valid email address, like name@example.org, or leave it empty.")
            )
    locale = req.locale if req.locale in ("ko", "en") else "ko"
    if req.consent_personal_data is not True:
        errors.setdefault("consent_personal_data", []).append(
            _("Registration needs the person's consent to the collection and use of personal data.")
        )
    reason = _clean_reason(errors, req.over_capacity_reason)
    if errors:
        raise ValidationFailed(errors)

    forum_id = forum.id
    operator_id = desk.operator.id if desk.operator is not None else None
    organizer = can_organize(desk.operator, forum)
    person = walk_in.WalkInPerson(name, email, affiliation, locale)

    def existing_with_email() -> Registration | None:
        if email is None:
            return None
        return db.session.scalar(
            select(Registration).where(
                Registration.forum_id == forum_id, Registration.email_normalized == email[1]
            )
        )

    def already(found: Registration) -> AlreadyRegistered:
        return AlreadyRegistered(
            _("This email address is registered already: check that registration in instead."),
            registration_id=found.id,
        )

    try:
        with write_transaction():
            found = existing_with_email()
            if found is not None:
                raise already(found)
            if not reason:
                admitted = walk_in.admit(forum_id, person, now=now)
            elif organizer:
                admitted = walk_in.admit(forum_id, person, now=now, beyond_capacity_reason=reason)
            else:
                admitted = walk_in.admit(forum_id, person, now=now)
                if admitted is None:
                    raise Forbidden(
                        _("Only an organizer can admit a person beyond the forum's capacity.")
                    )
            if admitted is None:
                raise _forum_full(forum_id)
            registration, over = admitted.registration, admitted.over_capacity
            manage_token, calendar_token = admitted.manage_token, admitted.calendar_token
            db.session.add(
                CheckIn(
                    registration_id=registration.id,
                    forum_id=forum_id,
                    direction="in",
                    desk=desk.name,
                    operator_id=operator_id,
                    created_at=now,
                )
            )
            _audit(desk, "walk_in_registered", registration.id, {"desk": desk.name}, now)
            if over:
                _audit(desk, "admitted_over_capacity", registration.id, {"reason": reason}, now)
    except IntegrityError:
        # Registered with the same address at the same moment at another desk (or, once in
        # a trillion, a code collision): nothing of ours was written.
        found = existing_with_email()
        if found is not None:
            raise already(found) from None
        raise
    return WalkInResult(registration, manage_token, calendar_token, over)


def _audit(desk: Desk, action: str, registration_id: int | None, details: dict, now) -> None:
    db.session.add(
        AuditEntry(
            user_id=desk.operator.id if desk.operator is not None else None,
            action=action,
            forum_id=desk.forum.id,
            registration_id=registration_id,
            details=details,
            created_at=now,
        )
    )


def admit_waitlisted(
    desk: Desk, registration: Registration, reason: str, *, now: datetime | None = None
) -> CheckInResult:
    """An organizer admits a person who is only on the waiting list, with a recorded reason:
    a free place if one is left, else a place beyond capacity; then checks them in."""
    now = now or utcnow()
    forum = desk.forum
    if registration.forum_id != forum.id:
        raise OtherForum(_("This registration belongs to another forum."))
    if not can_organize(desk.operator, forum):
        raise Forbidden(_("Only an organizer can admit a person beyond the forum's capacity."))
    _require_open(forum, now)
    errors: dict[str, list[str]] = {}
    reason = _clean_reason(errors, reason)
    if not reason and not errors:
        errors["over_capacity_reason"] = [_("Give the reason for admitting this person.")]
    if errors:
        raise ValidationFailed(errors)
    registration_id = registration.id
    with write_transaction():
        lock_forum(forum.id)
        fresh = db.session.get(Registration, registration_id, populate_existing=True)
        if fresh.status == PlaceStatus.CANCELLED:
            raise RegistrationCancelled(_("This registration was cancelled."))
        if fresh.status == PlaceStatus.WAITLISTED:
            over = not ledger.promote_registration(fresh, beyond_capacity=True, tell=False)
            if over:
                fresh.over_capacity_reason = reason
            _audit(
                desk,
                "admitted_over_capacity" if over else "admitted_from_waitlist",
                registration_id,
                {"reason": reason},
                now,
            )
    return check_in(desk, fresh, now=now)
