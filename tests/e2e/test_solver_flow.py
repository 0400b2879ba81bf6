"""An organizer repairs the published sample forum with the agenda solver, with the keyboard
alone, in Korean and in English: from the timetable to the solver, a search that a worker runs
while the page follows its progress, the proposal reviewed beside the timetable, the move
applied. axe finds no WCAG A/AA violation on the pages on the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_organizer_flow import SAMPLE, say

SESSION_1 = "Session 1: Smart services with the digitally excluded"
LANGS = pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
RIVERA = {"ko": "리베라", "en": "Rivera"}


def break_session_1(live_app) -> dict:
    """Session 1 where the demo has it (10:20-11:20 KST, in the main conference room), which
    its speaker in Los Angeles cannot make: the scenario the repair solves with one move."""
    from app.core.db import db
    from app.models import Forum, ForumSession, Speaker, Venue

    with live_app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
        row = db.session.scalar(
            select(ForumSession).where(
                ForumSession.forum_id == forum.id, ForumSession.title_en == SESSION_1
            )
        )
        zone = ZoneInfo(forum.timezone)
        row.starts_at = datetime.combine(forum.first_day, time(10, 20), zone)
        row.ends_at = datetime.combine(forum.first_day, time(11, 20), zone)
        row.venue_id = db.session.scalar(
            select(Venue.id).where(Venue.forum_id == forum.id, Venue.name_en.like("Main Conf%"))
        )
        db.session.commit()
        rivera = db.session.scalar(
            select(Speaker).where(Speaker.forum_id == forum.id, Speaker.name_en == "Alex Rivera")
        )
        [window] = rivera.availability
        return {
            "id": row.id,
            "revision": row.revision,
            "window": (window.starts_at, window.ends_at),
        }


@LANGS
def test_an_organizer_repairs_the_programme_with_the_keyboard_alone(
    page: Page, live_app, staff_account
):
    from app.core.db import db
    from app.models import ForumSession
    from app.programme import solver_runs

    lang = page.lang
    before = break_session_1(live_app)
    organizer = staff_account("organizer", SAMPLE)
    sign_in(page, f"/organize/forums/{SAMPLE}/timetable", organizer)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # From the timetable to the solver, where the broken rule is named.
    tab_to(page, "main a[href$='/solver?mode=repair']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/solver\?mode=repair$"))
    expect(page.locator("main ul.conflicts")).to_contain_text(RIVERA[lang])
    expect(page.locator("input[name=mode][value=repair]")).to_be_checked()
    assert audit(page) == []

    # Ask: the run is queued and its page follows it.
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/solver/\d+$"))
    expect(page.locator("#run-state")).to_contain_text(say(live_app, lang, "Waiting for a worker"))
    expect(page.locator("progress#run-progress")).to_be_visible()
    assert audit(page) == []

    # A worker runs the search outside any request; the page shows the proposal by itself.
    with live_app.app_context():
        assert solver_runs.work_once("e2e-worker") == 1
    expect(page.locator("table.proposal")).to_be_visible(timeout=15_000)
    expect(page.locator("#run-state")).to_contain_text(say(live_app, lang, "Proposal ready"))
    moved = page.locator("table.proposal tr.moved")
    expect(moved).to_have_count(1)
    expect(moved.locator("del")).to_contain_text("10:20–11:20")
    checkbox = f"input[name=sessions][value='{before['id']}']"
    expect(page.locator(checkbox)).to_be_checked()
    assert audit(page) == []

    # Review with the keyboard (the move stays ticked), then apply.
    tab_to(page, checkbox)
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/timetable$"))
    expect(page.locator(".flashes[role=status]")).to_contain_text(
        say(live_app, lang, "%(num)d session moved.", num=1)
    )

    with live_app.app_context():
        row = db.session.get(ForumSession, before["id"])
        opens, closes = before["window"]
        assert opens <= row.starts_at.astimezone(UTC) and row.ends_at.astimezone(UTC) <= closes
        assert row.revision == before["revision"] + 1
    assert page.console_errors == []
