"""The comment event's prize draw: the pure rule, the commitment, the draw among the entries
that count, a winner who declines, checking a draw, and the winners' mail."""

from __future__ import annotations

import hashlib
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text, update

from app.core.db import db as _db
from app.core.db import utcnow, write_transaction
from app.core.errors import NotFound, ValidationFailed
from app.mail.delivery import deliver_due
from app.mail.senders import memory_outbox
from app.models import AuditEntry, CommentEntry, CommentEvent, DrawWinner, Forum, OutboxMessage
from app.voices import draw

SEED = "a-seed-kept-by-the-organizer-0001"
KNOWN_SEED = "madang-known-vector-seed"


# ------------------------------------------------------------------------------ factories


def make_event(forum, *, prizes: int = 2, closes_in: timedelta = timedelta(days=1), **fields):
    """A comment event of `forum`, opened ten days ago, closing `closes_in` from now."""
    now = utcnow()
    values: dict[str, Any] = {
        "forum_id": forum.id,
        "prompt_ko": "포용적 스마트시티는 ○○○다",
        "prompt_en": "An inclusive smart city is …",
        "opens_at": now - timedelta(days=10),
        "closes_at": now + closes_in,
        "prizes": prizes,
        "prize_ko": "커피 쿠폰",
        "prize_en": "A coffee coupon",
    }
    values.update(fields)
    event = CommentEvent(**values)
    _db.session.add(event)
    _db.session.commit()
    return event


def make_entries(
    event,
    count: int,
    *,
    status: str = "published",
    confirmed: bool = True,
    anonymised: bool = False,
    names: list[str] | None = None,
    locale: str = "ko",
) -> list[CommentEntry]:
    now = utcnow()
    made = []
    for n in range(count):
        email = f"p{n}-{secrets.token_hex(4)}@example.org"
        entry = CommentEntry(
            event_id=event.id,
            name=names[n] if names else f"참가자 {n}",
            email=email,
            email_normalized=email,
            locale=locale,
            text="모두가 함께 쓰는 도시다",
            status=status,
            confirmed_at=now if confirmed else None,
            consent_version="test",
            consented_at=now,
            anonymised_at=now if anonymised else None,
        )
        _db.session.add(entry)
        made.append(entry)
    _db.session.commit()
    return made


def close(event) -> None:
    """Time passes: the event has closed."""
    event.closes_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()


def committed_and_closed(forum, *, prizes: int = 2, entries: int = 5, **fields):
    event = make_event(forum, prizes=prizes, **fields)
    made = make_entries(event, entries)
    draw.commit_seed(event, {"seed": SEED}, None)
    close(event)
    return event, made


def later() -> datetime:
    return utcnow() + timedelta(days=30)


# ----------------------------------------------------------------------------- the rule


def test_the_rule_is_the_published_formula():
    ids = [5, 1, 9, 3]
    listing = "\n".join(str(i) for i in sorted(ids))
    entries_hash = hashlib.sha256(listing.encode()).hexdigest()

    def key(i: int) -> tuple[str, int]:
        return hashlib.sha256(f"{SEED}:{entries_hash}:{i}".encode()).hexdigest(), i

    assert draw.entries_digest(ids) == entries_hash
    assert draw.seed_digest(SEED) == hashlib.sha256(SEED.encode()).hexdigest()
    assert draw.rank(SEED, ids) == sorted(ids, key=key)


def test_a_known_vector_is_pinned():
    assert draw.rank(KNOWN_SEED, range(1, 11)) == [2, 3, 6, 7, 10, 4, 8, 9, 1, 5]
    assert (
        draw.entries_digest([1, 2, 3])
        == "ad53e8806d17c82d38902738d1d47d96bddaade27513466322efa0f793149dd0"
    )
    assert (
        draw.seed_digest(KNOWN_SEED)
        == "69dba3cf5dddfddfceff304f6ee5d44e9c4078bd0e9411c33f147e942823b173"
    )


def test_the_rule_is_deterministic_and_the_order_of_the_list_is_irrelevant():
    ids = list(range(1, 200))
    shuffled = ids[:]
    secrets.SystemRandom().shuffle(shuffled)
    assert draw.rank(SEED, ids) == draw.rank(SEED, shuffled) == draw.rank(SEED, reversed(ids))
    assert draw.entries_digest(shuffled) == draw.entries_digest(ids)
    assert sorted(draw.rank(SEED, ids)) == ids
    # Another seed, or one more entry, gives another ranking.
    assert draw.rank(SEED + "x", ids) != draw.rank(SEED, ids)
    assert draw.rank(SEED, [*ids, 200])[:10] != draw.rank(SEED, ids)[:10]


def test_the_snippet_shown_is_the_rule_itself():
    scope: dict[str, Any] = {}
    exec(draw.rule_snippet(), scope)
    ids = [3, 14, 15, 92, 65, 35]
    assert scope["rank"](SEED, ids) == draw.rank(SEED, ids)
    assert scope["entries_digest"](ids) == draw.entries_digest(ids)
    assert scope["seed_digest"](SEED) == draw.seed_digest(SEED)
    assert "import app" not in draw.rule_snippet() and "from app" not in draw.rule_snippet()


def test_a_downloaded_list_is_read_strictly():
    assert draw.parse_entries("1\n2\n\n10\n") == [1, 2, 10]
    assert draw.entries_text([10, 2, 1]) == "1\n2\n10"
    with pytest.raises(ValueError, match="line 2"):
        draw.parse_entries("1\nx\n")


# --------------------------------------------------------------------------- commitment


def test_the_commitment_keeps_only_the_hash(app, db, make_forum):
    event = make_event(make_forum())

    draw.commit_seed(event, {"seed": SEED}, None)

    db.session.expire_all()
    stored = db.session.get(CommentEvent, event.id)
    assert stored.seed_hash == draw.seed_digest(SEED)
    assert stored.seed is None and stored.seed_committed_at is not None
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "draw.commit"))
    assert audit.forum_id == event.forum_id and audit.details["seed_hash"] == stored.seed_hash


def test_a_commitment_cannot_be_changed(app, db, make_forum, english):
    event = make_event(make_forum())
    draw.commit_seed(event, {"seed": SEED}, None)

    with pytest.raises(draw.AlreadyCommitted) as refused:
        draw.commit_seed(event, {"seed": "another-seed-entirely-0002"}, None)

    assert refused.value.status == 409 and "cannot be changed" in refused.value.message
    db.session.expire_all()
    assert db.session.get(CommentEvent, event.id).seed_hash == draw.seed_digest(SEED)


def test_no_commitment_after_the_event_closes(app, db, make_forum, english):
    event = make_event(make_forum(), closes_in=timedelta(minutes=-1))
    with pytest.raises(draw.EventClosed) as refused:
        draw.commit_seed(event, {"seed": SEED}, None)
    assert refused.value.status == 409
    db.session.expire_all()
    assert db.session.get(CommentEvent, event.id).seed_hash is None


def test_no_commitment_without_a_draw(app, db, make_forum, english):
    event = make_event(make_forum(), prizes=0)
    with pytest.raises(draw.NoDraw):
        draw.commit_seed(event, {"seed": SEED}, None)


@pytest.mark.parametrize(
    "seed",
    [
        "",
        "too-short",
        "x" * 201,
        "has a space in it ok",
        "비밀-시드-한국어-문자열입니다",
        "tab\there-0123456789",
    ],
)
def test_a_seed_must_be_16_to_200_printable_ascii_characters(app, db, make_forum, english, seed):
    event = make_event(make_forum())
    with pytest.raises(ValidationFailed) as refused:
        draw.commit_seed(event, {"seed": seed}, None)
    assert "printable ASCII" in refused.value.errors["seed"][0]
    db.session.expire_all()
    assert db.session.get(CommentEvent, event.id).seed_hash is None


# --------------------------------------------------------------------------------- draw


def test_the_draw_picks_the_first_of_the_ranking_and_mails_them(app, db, make_forum):
    event, entries = committed_and_closed(make_forum(), prizes=2, entries=6)
    ids = sorted(e.id for e in entries)

    winners = draw.draw(event, {"seed": SEED}, None)

    expected = draw.rank(SEED, ids)[:2]
    assert [(w.rank, w.entry_id, w.status) for w in winners] == [
        (1, expected[0], "won"),
        (2, expected[1], "won"),
    ]
    db.session.expire_all()
    stored = db.session.get(CommentEvent, event.id)
    assert stored.seed == SEED and stored.drawn_entry_ids == ids
    assert stored.entries_hash == draw.entries_digest(ids) and stored.drawn_at is not None
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "draw_won").order_by(OutboxMessage.id)
    ).all()
    by_entry = {e.id: e for e in entries}
    assert [
        (m.recipient, m.context, m.dedupe_key, m.forum_id, m.registration_id, m.locale)
        for m in mails
    ] == [
        (
            by_entry[i].email,
            {"entry_id": i},
            f"draw_won:{event.id}:{i}",
            event.forum_id,
            None,
            "ko",
        )
        for i in expected
    ]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "draw.draw"))
    assert audit.details["winners"] == expected and audit.details["entries"] == 6


def test_only_the_entries_that_count_are_drawn_from(app, db, make_forum):
    event = make_event(make_forum(), prizes=1)
    counted = make_entries(event, 3)
    make_entries(event, 2, confirmed=False)  # address never confirmed
    make_entries(event, 2, status="hidden")  # hidden by a moderator
    make_entries(event, 2, status="pending")  # not yet moderated
    make_entries(event, 2, anonymised=True)  # erased on request
    draw.commit_seed(event, {"seed": SEED}, None)
    close(event)

    [winner] = draw.draw(event, {"seed": SEED}, None)

    db.session.expire_all()
    stored = db.session.get(CommentEvent, event.id)
    assert stored.drawn_entry_ids == sorted(e.id for e in counted)
    assert winner.entry_id in stored.drawn_entry_ids


def test_a_seed_that_does_not_match_changes_nothing(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum())

    with pytest.raises(ValidationFailed) as refused:
        draw.draw(event, {"seed": "not-the-committed-seed-at-all"}, None)

    assert refused.value.status == 422
    assert refused.value.errors == {"seed": ["This seed does not match the committed hash."]}
    db.session.expire_all()
    stored = db.session.get(CommentEvent, event.id)
    assert (stored.seed, stored.drawn_at, stored.entries_hash, stored.drawn_entry_ids) == (
        None,
        None,
        None,
        None,
    )
    assert db.session.scalar(select(func.count()).select_from(DrawWinner)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_fewer_entries_than_prizes_is_refused_saying_how_many(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum(), prizes=5, entries=3)

    with pytest.raises(draw.TooFewEntries) as refused:
        draw.draw(event, {"seed": SEED}, None)

    assert refused.value.status == 409
    assert "Only 3 entries count, fewer than the 5 prizes" in refused.value.message
    db.session.expire_all()
    assert db.session.get(CommentEvent, event.id).drawn_at is None
    assert db.session.scalar(select(func.count()).select_from(DrawWinner)) == 0


def test_the_draw_waits_for_the_close_and_a_commitment(app, db, make_forum, english):
    forum = make_forum()
    open_event = make_event(forum)
    make_entries(open_event, 3)
    draw.commit_seed(open_event, {"seed": SEED}, None)
    with pytest.raises(draw.NotClosed):
        draw.draw(open_event, {"seed": SEED}, None)

    uncommitted = make_event(make_forum(), closes_in=timedelta(minutes=-5))
    with pytest.raises(draw.NotCommitted):
        draw.draw(uncommitted, {"seed": SEED}, None)

    no_draw = make_event(make_forum(), prizes=0, closes_in=timedelta(minutes=-5))
    with pytest.raises(draw.NoDraw):
        draw.draw(no_draw, {"seed": SEED}, None)


def test_a_second_draw_is_refused(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum())
    first = [w.entry_id for w in draw.draw(event, {"seed": SEED}, None)]

    with pytest.raises(draw.AlreadyDrawn) as refused:
        draw.draw(event, {"seed": SEED}, None)

    assert refused.value.status == 409
    assert [w.entry_id for w in draw.winners_of(event)] == first
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_the_draw_is_claimed_by_a_conditional_update(app, db, make_forum):
    """What decides between two draws is the UPDATE's row count, not a loaded value."""
    event, entries = committed_and_closed(make_forum())
    draw.draw(event, {"seed": SEED}, None)

    with write_transaction():
        assert draw._claim_draw(event.id, SEED, [entries[0].id], utcnow()) is False

    db.session.expire_all()
    assert db.session.get(CommentEvent, event.id).drawn_entry_ids == sorted(e.id for e in entries)


# ------------------------------------------------------------------------------ decline


def test_a_decline_is_recorded_and_the_next_of_the_ranking_takes_the_prize(app, db, make_forum):
    event, entries = committed_and_closed(make_forum(), prizes=2, entries=5)
    ranking = draw.rank(SEED, [e.id for e in entries])
    first, _second = draw.draw(event, {"seed": SEED}, None)

    successor = draw.decline(event, first.id, {"reason": "경품을 받지 않겠다고 회신함"}, None)

    assert (successor.rank, successor.entry_id, successor.status) == (3, ranking[2], "won")
    db.session.expire_all()
    declined = db.session.get(DrawWinner, first.id)
    assert declined.status == "declined" and declined.declined_at is not None
    assert declined.decline_reason == "경품을 받지 않겠다고 회신함"
    mailed = db.session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "draw_won")
    ).all()
    assert f"draw_won:{event.id}:{ranking[2]}" in mailed and len(mailed) == 3
    places = draw.standing(db.session.get(CommentEvent, event.id)).places
    assert places[0].replaced_by.entry_id == ranking[2]
    checks = draw.verify(event, draw.winners_of(event))
    assert all(c.ok for c in checks), checks


def test_a_decline_needs_a_reason_and_happens_once(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum(), prizes=1, entries=4)
    [winner] = draw.draw(event, {"seed": SEED}, None)

    with pytest.raises(ValidationFailed) as no_reason:
        draw.decline(event, winner.id, {"reason": "  "}, None)
    assert no_reason.value.errors == {"reason": ["This field is required."]}
    with pytest.raises(ValidationFailed):
        draw.decline(event, winner.id, {"reason": "bad\x00reason"}, None)
    db.session.expire_all()
    assert db.session.get(DrawWinner, winner.id).status == "won"

    draw.decline(event, winner.id, {"reason": "declined by mail"}, None)
    with pytest.raises(draw.NotAWinner):
        draw.decline(event, winner.id, {"reason": "again"}, None)
    assert len(draw.winners_of(event)) == 2


def test_an_exhausted_ranking_is_refused_and_nothing_changes(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum(), prizes=2, entries=2)
    first, _second = draw.draw(event, {"seed": SEED}, None)

    with pytest.raises(draw.RankingExhausted) as refused:
        draw.decline(event, first.id, {"reason": "no thanks"}, None)

    assert refused.value.status == 409 and "nobody is left" in refused.value.message
    db.session.expire_all()
    assert [w.status for w in draw.winners_of(event)] == ["won", "won"]


def test_a_winner_of_another_event_is_not_found(app, db, make_forum, english):
    event, _ = committed_and_closed(make_forum(), prizes=1, entries=2)
    other, _ = committed_and_closed(make_forum(), prizes=1, entries=2)
    [winner] = draw.draw(other, {"seed": SEED}, None)
    draw.draw(event, {"seed": SEED}, None)
    with pytest.raises(NotFound):
        draw.decline(event, winner.id, {"reason": "not mine"}, None)


# ------------------------------------------------------------------------- verification


def test_verify_holds_for_a_draw_and_catches_tampering(app, db, make_forum):
    event, entries = committed_and_closed(make_forum(), prizes=2, entries=5)
    draw.draw(event, {"seed": SEED}, None)
    winners = draw.winners_of(event)
    assert all(c.ok for c in draw.verify(event, winners))

    ids = [e.id for e in entries]
    wrong_seed = draw.verify(event, winners, seed=SEED + "!")
    assert wrong_seed[0].ok is False
    fewer = draw.verify(event, winners, entry_ids=ids[1:])
    assert fewer[1].ok is False
    outsider = next(i for i in draw.rank(SEED, ids) if i not in {w.entry_id for w in winners})
    winners[1].entry_id = outsider
    assert draw.verify(event, winners)[2].ok is False
    db.session.rollback()


# -------------------------------------------------------------------------------- mail


def test_a_winner_is_mailed_a_link_to_the_draw(app, db, make_forum):
    forum = make_forum(slug="draw-mail")
    event = make_event(forum, prizes=1)
    make_entries(event, 1, names=["김민수"], locale="en")
    draw.commit_seed(event, {"seed": SEED}, None)
    close(event)
    draw.draw(event, {"seed": SEED}, None)

    assert deliver_due().sent == 1

    [message] = memory_outbox(app)
    assert "http://madang.test/forums/draw-mail/comments/draw" in message.text
    assert "A coffee coupon" in message.text and "Hello 김민수" in message.text


# ------------------------------------------------------------- two draws at once (PostgreSQL)

RACERS = 8
WAIT = 60


@pytest.fixture
def pg(postgres_app):
    return postgres_app()


def ready_to_draw(app, *, without_unique_winners: bool = False) -> int:
    """A closed, committed event (2 prizes, 6 entries) on the PostgreSQL app; its id.
    `without_unique_winners` drops the winners' unique constraints, so that only the draw's
    own guard stands between two draws."""
    with app.app_context():
        forum = Forum(
            slug=f"race-{secrets.token_hex(3)}",
            title_ko="추첨 포럼",
            title_en="Draw Forum",
            timezone="Asia/Seoul",
            first_day=utcnow().date() + timedelta(days=30),
            last_day=utcnow().date() + timedelta(days=30),
            format="hybrid",
            status="published",
            registration_opens_at=utcnow() - timedelta(days=1),
            organizer_email="forum@seoul.example.org",
        )
        _db.session.add(forum)
        _db.session.commit()
        event = make_event(forum, prizes=2)
        make_entries(event, 6)
        draw.commit_seed(event, {"seed": SEED}, None)
        close(event)
        if without_unique_winners:
            for name in ("uq_draw_winners_event_id_rank", "uq_draw_winners_event_id_entry_id"):
                _db.session.execute(text(f"ALTER TABLE draw_winners DROP CONSTRAINT {name}"))
            _db.session.commit()
        event_id = event.id
        _db.session.remove()
    return event_id


def race(app, event_id: int) -> list[str]:
    """RACERS threads press "draw" at once, each on its own connection. A barrier releases
    them together, and a second one holds each at its claiming UPDATE until all have passed
    their checks (all saw the event not drawn yet), so the UPDATE alone decides."""
    start = threading.Barrier(RACERS, timeout=WAIT)
    at_claim = threading.Barrier(RACERS, timeout=WAIT)
    with app.app_context():
        engine = _db.engine

    def hold(conn, cursor, statement, *args) -> None:
        if statement.startswith("UPDATE comment_events") and "drawn_at" in statement:
            at_claim.wait()

    def press() -> str:
        start.wait()
        with app.app_context():
            try:
                event = _db.session.get(CommentEvent, event_id)
                draw.draw(event, {"seed": SEED}, None)
                return "drawn"
            except draw.AlreadyDrawn:
                return "refused"
            finally:
                _db.session.remove()

    sa_event.listen(engine, "before_cursor_execute", hold)
    try:
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            return sorted(pool.map(lambda _: press(), range(RACERS)))
    finally:
        sa_event.remove(engine, "before_cursor_execute", hold)


def outcome(app, event_id: int) -> tuple[int, int, int]:
    """(winner rows, draw_won mails, audit entries of a draw)."""
    with app.app_context():
        counted = tuple(
            _db.session.scalar(select(func.count()).select_from(model).where(*where))
            for model, where in (
                (DrawWinner, (DrawWinner.event_id == event_id,)),
                (OutboxMessage, (OutboxMessage.kind == "draw_won",)),
                (AuditEntry, (AuditEntry.action == "draw.draw",)),
            )
        )
        _db.session.remove()
    return counted


@pytest.mark.postgres_only
@pytest.mark.parametrize("without_unique_winners", [False, True], ids=["schema", "guard-alone"])
@pytest.mark.parametrize("round_", range(3))
def test_two_organizers_pressing_draw_at_once_make_one_draw(pg, without_unique_winners, round_):
    event_id = ready_to_draw(pg, without_unique_winners=without_unique_winners)

    results = race(pg, event_id)

    assert results == ["drawn"] + ["refused"] * (RACERS - 1)
    assert outcome(pg, event_id) == (2, 2, 1)


@pytest.mark.postgres_only
def test_negative_control_without_the_guard_draws_again(pg, monkeypatch):
    """The claim without its condition (`drawn_at IS NULL`): every racer draws, so the test
    above can fail."""

    def claim_regardless(event_id: int, seed: str, ids: list[int], now: datetime) -> bool:
        c = CommentEvent
        _db.session.execute(
            update(c)
            .where(c.id == event_id)
            .values(
                seed=seed, entries_hash=draw.entries_digest(ids), drawn_entry_ids=ids, drawn_at=now
            )
            .execution_options(synchronize_session=False)
        )
        return True

    monkeypatch.setattr(draw, "_claim_draw", claim_regardless)
    event_id = ready_to_draw(pg, without_unique_winners=True)

    results = race(pg, event_id)

    assert results == ["drawn"] * RACERS, "the harness failed to expose the race"
    winners, mails, audits = outcome(pg, event_id)
    assert (winners, audits) == (2 * RACERS, RACERS)
    assert mails == 2  # the outbox's own dedupe key still mails each winner once
