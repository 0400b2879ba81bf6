"""A full session on the form and the cancel confirmation, in a real browser at 360 px, with
the keyboard alone, in Korean and English; axe finds no WCAG A/AA violation on the way and
the screenshots are kept as artefacts."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import tab_to
from tests.e2e.test_accessibility import audit

SAMPLE = "seoul-smart-city-forum-sample"
FULL_NOTE = {"ko": "마감 — 대기자 명단에 오릅니다", "en": "full — you will join the waiting list"}
WAITLISTED = {"ko": re.compile("대기"), "en": re.compile("Waitlisted")}


@pytest.fixture(scope="module")
def full_session(live_app) -> int:
    """A late session of the sample forum with no seat left."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from app.core.db import db
    from app.models import Forum, ForumSession

    with live_app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == SAMPLE))
        zone = ZoneInfo(forum.timezone)
        session = ForumSession(
            forum=forum,
            title_ko="마감된 야간 투어",
            title_en="Full night tour",
            kind="tour",
            format="in_person",
            starts_at=datetime.combine(forum.last_day, time(21, 0), zone),
            ends_at=datetime.combine(forum.last_day, time(22, 0), zone),
            seats=0,
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def no_sideways_scroll(page: Page) -> bool:
    return (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )


def keep(page: Page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}-{page.lang}-360.png"), full_page=True)


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_a_full_session_then_cancelling_with_confirmation(page: Page, full_session, artifacts):
    lang = page.lang
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/forums/{SAMPLE}/register")
    box = f"#session_ids input[value='{full_session}']"
    label = page.locator(f"label[for='{page.locator(box).get_attribute('id')}']")
    expect(label).to_contain_text(FULL_NOTE[lang])
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "register-full-session")

    tab_to(page, "#name")
    page.keyboard.type("Kim Full" if lang == "en" else "김만석")
    tab_to(page, "#email")
    page.keyboard.type(f"full.{lang}@example.org")
    tab_to(page, "#attendance-0")
    page.keyboard.press("Space")
    tab_to(page, box)
    page.keyboard.press("Space")
    tab_to(page, "#consent_personal_data")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/register/done$"))
    expect(page.locator("table.places")).to_contain_text(WAITLISTED[lang])
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "done-waitlisted")

    tab_to(page, "a[href*='/manage/']")
    page.keyboard.press("Enter")
    expect(page.locator("a[href$='/cancel']")).to_have_count(1)
    expect(page.locator("form[action$='/cancel']")).to_have_count(0)
    tab_to(page, "a[href$='/cancel']")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/cancel$"))
    expect(page.locator("main")).to_contain_text("Full night tour" if lang == "en" else "마감된")
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "cancel-confirmation")
    tab_to(page, "form[action$='/cancel'] button")
    page.keyboard.press("Enter")

    expect(page.locator(".notice[role=status]")).to_be_visible()
    expect(page.locator("a[href$='/cancel']")).to_have_count(0)
    assert audit(page) == []
    assert page.console_errors == []
