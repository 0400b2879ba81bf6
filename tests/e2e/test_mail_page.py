"""The forum's mail page in a real browser, with the keyboard alone, in Korean and English at
360 px: the counts by state, a failed message ticked and tried again. axe finds no WCAG A/AA
violation; screenshots are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say, say_n
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"


def failed_message(live_app, recipient: str) -> int:
    """A confirmation of the sample forum that the mail server refused for good."""
    from app.core.db import db, write_transaction
    from app.models import Forum, OutboxMessage
    from app.outbox import enqueue

    with live_app.app_context():
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == SAMPLE))
        with write_transaction():
            row = enqueue("manage_link", recipient=recipient, locale="en", forum_id=forum.id)
            db.session.flush()
            db.session.execute(
                db.update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(status="dead", attempts=1, last_error="550 5.1.1 no such mailbox")
            )
        return row.id


def status(live_app, row_id: int) -> str:
    from app.core.db import db
    from app.models import OutboxMessage

    with live_app.app_context():
        return db.session.get(OutboxMessage, row_id).status


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_an_organizer_tries_a_failed_message_again(page: Page, live_app, staff_account, artifacts):
    lang = page.lang
    row_id = failed_message(live_app, f"gone.{lang}@example.org")
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/mail?state=dead", staff_account("organizer", SAMPLE))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main")).to_contain_text("550 5.1.1 no such mailbox")
    expect(page.locator("[aria-current=page]").last).to_contain_text(say(live_app, lang, "Failed"))
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "mail")

    tab_to(page, f"#requeue-{row_id}")
    page.keyboard.press("Space")
    expect(page.locator(f"#requeue-{row_id}")).to_be_checked()
    tab_to(page, "#requeue-ticked")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mail\?state=dead$"))
    expect(page.locator("main")).to_contain_text(
        say_n(
            live_app,
            lang,
            "%(num)d message will be tried again.",
            "%(num)d messages will be tried again.",
            1,
        ).replace("%(num)d", "1")
    )
    assert status(live_app, row_id) == "pending"
    assert audit(page) == []
    assert page.console_errors == []
