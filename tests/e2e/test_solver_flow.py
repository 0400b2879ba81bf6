"""The agenda solver with the keyboard alone, in Korean and in English: an organizer repairs
the published sample forum (from the timetable to the solver, a search that a worker runs while
the page follows its progress, the move reviewed beside the programme, applied) and has a draft
forum's timetable proposed and accepted. axe finds no WCAG A/AA violation on the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_organizer_flow import SAMPLE, say, say_n

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


def draft_forum_with_clashes(live_app) -> str:
    """A draft forum whose three talks share one hall at overlapping times: the solver must
    propose a timetable that keeps them apart."""
    import secrets
    from datetime import timedelta

    from app.core.db import db
    from app.models import Forum, ForumSession, Venue

    with live_app.app_context():
        first = datetime.now(UTC).date() + timedelta(days=40)
        zone = ZoneInfo("Asia/Seoul")
        forum = Forum(
            slug=f"draft-{secrets.token_hex(3)}",
            title_ko="초안 포럼",
            title_en="Draft forum",
            timezone="Asia/Seoul",
            first_day=first,
            last_day=first,
            format="in_person",
            status="draft",
            organizer_name_en="Seoul Metropolitan Government",
            organizer_email="forum@seoul.example.org",
        )
        halls = [
            Venue(forum=forum, name_ko=f"홀 {n}", name_en=f"Hall {n}", kind="hall", seats=100)
            for n in ("A", "B")
        ]
        for n, (start, end) in enumerate(
            [(time(9), time(10)), (time(9, 30), time(10, 30)), (time(10), time(11))], start=1
        ):
            ForumSession(
                forum=forum,
                venue=halls[0],
                title_ko=f"발표 {n}",
                title_en=f"Talk {n}",
                kind="session",
                format="in_person",
                starts_at=datetime.combine(first, start, zone),
                ends_at=datetime.combine(first, end, zone),
            )
        db.session.add(forum)
        db.session.commit()
        return forum.slug


@LANGS
def test_an_organizer_has_a_draft_timetable_proposed_with_the_keyboard_alone(
    page: Page, live_app, staff_account
):
    from app.core.db import db
    from app.models import Forum
    from app.programme import agenda, solver_runs

    lang = page.lang
    slug = draft_forum_with_clashes(live_app)
    sign_in(page, f"/organize/forums/{slug}/timetable", staff_account("organizer", slug))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    tab_to(page, "main a[href$='/solver?mode=propose']")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=mode][value=propose]")).to_be_checked()
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/solver/\d+$"))

    with live_app.app_context():
        assert solver_runs.work_once("e2e-worker") == 1
    expect(page.locator("table.proposal")).to_be_visible(timeout=15_000)
    moved = page.locator("table.proposal tr.moved").count()
    assert moved >= 1
    assert audit(page) == []
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/timetable$"))
    told = say_n(live_app, lang, "%(num)d session moved.", "%(num)d sessions moved.", moved)
    expect(page.locator(".flashes[role=status]")).to_contain_text(told % {"num": moved})
    assert audit(page) == []

    with live_app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
        assert agenda.forum_conflicts(forum) == []
    assert page.console_errors == []
