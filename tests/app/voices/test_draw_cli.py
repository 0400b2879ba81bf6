"""`flask voices verify-draw`: runs a stored draw again and says which check fails, if any."""

from __future__ import annotations

import hashlib

from app.models import DrawWinner
from app.voices import draw
from tests.app.voices.test_draw import SEED, committed_and_closed, make_entries, make_event


def verify(app, *args: str):
    return app.test_cli_runner().invoke(args=["voices", "verify-draw", *args])


def drawn_forum(make_forum, *, prizes: int = 2, entries: int = 6):
    forum = make_forum()
    event, made = committed_and_closed(forum, prizes=prizes, entries=entries)
    draw.draw(event, {"seed": SEED}, None)
    return forum, event, made


def test_a_draw_checks_out(app, db, make_forum):
    forum, event, _ = drawn_forum(make_forum)
    first = draw.winners_of(event)[0]
    draw.decline(event, first.id, {"reason": "declined by mail"}, None)

    result = verify(app, forum.slug)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 5 and all(line.startswith("OK  ") for line in lines[:4])
    assert f"seed hashes to the committed {draw.seed_digest(SEED)}" in lines[0]
    assert "1 declined and were replaced" in lines[3]
    assert lines[4] == f"{forum.slug}: the draw checks out."


def test_a_tampered_winner_fails_the_check(app, db, make_forum):
    forum, event, made = drawn_forum(make_forum)
    winners = draw.winners_of(event)
    loser = next(e.id for e in made if e.id not in {w.entry_id for w in winners})
    db.session.get(DrawWinner, winners[1].id).entry_id = loser
    db.session.commit()

    result = verify(app, forum.slug)

    assert result.exit_code == 1
    assert "FAIL  the winners by rank" in result.output
    assert "OK    seed hashes" in result.output


def test_a_tampered_stored_list_fails_the_check(app, db, make_forum):
    forum, event, made = drawn_forum(make_forum)
    event.drawn_entry_ids = sorted(e.id for e in made)[1:]
    db.session.commit()

    result = verify(app, forum.slug)

    assert result.exit_code == 1
    assert "FAIL  the list of 5 entries hashes to" in result.output


def test_nothing_drawn_exits_2(app, db, make_forum):
    forum = make_forum()
    event = make_event(forum)
    make_entries(event, 3)
    draw.commit_seed(event, {"seed": SEED}, None)

    result = verify(app, forum.slug)
    assert result.exit_code == 2 and "no draw has taken place" in result.output

    assert verify(app, make_forum().slug).exit_code == 2  # no comment event at all
    assert verify(app, "no-such-forum").exit_code == 2


def test_a_downloaded_list_and_a_given_seed(app, db, make_forum, tmp_path):
    forum, event, _ = drawn_forum(make_forum)
    downloaded = tmp_path / "entries.txt"
    ids = list(event.drawn_entry_ids)
    downloaded.write_text(draw.entries_text(ids), encoding="utf-8")
    # The stored copies are not trusted: spoil them, the given ones still check out.
    event.drawn_entry_ids = [1]
    event.seed = "spoilt"
    db.session.commit()

    good = verify(app, forum.slug, "--entries", str(downloaded), "--seed", SEED)
    assert good.exit_code == 0, good.output

    wrong_seed = verify(app, forum.slug, "--entries", str(downloaded), "--seed", SEED + "x")
    assert wrong_seed.exit_code == 1 and "FAIL  seed hashes" in wrong_seed.output

    short = tmp_path / "short.txt"
    short.write_text(draw.entries_text(ids[:-1]), encoding="utf-8")
    fewer = verify(app, forum.slug, "--entries", str(short), "--seed", SEED)
    assert fewer.exit_code == 1 and "FAIL  the list of" in fewer.output

    garbled = tmp_path / "garbled.txt"
    garbled.write_text("12\nabc\n", encoding="utf-8")
    bad = verify(app, forum.slug, "--entries", str(garbled), "--seed", SEED)
    assert bad.exit_code == 1 and "line 2 is not an entry id" in bad.output


def test_the_list_file_hashes_to_the_entries_hash(app, db, make_forum):
    """`sha256sum entries.txt` is the published entries hash."""
    _forum, event, _ = drawn_forum(make_forum)
    text = draw.entries_text(event.drawn_entry_ids)
    assert hashlib.sha256(text.encode()).hexdigest() == event.entries_hash
    assert draw.parse_entries(text) == event.drawn_entry_ids
