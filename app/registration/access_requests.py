"""Languages and access services a registrant asks for, and what organizers make of them.

A person chooses the language they will listen in (empty: the floor's) and whether they need an
interpretation receiver in the hall, and may ask for an access service in their sessions (under
the separate accessibility consent). Organizers see the demand as counts only (receivers to rent
per session and hall, requests against what is offered) and answer each group of open requests:
confirm (the service is then offered, confirmed) or decline, with one mail per person.

Which requests are accepted: requests are how people ask for what is NOT offered yet, so a
service need not be offered (or planned) to be asked for. The one refusal is interpretation into
a language the session's floor already speaks: nobody needs it.

A person's sessions: those they chose (with seats of their own), and the forum-wide sessions
their attendance follows (the personal calendar's rule, `FOLLOWS`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select, update

from app.core.bounds import parse_id
from app.core.db import db, upsert_insert, utcnow, write_transaction
from app.core.errors import DomainError
from app.core.i18n import current_locale, pick
from app.core.languages import FIRST, is_language, language_name, parse_floor_languages
from app.models import (
    Booking,
    Forum,
    ForumSession,
    Registration,
    ServiceRequest,
    SessionService,
    User,
)
from app.models.enums import (
    SERVICE_KINDS,
    SIGN_KINDS,
    AttendanceMode,
    PlaceStatus,
    RequestStatus,
    ServiceKind,
    ServiceStatus,
    SessionStatus,
)
from app.outbox import enqueue
from app.programme.checks import FOLLOWS, Fields

MAIL_KIND = "service_answer"
# More than a person could reasonably need: a form or a client sending more is refused.
REQUESTS_MAX = 40
NOTE_MAX = 500
ANSWERS = ("confirm", "decline")
# The form's languages for a request, besides those a session already speaks or offers.
REQUEST_LANGUAGES = FIRST


class AlreadyAnswered(DomainError):
    """Every request of the group has an answer already (another organizer was quicker)."""

    status = 409
    code = "already_answered"


# ------------------------------------------------------------------------ what is asked


@dataclass(frozen=True, order=True)
class Wish:
    """One service asked for in one session (`language` empty for the sign kinds)."""

    session_id: int
    kind: str
    language: str = ""


@dataclass(frozen=True)
class LanguageChoice:
    """What a person sends, unchecked. None: not sent (a PATCH leaving it alone); what was
    chosen before is then kept while it still holds, and dropped when it no longer does (a
    receiver after switching to online, a request for a session given up)."""

    listening_language: object = None
    needs_receiver: object = None
    service_requests: object = None


@dataclass(frozen=True)
class Checked:
    listening_language: str = ""
    needs_receiver: bool = False
    wishes: tuple[Wish, ...] = field(default_factory=tuple)

    def asks_more_than(self, before: Checked) -> bool:
        """Whether this asks for anything `before` did not: a new language or receiver, a new
        request. Giving things up never does (allowed after the window too)."""
        return bool(
            (self.listening_language and self.listening_language != before.listening_language)
            or (self.needs_receiver and not before.needs_receiver)
            or set(self.wishes) - set(before.wishes)
        )


def current_choice(registration: Registration) -> Checked:
    """What the registration holds now."""
    wishes = db.session.execute(
        select(ServiceRequest.session_id, ServiceRequest.kind, ServiceRequest.language)
        .where(ServiceRequest.registration_id == registration.id)
        .order_by(ServiceRequest.id)
    ).all()
    return Checked(
        registration.listening_language or "",
        bool(registration.needs_receiver),
        tuple(Wish(*row) for row in wishes),
    )


def requests_of(registration: Registration) -> list[ServiceRequest]:
    """The person's own requests with their answers (their pages and export)."""
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.registration_id == registration.id)
            .order_by(ServiceRequest.session_id, ServiceRequest.kind, ServiceRequest.language)
        )
    )


# ------------------------------------------------------------------------------ sessions


def followed_sessions(forum_id: int, attendance: str) -> list[ForumSession]:
    """The forum-wide sessions (no seats of their own) a person attending so follows."""
    formats = FOLLOWS.get(attendance, ())
    return list(
        db.session.scalars(
            select(ForumSession)
            .where(
                ForumSession.forum_id == forum_id,
                ForumSession.status == SessionStatus.SCHEDULED,
                ForumSession.seats.is_(None),
                ForumSession.format.in_(formats),
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )


def person_sessions(
    forum_id: int, attendance: str, chosen: Iterable[ForumSession]
) -> dict[int, ForumSession]:
    """The sessions a person attends: chosen ones (not cancelled) and forum-wide ones."""
    found = {s.id: s for s in chosen if s.status == SessionStatus.SCHEDULED}
    for session in followed_sessions(forum_id, attendance):
        found.setdefault(session.id, session)
    return found


def services_by_session(session_ids: Iterable[int]) -> dict[int, list[SessionService]]:
    ids = sorted(set(session_ids))
    found: dict[int, list[SessionService]] = defaultdict(list)
    if not ids:
        return found
    for row in db.session.scalars(select(SessionService).where(SessionService.session_id.in_(ids))):
        found[row.session_id].append(row)
    return found


def interpreted_into(services: Iterable[SessionService]) -> set[str]:
    """Languages a session is interpreted into (a service not cancelled)."""
    return {
        s.language
        for s in services
        if s.kind == ServiceKind.INTERPRETATION
        and s.status != ServiceStatus.CANCELLED
        and s.language
    }


def hearable(session: ForumSession, services: Iterable[SessionService]) -> set[str]:
    """What a person can listen to in a session: a floor language or an interpretation."""
    return set(parse_floor_languages(session.language)) | interpreted_into(services)


def _title(session: ForumSession, locale: str) -> str:
    return pick(session, "title", locale) or f"#{session.id}"


# ---------------------------------------------------------------------------- validation


def check(
    errors: dict[str, list[str]],
    forum: Forum,
    *,
    attendance: str,
    chosen: Sequence[ForumSession],
    choice: LanguageChoice,
    consent: bool,
    locale: str,
    before: Checked | None = None,
) -> Checked:
    """Check a person's languages and requests against their sessions; messages go to
    `errors` under listening_language, needs_receiver, service_requests and
    consent_accessibility. `before`: what the registration holds (kept where not sent)."""
    before = before or Checked()
    if before == Checked() and _asks_nothing(choice):
        # Most people: nothing to check against the sessions (and no queries on the rush).
        return before
    # Names inside a message in the message's language (the reader's), like its words.
    locale = current_locale() or locale
    sessions = person_sessions(forum.id, attendance, chosen)
    services = services_by_session(sessions)
    can_hear = {sid: hearable(s, services[sid]) for sid, s in sessions.items()}
    interpreted = {
        sid: interpreted_into(services[sid]) - set(parse_floor_languages(s.language))
        for sid, s in sessions.items()
    }
    everything = set().union(*can_hear.values()) if can_hear else set()
    interpretations = set().union(*interpreted.values()) if interpreted else set()

    # The listening language.
    sent = choice.listening_language
    if sent is None:
        listening = before.listening_language if before.listening_language in everything else ""
    elif not isinstance(sent, str):
        errors.setdefault("listening_language", []).append(_("Choose a language from the list."))
        listening = ""
    else:
        listening = sent.strip()
        if listening and not is_language(listening):
            errors.setdefault("listening_language", []).append(
                _("“%(code)s” is not a language code (ISO 639, such as ko or en).", code=listening)
            )
        elif listening and listening not in everything:
            errors.setdefault("listening_language", []).append(
                _(
                    "None of your sessions can be heard in %(language)s: it is neither spoken"
                    " there nor interpreted into it.",
                    language=language_name(listening, locale),
                )
            )

    # The receiver.
    sent_receiver = choice.needs_receiver
    if sent_receiver is None:
        receiver = (
            before.needs_receiver
            and attendance == AttendanceMode.IN_PERSON
            and listening in interpretations
        )
    elif not isinstance(sent_receiver, bool):
        errors.setdefault("needs_receiver", []).append(_("This field has the wrong type."))
        receiver = False
    else:
        receiver = sent_receiver
        if receiver and attendance != AttendanceMode.IN_PERSON:
            errors.setdefault("needs_receiver", []).append(
                _(
                    "Receivers are lent in the hall only: online attendees hear the"
                    " interpretation on its own channel of the stream."
                )
            )
        elif receiver and listening not in interpretations:
            errors.setdefault("needs_receiver", []).append(
                _(
                    "A receiver is for listening to an interpretation: choose a language your"
                    " sessions are interpreted into, not one spoken on the floor."
                )
            )

    # The requests.
    if choice.service_requests is None:
        wishes = tuple(w for w in before.wishes if w.session_id in sessions and consent)
    else:
        wishes = _check_wishes(errors, choice.service_requests, sessions, locale)
        if wishes and not consent:
            errors.setdefault("consent_accessibility", []).append(
                _(
                    "To ask for an access service, tick the separate consent for"
                    " accessibility needs."
                )
            )
    return Checked(listening, bool(receiver), wishes)


def _asks_nothing(choice: LanguageChoice) -> bool:
    """No language, no receiver, no request: what `check` would keep as nothing at all."""
    return (
        choice.listening_language in (None, "")
        and choice.needs_receiver in (None, False)
        and (choice.service_requests is None or choice.service_requests in ([], ()))
    )


def _check_wishes(
    errors: dict[str, list[str]],
    raw: object,
    sessions: Mapping[int, ForumSession],
    locale: str,
) -> tuple[Wish, ...]:
    def refuse(message: str) -> None:
        messages = errors.setdefault("service_requests", [])
        if message not in messages:
            messages.append(message)

    if not isinstance(raw, list | tuple):
        refuse(_("Send a list of requests, each with session_id, kind and language."))
        return ()
    if len(raw) > REQUESTS_MAX:
        refuse(_("Ask for at most %(n)d services.", n=REQUESTS_MAX))
        return ()
    wishes: list[Wish] = []
    for item in raw:
        if not isinstance(item, Mapping):
            refuse(_("Send a list of requests, each with session_id, kind and language."))
            continue
        session_id = item.get("session_id")
        number = None if isinstance(session_id, bool) else parse_id(session_id)
        session = sessions.get(number) if number is not None else None
        if session is None:
            refuse(
                _(
                    "You can ask for a service only in a session you attend: choose the session"
                    " too, or remove the request (%(id)s).",
                    id=str(session_id)[:20],
                )
            )
            continue
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in SERVICE_KINDS:
            refuse(_("Choose one of: %(choices)s.", choices=", ".join(SERVICE_KINDS)))
            continue
        language = item.get("language")
        language = "" if language is None else language
        if not isinstance(language, str):
            refuse(_("This field has the wrong type."))
            continue
        language = language.strip()
        if kind in SIGN_KINDS:
            if language:
                refuse(_("A sign-language service takes no language code: the kind says which."))
                continue
        elif not language:
            refuse(_("Interpretation, captions and a transcript need a language code."))
            continue
        elif not is_language(language):
            refuse(
                _("“%(code)s” is not a language code (ISO 639, such as ko or en).", code=language)
            )
            continue
        elif kind == ServiceKind.INTERPRETATION and language in parse_floor_languages(
            session.language
        ):
            refuse(
                _(
                    "“%(title)s” is spoken in %(language)s already: there is no interpretation"
                    " into it.",
                    title=_title(session, locale),
                    language=language_name(language, locale),
                )
            )
            continue
        wishes.append(Wish(session.id, kind, language))
    return tuple(sorted(set(wishes)))


def store(registration: Registration, checked: Checked, *, new: bool = False) -> None:
    """Write the checked choice inside the caller's write transaction: requests no longer
    wanted go (answered or not), new ones are added open, kept ones keep their answer.
    `new`: the registration was added in this transaction (it has no requests yet)."""
    registration.listening_language = checked.listening_language
    registration.needs_receiver = checked.needs_receiver
    existing = (
        {}
        if new
        else {
            Wish(r.session_id, r.kind, r.language): r
            for r in db.session.scalars(
                select(ServiceRequest).where(ServiceRequest.registration_id == registration.id)
            )
        }
    )
    wanted = set(checked.wishes)
    gone = [row for wish, row in existing.items() if wish not in wanted]
    for row in gone:
        db.session.delete(row)
    if gone:
        db.session.flush()
    for wish in sorted(wanted - set(existing)):
        db.session.add(
            ServiceRequest(
                forum_id=registration.forum_id,
                registration_id=registration.id,
                session_id=wish.session_id,
                kind=wish.kind,
                language=wish.language,
                status=RequestStatus.OPEN,
            )
        )


# ------------------------------------------------------------------------ the form's shape


def listening_options(forum: Forum) -> list[str]:
    """Every language one can listen to in some session of the forum (ko and en first)."""
    sessions = _scheduled(forum.id)
    services = services_by_session(s.id for s in sessions)
    found: set[str] = set()
    for session in sessions:
        found |= hearable(session, services[session.id])
    return _ordered(found)


def request_options(forum: Forum) -> list[tuple[ForumSession, list[Wish]]]:
    """For each scheduled session, the services the form offers to ask for: both sign kinds;
    captions and a transcript in Korean, English and any language the session speaks or
    offers; interpretation into those languages except the floor's."""
    sessions = _scheduled(forum.id)
    services = services_by_session(s.id for s in sessions)
    options = []
    for session in sessions:
        floor = parse_floor_languages(session.language)
        languages = _ordered(
            {*REQUEST_LANGUAGES, *floor, *(s.language for s in services[session.id] if s.language)}
        )
        wishes = [Wish(session.id, kind) for kind in SIGN_KINDS]
        wishes += [
            Wish(session.id, ServiceKind.INTERPRETATION.value, code)
            for code in languages
            if code not in floor
        ]
        wishes += [Wish(session.id, ServiceKind.CAPTIONS.value, code) for code in languages]
        wishes += [Wish(session.id, ServiceKind.TRANSCRIPT.value, code) for code in languages]
        options.append((session, wishes))
    return options


def channel_languages(forum_id: int) -> list[str]:
    """Languages some session of the forum is interpreted into (a receiver's channels)."""
    rows = db.session.scalars(
        select(SessionService.language).where(
            SessionService.forum_id == forum_id,
            SessionService.kind == ServiceKind.INTERPRETATION,
            SessionService.status != ServiceStatus.CANCELLED,
            SessionService.language != "",
        )
    )
    return _ordered(set(rows))


def _scheduled(forum_id: int) -> list[ForumSession]:
    return list(
        db.session.scalars(
            select(ForumSession)
            .where(
                ForumSession.forum_id == forum_id, ForumSession.status == SessionStatus.SCHEDULED
            )
            .order_by(ForumSession.starts_at, ForumSession.id)
        )
    )


def _ordered(codes: Iterable[str]) -> list[str]:
    found = set(codes) - {""}
    return [c for c in FIRST if c in found] + sorted(found - set(FIRST))


# ------------------------------------------------------------------------------ planning


@dataclass
class Demand:
    """One service in one session: how many people asked, how many wait for an answer, and
    what the organizers offer (None: nothing yet)."""

    session: ForumSession
    kind: str
    language: str
    asked: int
    open: int
    offered: str | None  # planned, confirmed, cancelled, or None (not planned yet)


@dataclass
class SessionReceivers:
    session: ForumSession
    by_language: dict[str, int]  # listening language -> receivers to rent
    offered: set[str]  # languages the session is interpreted into

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


@dataclass
class Hall:
    """A venue (None: sessions without one) and its sessions' receivers."""

    venue_name: str
    sessions: list[SessionReceivers]

    @property
    def peak(self) -> dict[str, int]:
        """Receivers to rent for the hall per language: its busiest session's count (the same
        receivers serve one session after another)."""
        peak: dict[str, int] = {}
        for row in self.sessions:
            for code, n in row.by_language.items():
                peak[code] = max(peak.get(code, 0), n)
        return {code: peak[code] for code in _ordered(peak)}


@dataclass
class Planning:
    halls: list[Hall]
    demand: list[Demand]

    @property
    def tasks(self) -> list[Demand]:
        """Groups with requests still waiting for an answer."""
        return [d for d in self.demand if d.open]


def planning(forum: Forum, locale: str) -> Planning:
    """Counts only: receivers per session and hall, requests against what is offered."""
    sessions = _scheduled(forum.id)
    by_id = {s.id: s for s in sessions}
    services = services_by_session(by_id)
    return Planning(_halls(forum, sessions, services, locale), _demand(forum, by_id, services))


def _receiver_people(forum_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum_id,
                Registration.status == PlaceStatus.CONFIRMED,
                Registration.attendance == AttendanceMode.IN_PERSON,
                Registration.needs_receiver.is_(True),
                Registration.listening_language != "",
            )
        )
    )


def _halls(
    forum: Forum,
    sessions: list[ForumSession],
    services: Mapping[int, list[SessionService]],
    locale: str,
) -> list[Hall]:
    people = {r.id: r.listening_language for r in _receiver_people(forum.id)}
    seated: dict[int, set[int]] = defaultdict(set)
    if people:
        for session_id, registration_id in db.session.execute(
            select(Booking.session_id, Booking.registration_id).where(
                Booking.registration_id.in_(list(people)),
                Booking.status == PlaceStatus.CONFIRMED,
            )
        ):
            seated[session_id].add(registration_id)
    followed = FOLLOWS[AttendanceMode.IN_PERSON]
    halls: dict[int | None, Hall] = {}
    for session in sessions:
        if session.seats is None:
            attending = set(people) if session.format in followed else set()
        else:
            attending = seated[session.id]
        floor = set(parse_floor_languages(session.language))
        counts = Counter(people[rid] for rid in attending if people[rid] not in floor)
        key = session.venue_id
        if key not in halls:
            name = pick(session.venue, "name", locale) if session.venue is not None else ""
            halls[key] = Hall(name, [])
        halls[key].sessions.append(
            SessionReceivers(
                session,
                {code: counts[code] for code in _ordered(counts)},
                interpreted_into(services.get(session.id, ())),
            )
        )
    return list(halls.values())


def _demand(
    forum: Forum,
    sessions: Mapping[int, ForumSession],
    services: Mapping[int, list[SessionService]],
) -> list[Demand]:
    rows = db.session.execute(
        select(
            ServiceRequest.session_id,
            ServiceRequest.kind,
            ServiceRequest.language,
            func.count(),
            func.sum(case((ServiceRequest.status == RequestStatus.OPEN, 1), else_=0)),
        )
        .join(Registration, Registration.id == ServiceRequest.registration_id)
        .where(
            ServiceRequest.forum_id == forum.id,
            Registration.status != PlaceStatus.CANCELLED,
        )
        .group_by(ServiceRequest.session_id, ServiceRequest.kind, ServiceRequest.language)
    ).all()
    demand = []
    for session_id, kind, language, asked, still_open in rows:
        session = sessions.get(session_id)
        if session is None:  # a cancelled session: nothing to plan
            continue
        offered = next(
            (
                s.status
                for s in services.get(session_id, ())
                if (s.kind, s.language) == (kind, language)
            ),
            None,
        )
        demand.append(Demand(session, kind, language, int(asked), int(still_open or 0), offered))
    kinds = {k: i for i, k in enumerate(SERVICE_KINDS)}
    demand.sort(
        key=lambda d: (d.session.starts_at, d.session.id, kinds.get(d.kind, 99), d.language)
    )
    return demand


# ------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answered:
    wish: Wish
    answer: str
    people: int


def answer(forum: Forum, raw: Mapping[str, Any], user: User, *, now: datetime | None = None):
    """Answer every open request of one group (session, kind, language): `confirm` offers the
    service (confirmed), `decline` does not; each person is mailed the answer in their own
    language, in the same transaction. AlreadyAnswered when none was open."""
    now = now or utcnow()
    fields = Fields(raw)
    session_id = parse_id(raw.get("session_id"))
    session = db.session.get(ForumSession, session_id) if session_id is not None else None
    if session is None or session.forum_id != forum.id:
        fields.add("session_id", _("Choose a session of this forum."))
    kind = fields.choice("kind", SERVICE_KINDS)
    language = fields.text("language", limit=8)
    if kind in SIGN_KINDS and language:
        fields.add(
            "language", _("A sign-language service takes no language code: the kind says which.")
        )
    elif kind and kind not in SIGN_KINDS and not is_language(language):
        fields.add("language", _("Choose a language code (ISO 639, such as ko or en)."))
    reply = fields.choice("answer", ANSWERS)
    note = fields.text("note", limit=NOTE_MAX, multiline=True)
    fields.raise_if_any()
    assert session is not None
    wish = Wish(session.id, kind, language)
    forum_id = forum.id
    with write_transaction():
        status = RequestStatus.CONFIRMED if reply == "confirm" else RequestStatus.DECLINED
        # One conditional UPDATE: two organizers answering at once mail each person once.
        answered_ids = list(
            db.session.scalars(
                update(ServiceRequest)
                .where(
                    ServiceRequest.forum_id == forum_id,
                    ServiceRequest.session_id == wish.session_id,
                    ServiceRequest.kind == wish.kind,
                    ServiceRequest.language == wish.language,
                    ServiceRequest.status == RequestStatus.OPEN,
                    # As the page counts them: people who still hold their registration.
                    ServiceRequest.registration_id.in_(
                        select(Registration.id).where(
                            Registration.forum_id == forum_id,
                            Registration.status != PlaceStatus.CANCELLED,
                        )
                    ),
                )
                .values(status=status, answered_at=now)
                .returning(ServiceRequest.registration_id)
                .execution_options(synchronize_session=False)
            )
        )
        if not answered_ids:
            raise AlreadyAnswered(_("These requests have an answer already."))
        if reply == "confirm":
            _confirm_service(forum_id, wish, now)
        people = db.session.scalars(
            select(Registration)
            .where(Registration.id.in_(answered_ids), Registration.status != PlaceStatus.CANCELLED)
            .order_by(Registration.id)
        ).all()
        for person in people:
            if not person.email:  # erased meanwhile: nobody to tell
                continue
            # `enqueue`, not `notify`: the context has a `kind` of its own (the service's).
            enqueue(
                MAIL_KIND,
                recipient=person.email,
                locale=person.locale,
                context={
                    "registration_id": person.id,
                    "session_id": wish.session_id,
                    "kind": wish.kind,
                    "language": wish.language,
                    "answer": "confirmed" if reply == "confirm" else "declined",
                    "note": note,
                },
                forum_id=forum_id,
                registration_id=person.id,
            )
    return Answered(wish, reply, len(answered_ids))


def _confirm_service(forum_id: int, wish: Wish, now: datetime) -> None:
    """The service is offered, confirmed: a new row, or the existing one's status."""
    statement = upsert_insert(SessionService).values(
        forum_id=forum_id,
        session_id=wish.session_id,
        kind=wish.kind,
        language=wish.language,
        status=ServiceStatus.CONFIRMED,
        provider="",
        note="",
        sample=False,
        created_at=now,
        updated_at=now,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "kind", "language"],
            set_={"status": ServiceStatus.CONFIRMED, "updated_at": now},
        )
    )


# ------------------------------------------------------------------------------- privacy


def forget(registration_ids: Sequence[int]) -> None:
    """A person's requests go with them (held under a sensitive-data consent)."""
    db.session.execute(
        delete(ServiceRequest)
        .where(ServiceRequest.registration_id.in_(list(registration_ids)))
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------- words for a mail

_SERVICE_WORDS = {
    "ko": {
        "interpretation": "{language} 동시통역",
        "ksl": "한국수어 통역",
        "international_sign": "국제수어 통역",
        "captions": "{language} 실시간 자막",
        "transcript": "{language} 속기록",
    },
    "en": {
        "interpretation": "Interpretation into {language}",
        "ksl": "Korean Sign Language interpretation",
        "international_sign": "International Sign interpretation",
        "captions": "Live captions in {language}",
        "transcript": "A transcript in {language}",
    },
}


def service_words(kind: str, language: str, locale: str) -> str:
    """A service in words in a mail's language (mail is composed outside any request)."""
    words = _SERVICE_WORDS.get(locale, _SERVICE_WORDS["en"])
    return words.get(kind, kind).format(language=language_name(language, locale))


__all__ = [
    "ANSWERS",
    "MAIL_KIND",
    "AlreadyAnswered",
    "Answered",
    "Checked",
    "Demand",
    "LanguageChoice",
    "Planning",
    "Wish",
    "answer",
    "channel_languages",
    "check",
    "current_choice",
    "forget",
    "listening_options",
    "planning",
    "request_options",
    "requests_of",
    "service_words",
    "store",
]
