"""The public page of a comment event's draw: the rule (in words and as a program), the
commitment, the result with masked names only, and the list of entries to run it again."""

from __future__ import annotations

import contextlib
import html
import io
import re
from typing import Any

from app.registration.certificates import mask_name
from app.voices import draw
from tests.app.voices.test_draw import SEED, close, make_entries, make_event

NAMES = ["김민수", "Jane Doe", "이서연", "Park Jiwoo", "최하늘"]


def page_of(web, forum) -> str:
    response = web.get(f"/forums/{forum.slug}/comments/draw")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def pre(page: str, element_id: str) -> str:
    found = re.search(rf'<pre id="{element_id}"><code>(.*?)</code></pre>', page, re.S)
    assert found, f"no #{element_id} on the page"
    return html.unescape(found.group(1))


def drawn(make_forum, *, prizes: int = 2, decline_first: bool = False):
    forum = make_forum()
    event = make_event(forum, prizes=prizes)
    entries = make_entries(event, len(NAMES), names=NAMES)
    draw.commit_seed(event, {"seed": SEED}, None)
    close(event)
    winners = draw.draw(event, {"seed": SEED}, None)
    if decline_first:
        draw.decline(event, winners[0].id, {"reason": "no thanks"}, None)
    return forum, event, entries


def test_no_comment_event_no_page(web, db, make_forum):
    assert web.get(f"/forums/{make_forum().slug}/comments/draw").status_code == 404
    assert web.get("/forums/no-such-forum/comments/draw").status_code == 404
    draft = make_forum(status="draft")
    make_event(draft)
    assert web.get(f"/forums/{draft.slug}/comments/draw").status_code == 404


def test_an_event_without_prizes_says_so(web, db, make_forum):
    forum = make_forum()
    make_event(forum, prizes=0)
    page = page_of(web, forum)
    assert 'id="no-draw"' in page and "This comment event has no prize draw." in page
    assert web.get(f"/forums/{forum.slug}/comments/draw/entries.txt").status_code == 404


def test_before_the_draw_the_rule_and_the_commitment(web, db, make_forum):
    forum = make_forum()
    event = make_event(forum)
    make_entries(event, 3)
    page = page_of(web, forum)
    assert "The organizer has not committed to a seed yet." in page
    assert "Before the event closes, the organizer commits to a secret seed" in page
    assert "def rank(seed: str, entry_ids: Iterable[int]) -&gt; list[int]:" in page

    draw.commit_seed(event, {"seed": SEED}, None)
    page = page_of(web, forum)
    assert draw.seed_digest(SEED) in page
    assert SEED not in page  # the seed stays secret until the draw
    assert "3 entries count so far" in page
    assert web.get(f"/forums/{forum.slug}/comments/draw/entries.txt").status_code == 404


def test_after_the_draw_the_inputs_and_masked_winners(web, db, make_forum):
    forum, event, entries = drawn(make_forum, prizes=2, decline_first=True)
    winners = draw.winners_of(event)

    page = page_of(web, forum)

    assert f'<code id="seed">{SEED}</code>' in page
    assert f'<code id="entries-hash">{event.entries_hash}</code>' in page
    assert '<dd id="entries-count">5</dd>' in page
    assert f'href="/forums/{forum.slug}/comments/draw/entries.txt"' in page
    assert f"flask voices verify-draw {forum.slug}" in page
    table = page[page.index('<table id="winners">') : page.index("</table>")]
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", table, re.S)
    by_id = {e.id: e for e in entries}
    assert [(int(r), html.unescape(n)) for r, n, _ in rows] == [
        (w.rank, mask_name(by_id[w.entry_id].name)) for w in winners
    ]
    assert rows[0][2].startswith("Declined: the prize went to rank 3")
    assert rows[1][2] == rows[2][2] == "Won"
    for entry in entries:  # full names and addresses never appear
        assert html.escape(entry.name) not in page and entry.name not in page
        assert entry.email not in page


def test_the_list_of_entries_as_text(web, db, make_forum):
    forum, _, entries = drawn(make_forum)
    response = web.get(f"/forums/{forum.slug}/comments/draw/entries.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).splitlines() == [
        str(i) for i in sorted(e.id for e in entries)
    ]


def test_the_snippet_on_the_page_gives_the_stored_winners(
    web, db, make_forum, tmp_path, monkeypatch
):
    forum, event, _ = drawn(make_forum, prizes=2, decline_first=True)
    page = page_of(web, forum)
    listing = web.get(f"/forums/{forum.slug}/comments/draw/entries.txt").get_data()
    (tmp_path / "entries.txt").write_bytes(listing)
    monkeypatch.chdir(tmp_path)

    printed = io.StringIO()
    scope: dict[str, Any] = {"__name__": "draw_check"}
    with contextlib.redirect_stdout(printed):
        exec(pre(page, "rule-snippet") + "\n" + pre(page, "check-snippet"), scope)

    stored = [w.entry_id for w in draw.winners_of(event)]
    assert len(stored) == 3
    assert printed.getvalue().strip() == repr(stored)
