"""Sending an announcement in a real browser, with the keyboard alone, in Korean and English at
360 px: write both languages, preview (how many people, each reader's mail), send, and find it
listed. axe finds no WCAG A/AA violation; screenshots are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import retype, sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say, say_n
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"


def invite_people(live_app, lang: str, count: int = 3) -> None:
    """People registered for the sample forum (invited, so its window does not matter)."""
    from app.core.db import db
    from app.models import Forum
    from app.registration.operations import RegistrationRequest, invite

    with live_app.app_context():
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == SAMPLE))
        for n in range(count):
            request = RegistrationRequest(
                name=f"Guest {lang} {n}",
                email=f"guest{n}.{lang}@example.org",
                attendance="online",
                locale="ko" if n % 2 else "en",
                consent_personal_data=True,
                category="guest",
            )
            invite(forum, request)


def queued(live_app, subject: str) -> tuple[int, int]:
    """(people the announcement was sent to, outbox rows it queued)."""
    from app.core.db import db
    from app.models import Announcement, OutboxMessage

    with live_app.app_context():
        announcement = db.session.scalar(
            db.select(Announcement).where(Announcement.subject_en == subject)
        )
        rows = db.session.scalar(
            db.select(db.func.count(OutboxMessage.id)).where(
                OutboxMessage.announcement_id == announcement.id
            )
        )
        return announcement.recipients, rows


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_an_organizer_previews_and_sends_an_announcement(
    page: Page, live_app, staff_account, artifacts
):
    lang = page.lang
    subject = f"Health desk ({lang})"
    invite_people(live_app, lang)
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/announcements", staff_account("organizer", SAMPLE))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Announcements"))
    assert audit(page) == []

    retype(page, "#subject_ko", "건강 확인 데스크 안내")
    retype(page, "#body_ko", "입장 전 1층 로비에서 발열 확인을 받아 주세요.")
    retype(page, "#subject_en", subject)
    retype(page, "#body_en", "Please stop at the health desk in the lobby.")
    tab_to(page, "#preview")
    page.keyboard.press("Enter")

    reach = page.locator("#reach")
    expect(reach).to_be_visible()
    people = int(re.search(r"\d+", reach.inner_text()).group(0))
    assert people > 0
    expect(page.locator("#preview-ko")).to_have_text(
        say(live_app, lang, "What people who read Korean receive")
    )
    expect(page.locator("main")).to_contain_text("건강 확인 데스크 안내")
    expect(page.locator("main")).to_contain_text(subject)
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "announcement-preview")

    tab_to(page, "#send")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/announcements$"))
    expect(page.locator("main")).to_contain_text(
        say_n(
            live_app,
            lang,
            "The announcement is queued for %(num)d person.",
            "The announcement is queued for %(num)d people.",
            people,
        ).replace("%(num)d", str(people))
    )
    listed = "건강 확인 데스크 안내" if lang == "ko" else subject  # in the page's language
    expect(page.locator("table")).to_contain_text(listed)
    assert queued(live_app, subject) == (people, people)
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "announcement-sent")
    assert page.console_errors == []
