"""The public verify page in a real browser, with the keyboard alone, in Korean and English at
360 px: a malformed code, then a genuine one (the name masked). axe finds no WCAG A/AA
violation; screenshots are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import retype, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"


def issued_code(live_app, lang: str) -> str:
    """A certificate for a person of the sample forum named 김민수 ({lang})."""
    from app.core.db import db
    from app.models import Certificate, Forum
    from app.registration import certificates
    from app.registration.operations import RegistrationRequest, invite

    with live_app.app_context():
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == SAMPLE))
        person = invite(
            forum,
            RegistrationRequest(
                name="김민수",
                email=f"minsu.{lang}@example.org",
                attendance="online",
                consent_personal_data=True,
                category="guest",
            ),
        ).registration
        code = certificates.new_code()
        db.session.add(Certificate(forum_id=forum.id, registration_id=person.id, code=code))
        db.session.commit()
        return certificates.display(code)


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_anyone_checks_a_certificate_code(page: Page, live_app, artifacts):
    lang = page.lang
    code = issued_code(live_app, lang)
    narrow(page)
    page.goto("/certificates/verify")
    expect(page.locator("h1")).to_have_text(
        say(live_app, lang, "Check a certificate of attendance")
    )
    assert audit(page) == []

    retype(page, "#code", "not a code")
    tab_to(page, "#check")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_contain_text(
        say(live_app, lang, "A verification code has 12 letters and digits, like ABCD-EFGH-JKMN.")
    )
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    assert audit(page) == []

    retype(page, "#code", code.lower())
    tab_to(page, "#check")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/certificates/verify\?code="))
    verified = page.locator("#verified")
    expect(verified).to_contain_text(say(live_app, lang, "This certificate is genuine"))
    expect(verified).to_contain_text("김*수")
    expect(verified).to_contain_text(code)
    expect(page.locator("main")).not_to_contain_text("김민수")
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "verify")
    assert page.console_errors == []
