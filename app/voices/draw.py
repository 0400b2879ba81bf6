"""The comment event's prize draw: fair, and checkable by anyone.

The rule (English)
------------------
1. Before the event closes the organizer commits to a seed: only its SHA-256 (`seed_hash`) is
   stored and published; the seed itself stays with the organizer.
2. The entries drawn from are those that count at the moment of the draw: one per confirmed
   address, confirmed, published and not anonymised. Their ids, sorted ascending, are the
   draw's list; `entries_hash = sha256("\\n".join(str(id) for id in sorted_ids))`.
3. At the draw the seed is revealed (it must hash to `seed_hash`). Each id gets the key
   `sha256(f"{seed}:{entries_hash}:{id}")`; the ranking is the ids sorted by (key, id); the
   winners are the first `prizes` of the ranking.
4. A winner who declines is recorded (when, and why) and the next id of the same ranking that
   has not won yet takes the prize. Nothing else changes the result: a second draw is refused.

규칙 (한국어)
-------------
1. 이벤트가 끝나기 전에 주최자는 시드(seed)를 정하고, 그 SHA-256 값(`seed_hash`)만 저장·공개합니다.
   시드 자체는 주최자만 보관합니다.
2. 추첨 대상은 추첨 시점에 유효한 참여입니다: 확인된 주소마다 하나, 주소 확인을 마쳤고,
   공개되었으며, 익명 처리되지 않은 참여. 그 번호(id)를 오름차순으로 정렬한 것이 추첨
   명단이고, 명단 해시는 `sha256("\\n".join(str(id) for id in sorted_ids))`입니다.
3. 추첨 때 시드를 공개합니다(`seed_hash`와 일치해야 합니다). 각 번호의 키는
   `sha256(f"{seed}:{entries_hash}:{id}")`이고, (키, 번호) 순으로 정렬한 것이 순위이며,
   순위의 앞에서부터 경품 수만큼이 당첨자입니다.
4. 당첨자가 경품을 사양하면 그 사실(시각과 사유)을 기록하고, 같은 순위에서 아직 당첨되지 않은
   다음 번호가 경품을 받습니다. 그 밖에는 결과를 바꿀 수 없으며, 다시 추첨할 수 없습니다.

`entries_digest`, `seed_digest` and `rank` are the rule itself: pure functions, shown on the
public page as a snippet anyone can run (`rule_snippet`). `verify` re-runs a stored draw
(`flask voices verify-draw`).
"""

from __future__ import annotations

import hashlib
import inspect
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update

from app.core.db import db, utcnow, write_transaction
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.models import AuditEntry, CommentEntry, CommentEvent, DrawWinner, Forum, User
from app.models.enums import ForumStatus
from app.outbox import enqueue_once
from app.programme.checks import Fields
from app.registration.certificates import mask_name
from app.voices.comments import eligible_filter

KIND = "draw_won"
SEED_MIN, SEED_MAX = 16, 200
# Printable ASCII without the space: a seed is copied and pasted, and spaces at its ends vanish.
_SEED = re.compile(rf"[\x21-\x7e]{{{SEED_MIN},{SEED_MAX}}}")
REASON_LIMIT = 1_000


# ------------------------------------------------------------------------- the rule (pure)


def entries_digest(ids: Iterable[int]) -> str:
    """The draw list's SHA-256: its ids, sorted ascending, one per line."""
    return hashlib.sha256("\n".join(str(i) for i in sorted(set(ids))).encode()).hexdigest()


def seed_digest(seed: str) -> str:
    """The commitment: the seed's SHA-256."""
    return hashlib.sha256(seed.encode()).hexdigest()


def rank(seed: str, entry_ids: Iterable[int]) -> list[int]:
    """Every entry id, in the order the draw picks them: by sha256(seed:list hash:id), then id."""
    ids = sorted(set(entry_ids))
    digest = entries_digest(ids)

    def key(i: int) -> tuple[str, int]:
        return hashlib.sha256(f"{seed}:{digest}:{i}".encode()).hexdigest(), i

    return sorted(ids, key=key)


def rule_snippet() -> str:
    """The rule as a Python program anyone can run: the very functions this module runs."""
    functions = "\n\n".join(inspect.getsource(f) for f in (entries_digest, seed_digest, rank))
    return f"import hashlib\nfrom collections.abc import Iterable\n\n\n{functions}"


def check_snippet(seed: str, seed_hash: str, entries_hash: str, winners: int) -> str:
    """What to run after `rule_snippet`, next to the downloaded entries.txt."""
    return (
        f"seed = {seed!r}\n"
        'with open("entries.txt") as listing:\n'
        "    ids = [int(line) for line in listing if line.strip()]\n"
        f'assert seed_digest(seed) == "{seed_hash}"\n'
        f'assert entries_digest(ids) == "{entries_hash}"\n'
        f"print(rank(seed, ids)[:{winners}])\n"
    )


def entries_text(ids: Sequence[int]) -> str:
    """The list as a file: one id per line, so that `sha256sum entries.txt` is its hash."""
    return "\n".join(str(i) for i in sorted(ids))


def parse_entries(text: str) -> list[int]:
    """The ids of a downloaded list; ValueError naming the first line that is not an id."""
    ids = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if not line.isdigit() or not line.isascii():
            raise ValueError(f"line {number} is not an entry id: {line[:40]!r}")
        ids.append(int(line))
    return ids


def new_seed() -> str:
    """A fresh random seed the organizer may copy down and keep."""
    return secrets.token_hex(16)


# --------------------------------------------------------------------------------- refusals


class NoDraw(DomainError):
    status = 409
    code = "no_draw"


class EventClosed(DomainError):
    status = 409
    code = "event_closed"


class AlreadyCommitted(DomainError):
    status = 409
    code = "seed_committed"


class NotCommitted(DomainError):
    status = 409
    code = "seed_not_committed"


class NotClosed(DomainError):
    status = 409
    code = "event_not_closed"


class AlreadyDrawn(DomainError):
    status = 409
    code = "already_drawn"


class TooFewEntries(DomainError):
    status = 409
    code = "too_few_entries"


class NotAWinner(DomainError):
    """The winner declined already (or is not one)."""

    status = 409
    code = "not_a_winner"


class RankingExhausted(DomainError):
    status = 409
    code = "ranking_exhausted"


# ------------------------------------------------------------------------------------ reads


def eligible_ids(event_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CommentEntry.id).where(*eligible_filter(event_id)).order_by(CommentEntry.id)
        )
    )


def event_of(forum: Forum) -> CommentEvent | None:
    return db.session.scalar(select(CommentEvent).where(CommentEvent.forum_id == forum.id))


def public_event(slug: str) -> tuple[Forum, CommentEvent]:
    """A published forum's comment event; NotFound when there is none."""
    found = db.session.execute(
        select(Forum, CommentEvent)
        .join(CommentEvent, CommentEvent.forum_id == Forum.id)
        .where(Forum.slug == slug, Forum.status == ForumStatus.PUBLISHED.value)
    ).first()
    if found is None:
        raise NotFound(_("This forum has no comment event."))
    return found[0], found[1]


def winners_of(event: CommentEvent) -> list[DrawWinner]:
    return list(
        db.session.scalars(
            select(DrawWinner).where(DrawWinner.event_id == event.id).order_by(DrawWinner.rank)
        )
    )


def is_closed(event: CommentEvent, now: datetime) -> bool:
    return now >= event.closes_at


@dataclass(frozen=True)
class Place:
    """A winner as the public sees it: rank, masked name, status, who took a declined prize."""

    winner: DrawWinner
    masked_name: str
    replaced_by: DrawWinner | None

    @property
    def replaced_by_name(self) -> str:
        return mask_name(self.replaced_by.entry.name) if self.replaced_by else ""


@dataclass(frozen=True)
class Standing:
    event: CommentEvent
    places: list[Place]
    eligible: int  # entries that count now (before the draw) or were drawn from (after it)

    @property
    def drawn(self) -> bool:
        return self.event.drawn_at is not None

    @property
    def committed(self) -> bool:
        return self.event.seed_hash is not None

    @property
    def check_snippet(self) -> str:
        event = self.event
        return check_snippet(
            event.seed or "", event.seed_hash or "", event.entries_hash or "", len(self.places)
        )


def replacements(event: CommentEvent, winners: Sequence[DrawWinner]) -> dict[int, DrawWinner]:
    """Who took each declined prize (by the declined winner's id): the winners after the first
    `prizes`, in the order the declines were recorded."""
    declined = sorted(
        (w for w in winners if w.status == "declined"), key=lambda w: (w.declined_at, w.rank)
    )
    later = [w for w in winners if w.rank > event.prizes]
    return {d.id: r for d, r in zip(declined, later, strict=False)}


def standing(event: CommentEvent) -> Standing:
    winners = winners_of(event)
    taken = replacements(event, winners)
    places = [Place(w, mask_name(w.entry.name), taken.get(w.id)) for w in winners]
    eligible = len(event.drawn_entry_ids or []) if event.drawn_at else len(eligible_ids(event.id))
    return Standing(event, places, eligible)


# ----------------------------------------------------------------------------------- writes


def _audit(user: User | None, action: str, event: CommentEvent, **details: object) -> None:
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            action=action,
            forum_id=event.forum_id,
            details={"event_id": event.id, **details},
        )
    )


def _seed_field(raw: Mapping[str, Any]) -> str:
    value = raw.get("seed")
    return value.strip() if isinstance(value, str) else ""


def commit_seed(
    event: CommentEvent, raw: Mapping[str, Any], user: User | None, now: datetime | None = None
) -> CommentEvent:
    """Fix the draw's seed before the event closes: only its SHA-256 is kept. Once."""
    now = now or utcnow()
    if event.prizes == 0:
        raise NoDraw(_("This comment event has no prize draw."))
    if event.seed_hash is not None:
        raise AlreadyCommitted(_("A seed is committed already; a commitment cannot be changed."))
    if is_closed(event, now):
        raise EventClosed(_("The event has closed: a seed must be committed before it closes."))
    seed = _seed_field(raw)
    if not _SEED.fullmatch(seed):
        raise ValidationFailed(
            {
                "seed": [
                    _(
                        "Use %(min)d to %(max)d printable ASCII characters "
                        "(letters, digits, punctuation; no spaces).",
                        min=SEED_MIN,
                        max=SEED_MAX,
                    )
                ]
            }
        )
    digest = seed_digest(seed)
    with write_transaction():
        c = CommentEvent
        claimed = db.session.execute(
            update(c)
            .where(c.id == event.id, c.seed_hash.is_(None), c.prizes > 0)
            .values(seed_hash=digest, seed_committed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise AlreadyCommitted(
                _("A seed is committed already; a commitment cannot be changed.")
            )
        _audit(user, "draw.commit", event, seed_hash=digest)
    db.session.refresh(event)
    return event


def _claim_draw(event_id: int, seed: str, ids: list[int], now: datetime) -> bool:
    """Record the draw's inputs unless a draw is recorded already: the UPDATE's row count
    decides between two organizers pressing "draw" at once."""
    c = CommentEvent
    result = db.session.execute(
        update(c)
        .where(c.id == event_id, c.drawn_at.is_(None))
        .values(seed=seed, entries_hash=entries_digest(ids), drawn_entry_ids=ids, drawn_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _award(event: CommentEvent, entry_id: int, place: int, now: datetime) -> DrawWinner:
    """A winner row, and their mail (none for an address that has been erased)."""
    winner = DrawWinner(event_id=event.id, entry_id=entry_id, rank=place, drawn_at=now)
    db.session.add(winner)
    entry = db.session.get(CommentEntry, entry_id)
    if entry is not None and entry.email and entry.anonymised_at is None:
        enqueue_once(
            KIND,
            recipient=entry.email,
            locale=entry.locale,
            dedupe_key=f"draw_won:{event.id}:{entry.id}",
            context={"entry_id": entry.id},
            forum_id=event.forum_id,
        )
    return winner


def draw(
    event: CommentEvent, raw: Mapping[str, Any], user: User | None, now: datetime | None = None
) -> list[DrawWinner]:
    """Reveal the seed and draw the winners among the entries that count now. Once."""
    now = now or utcnow()
    if event.prizes == 0:
        raise NoDraw(_("This comment event has no prize draw."))
    if event.seed_hash is None:
        raise NotCommitted(_("No seed was committed before the event closed: there is no draw."))
    if event.drawn_at is not None:
        raise AlreadyDrawn(_("The draw has taken place already; it cannot be run again."))
    if not is_closed(event, now):
        raise NotClosed(_("The event is still open: the draw takes place after it closes."))
    seed = _seed_field(raw)
    if not seed:
        raise ValidationFailed({"seed": [_("This field is required.")]})
    if seed_digest(seed) != event.seed_hash:
        raise ValidationFailed({"seed": [_("This seed does not match the committed hash.")]})
    prizes = event.prizes
    with write_transaction():
        ids = eligible_ids(event.id)
        if len(ids) < prizes:
            raise TooFewEntries(
                ngettext(
                    "Only %(num)d entry counts, fewer than the %(prizes)d prizes: "
                    "there is no draw.",
                    "Only %(num)d entries count, fewer than the %(prizes)d prizes: "
                    "there is no draw.",
                    len(ids),
                    prizes=prizes,
                )
            )
        if not _claim_draw(event.id, seed, ids, now):
            raise AlreadyDrawn(_("The draw has taken place already; it cannot be run again."))
        ranking = rank(seed, ids)
        winners = [
            _award(event, entry_id, n, now) for n, entry_id in enumerate(ranking[:prizes], 1)
        ]
        _audit(
            user,
            "draw.draw",
            event,
            entries=len(ids),
            entries_hash=entries_digest(ids),
            winners=ranking[:prizes],
        )
    db.session.refresh(event)
    return winners


def _lock_event(event_id: int) -> None:
    """The event row's lock until commit (a no-op UPDATE), so declines go one at a time."""
    c = CommentEvent
    db.session.execute(
        update(c)
        .where(c.id == event_id)
        .values(updated_at=c.updated_at)
        .execution_options(synchronize_session=False)
    )


def decline(
    event: CommentEvent,
    winner_id: int,
    raw: Mapping[str, Any],
    user: User | None,
    now: datetime | None = None,
) -> DrawWinner:
    """Record that a winner declines (with the reason) and give the prize to the next entry
    of the ranking that has not won yet; that new winner is returned and mailed."""
    now = now or utcnow()
    winner = db.session.get(DrawWinner, winner_id)
    if winner is None or winner.event_id != event.id:
        raise NotFound(_("There is no such winner."))
    fields = Fields(raw)
    reason = fields.text("reason", limit=REASON_LIMIT, required=True, multiline=True)
    fields.raise_if_any()
    with write_transaction():
        _lock_event(event.id)
        w = DrawWinner
        declined = db.session.execute(
            update(w)
            .where(w.id == winner_id, w.status == "won")
            .values(status="declined", declined_at=now, decline_reason=reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if declined != 1:
            raise NotAWinner(_("This winner has declined already."))
        taken = set(db.session.scalars(select(w.entry_id).where(w.event_id == event.id)))
        ranking = rank(event.seed or "", event.drawn_entry_ids or [])
        following = [(n, i) for n, i in enumerate(ranking, 1) if i not in taken]
        if not following:
            raise RankingExhausted(
                _("Every entry of the ranking has won already: nobody is left to take the prize.")
            )
        place, entry_id = following[0]
        successor = _award(event, entry_id, place, now)
        _audit(
            user,
            "draw.decline",
            event,
            declined_entry=winner.entry_id,
            successor_entry=entry_id,
            rank=place,
        )
    db.session.refresh(winner)
    return successor


# ----------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str  # plain English: the CLI's output


def verify(
    event: CommentEvent,
    winners: Sequence[DrawWinner],
    *,
    seed: str | None = None,
    entry_ids: Sequence[int] | None = None,
) -> list[Check]:
    """Re-run a recorded draw: the seed against its commitment, the list against its hash, and
    the stored winners against the ranking (declines followed by the next of the ranking).
    `seed` and `entry_ids` replace the stored ones, to check without trusting them."""
    seed = (event.seed or "") if seed is None else seed
    ids = list(event.drawn_entry_ids or []) if entry_ids is None else list(entry_ids)
    checks = [
        Check(
            seed_digest(seed) == event.seed_hash,
            f"seed hashes to the committed {event.seed_hash}",
        ),
        Check(
            entries_digest(ids) == event.entries_hash,
            f"the list of {len(set(ids))} entries hashes to {event.entries_hash}",
        ),
    ]
    ranking = rank(seed, ids)
    stored = [(w.rank, w.entry_id) for w in winners]
    expected = list(enumerate(ranking[: len(winners)], 1))
    checks.append(
        Check(
            stored == expected,
            f"the winners by rank {[i for _, i in stored]} are the ranking's first "
            f"{len(winners)}: {[i for _, i in expected]}",
        )
    )
    won = sum(1 for w in winners if w.status == "won")
    declined = len(winners) - won
    checks.append(
        Check(
            won == event.prizes and len(winners) == event.prizes + declined,
            f"{won} winners hold the {event.prizes} prizes; {declined} declined and were "
            "replaced by the next of the ranking",
        )
    )
    return checks
