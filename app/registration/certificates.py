"""Certificates of attendance: the forum's rule and wording, who is eligible, issuing them once
the forum is over (a certificate row and a mail carrying the PDF, once per person), a person's
own download, and the public check of a verification code.

Eligibility is `is_eligible` (for one person) and its SQL twin `_eligible_filter` (for a whole
forum): a confirmed, not erased registration with a check-in at the forum's desk, at a session's
door, or online attendance of at least one session, whichever the forum's rule counts.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, false, func, or_, select

from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.tokens import CODE_ALPHABET, normalise_code
from app.models import (
    AuditEntry,
    Booking,
    Certificate,
    CertificateSettings,
    Forum,
    OnlineAttendance,
    Registration,
    User,
)
from app.models.enums import ForumStatus, PlaceStatus
from app.outbox import enqueue_once
from app.programme.checks import Fields
from app.programme.views import is_upcoming
from app.registration.certificate_pdf import CertificateText, find_font, render_certificate

KIND = "certificate"
CODE_LENGTH = 12
WORDING_LIMIT = 1_000
NAME_LIMIT = 200
RULES = ("forum_check_in", "session_check_in", "online_attendance")
TEXTS = (
    "wording_ko",
    "wording_en",
    "signatory_ko",
    "signatory_en",
    "signatory_title_ko",
    "signatory_title_en",
)


class NotEligible(DomainError):
    status = 403
    code = "not_eligible"


class NotYet(DomainError):
    status = 409
    code = "forum_not_over"


# ------------------------------------------------------------------------------ settings


def settings_of(forum: Forum) -> CertificateSettings:
    """The forum's settings (unsaved defaults when none were saved)."""
    found = db.session.get(CertificateSettings, forum.id)
    if found is not None:
        return found
    return CertificateSettings(
        forum_id=forum.id,
        enabled=False,
        forum_check_in=True,
        session_check_in=True,
        online_attendance=True,
        **dict.fromkeys(TEXTS, ""),
    )


def save_settings(forum: Forum, raw: Mapping[str, Any], user: User) -> CertificateSettings:
    """Check and save the rule and the wording; ValidationFailed (nothing saved) otherwise.
    Enabled certificates need at least one way to qualify and a wording in each language."""
    fields = Fields(raw)
    values: dict[str, Any] = {
        name: fields.text(
            name,
            limit=WORDING_LIMIT if name.startswith("wording") else NAME_LIMIT,
            multiline=name.startswith("wording"),
        )
        for name in TEXTS
    }
    for name in ("enabled", *RULES):
        value = raw.get(name)
        if not isinstance(value, bool | None):
            fields.add(name, _("This field has the wrong type."))
        values[name] = bool(value)
    if values["enabled"]:
        if not any(values[r] for r in RULES):
            fields.add("forum_check_in", _("Choose at least one way to qualify."))
        for name in ("wording_ko", "wording_en", "signatory_ko", "signatory_en"):
            if not values[name] and not fields.has(name):
                fields.add(name, _("Needed when certificates are enabled."))
    fields.raise_if_any()
    with write_transaction():
        settings = db.session.get(CertificateSettings, forum.id)
        if settings is None:
            settings = CertificateSettings(forum_id=forum.id)
            db.session.add(settings)
        for name, value in values.items():
            setattr(settings, name, value)
        db.session.add(
            AuditEntry(
                user_id=user.id,
                action="certificates.settings",
                forum_id=forum.id,
                details={"enabled": values["enabled"], **{r: values[r] for r in RULES}},
            )
        )
    return settings


# ---------------------------------------------------------------------------- eligibility


def attendance_filter(
    forum_id: int,
    *,
    forum_check_in: bool = True,
    session_check_in: bool = True,
    online_attendance: bool = True,
) -> tuple[Any, ...]:
    """Registrations that attended the forum (confirmed, not erased) in any of the given ways:
    checked in at its desk, at a session's door, or watched a session online. Certificates
    and feedback both ask this."""
    r = Registration
    ways = []
    if forum_check_in:
        ways.append(r.checked_in_at.is_not(None))
    if session_check_in:
        ways.append(
            exists().where(Booking.registration_id == r.id, Booking.checked_in_at.is_not(None))
        )
    if online_attendance:
        ways.append(exists().where(OnlineAttendance.registration_id == r.id))
    return (
        r.forum_id == forum_id,
        r.status == PlaceStatus.CONFIRMED,
        r.anonymised_at.is_(None),
        or_(*ways) if ways else false(),
    )


def _eligible_filter(settings: CertificateSettings) -> tuple[Any, ...]:
    return attendance_filter(settings.forum_id, **{rule: getattr(settings, rule) for rule in RULES})


def has_attended(registration: Registration, **ways: bool) -> bool:
    """`attendance_filter` for one person."""
    query = select(Registration.id).where(
        Registration.id == registration.id, *attendance_filter(registration.forum_id, **ways)
    )
    return db.session.scalar(query) is not None


def is_eligible(registration: Registration, settings: CertificateSettings) -> bool:
    """Whether this person qualifies under the forum's rule (enabled or not)."""
    return has_attended(registration, **{rule: getattr(settings, rule) for rule in RULES})


def eligible_count(forum: Forum) -> int:
    query = select(func.count(Registration.id)).where(*_eligible_filter(settings_of(forum)))
    return int(db.session.scalar(query))


def is_over(forum: Forum, now: datetime) -> bool:
    return not is_upcoming(forum, now)


def given(forum: Forum, now: datetime | None = None) -> bool:
    """Whether the forum gives certificates and they can be had now (the forum is over)."""
    return settings_of(forum).enabled and is_over(forum, now or utcnow())


# -------------------------------------------------------------------------------- issuing


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _issue_to(forum_id: int, registration_id: int, now: datetime) -> Certificate:
    """The person's certificate, made now if they have none (safe against a race)."""
    db.session.execute(
        upsert_insert(Certificate)
        .values(forum_id=forum_id, registration_id=registration_id, code=new_code(), issued_at=now)
        .on_conflict_do_nothing(index_elements=["forum_id", "registration_id"])
    )
    return db.session.scalar(
        select(Certificate).where(
            Certificate.forum_id == forum_id, Certificate.registration_id == registration_id
        )
    )


def issue_forum(forum: Forum, *, now: datetime | None = None) -> int:
    """Issue and mail every eligible person's certificate of a forum that is over, once each;
    how many were queued now. Refused (NotYet) before the forum ends or when not enabled."""
    now = now or utcnow()
    settings = settings_of(forum)
    if not settings.enabled:
        raise NotYet(_("Certificates are not enabled for this forum."))
    if not is_over(forum, now):
        raise NotYet(_("Certificates are issued once the forum is over."))
    queued = 0
    with write_transaction():
        people = db.session.execute(
            select(Registration.id, Registration.email, Registration.locale)
            .where(*_eligible_filter(settings))
            .order_by(Registration.id)
        ).all()
        for registration_id, email, locale in people:
            _issue_to(forum.id, registration_id, now)
            if email:
                queued += enqueue_once(
                    KIND,
                    recipient=email,
                    locale=locale,
                    dedupe_key=f"certificate:{forum.id}:{registration_id}",
                    context={"registration_id": registration_id},
                    forum_id=forum.id,
                    registration_id=registration_id,
                )
        if settings.issued_at is None:
            settings.issued_at = now
    return queued


def issue_due(*, now: datetime | None = None) -> int:
    """Issue the certificates of every published forum that is over, enabled and not issued yet
    (the mail worker's round calls this); how many mails were queued."""
    now = now or utcnow()
    pending = db.session.scalars(
        select(Forum)
        .join(CertificateSettings, CertificateSettings.forum_id == Forum.id)
        .where(
            CertificateSettings.enabled.is_(True),
            CertificateSettings.issued_at.is_(None),
            Forum.status == ForumStatus.PUBLISHED,
            Forum.last_day < now.date(),
        )
    ).all()
    return sum(issue_forum(forum, now=now) for forum in pending if is_over(forum, now))


# ------------------------------------------------------------------------ the person's own


def certificate_for(registration: Registration, *, now: datetime | None = None) -> Certificate:
    """The person's certificate to download: issued on the spot if they qualify and the forum
    is over. NotYet or NotEligible (with a reason) otherwise."""
    now = now or utcnow()
    forum = registration.forum
    settings = settings_of(forum)
    if not settings.enabled:
        raise NotEligible(_("This forum does not give certificates of attendance."))
    if not is_over(forum, now):
        raise NotYet(_("Certificates of attendance are available once the forum is over."))
    if not is_eligible(registration, settings):
        raise NotEligible(
            _(
                "There is no certificate for this registration: it is given to people who "
                "attended (checked in at the forum or a session, or watched a session online)."
            )
        )
    with write_transaction():
        certificate = _issue_to(forum.id, registration.id, now)
    return certificate


def mask_name(name: str) -> str:
    """A name as the public sees it: 김*수, 홍*, J*** D**."""
    name = (name or "").strip()
    if not name or name == "—":
        return "—"
    if " " not in name and len(name) <= 4 and not name.isascii():
        if len(name) <= 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


@dataclass(frozen=True)
class Verified:
    code: str
    masked_name: str
    forum: Forum
    issued_at: datetime


def well_formed(raw: str) -> str | None:
    """A typed code cleaned (spaces, dashes, case), or None when it cannot be one."""
    code = normalise_code(raw or "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def verify(raw: str) -> Verified:
    """What the public verify page shows for a code: the masked name, the forum and its date.
    ValidationFailed for a malformed code, NotFound for one that was never issued."""
    code = well_formed(raw)
    if code is None:
        raise ValidationFailed(
            {"code": [_("A verification code has 12 letters and digits, like ABCD-EFGH-JKMN.")]}
        )
    found = db.session.execute(
        select(Certificate, Registration)
        .join(Registration, Registration.id == Certificate.registration_id)
        .where(Certificate.code == code, Registration.anonymised_at.is_(None))
    ).first()
    if found is None:
        raise NotFound(_("No certificate has this code."))
    certificate, registration = found
    return Verified(
        code=display(certificate.code),
        masked_name=mask_name(registration.name),
        forum=registration.forum,
        issued_at=certificate.issued_at,
    )


def verify_url(code: str) -> str:
    """The public page that checks `code` (as printed, ABCD-EFGH-JKMN)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/certificates/verify?code={code}"


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF of an issued certificate, in both languages."""
    registration = db.session.get(Registration, certificate.registration_id)
    forum = registration.forum
    settings = settings_of(forum)
    days = forum.first_day.isoformat()
    if forum.last_day != forum.first_day:
        days += f" – {forum.last_day.isoformat()}"
    code = display(certificate.code)
    text = CertificateText(
        name=registration.name,
        forum_ko=forum.title_ko or forum.title_en,
        forum_en=forum.title_en if forum.title_en != forum.title_ko else "",
        dates=days,
        wording_ko=settings.wording_ko,
        wording_en=settings.wording_en,
        signatory_ko=settings.signatory_ko,
        signatory_en=settings.signatory_en,
        signatory_title_ko=settings.signatory_title_ko,
        signatory_title_en=settings.signatory_title_en,
        code=code,
        verify_url=verify_url(code),
    )
    return render_certificate(text, font=find_font(current_app.config.get("CERTIFICATE_FONT")))


def pdf_filename(forum: Forum, certificate: Certificate) -> str:
    return f"certificate-{forum.slug}-{certificate.code[:4]}.pdf"


def issued_count(forum: Forum) -> int:
    query = select(func.count(Certificate.id)).where(Certificate.forum_id == forum.id)
    return int(db.session.scalar(query))
