"""Staff entry and invited people in a real browser, with the keyboard alone, in Korean and
English at 360 px: the staff sign-in link from the public site, the guests page (a speaker
registered, a bad address refused), and the places held back on the settings page (a reserve
above the capacity refused). axe finds no WCAG A/AA violation; screenshots are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.keyboard import choose_option, retype, sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"
LANGS = pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
SPEAKER = {"ko": ("아나 리마", "연사"), "en": ("Ana Lima", "Speaker")}


def narrow(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})


def registration(live_app, email: str):
    from app.core.db import db
    from app.models import Registration

    with live_app.app_context():
        row = db.session.scalar(select(Registration).where(Registration.email == email))
        return None if row is None else (row.category, row.source, row.status)


def reserved_places(live_app) -> int:
    from app.core.db import db
    from app.models import Forum

    with live_app.app_context():
        return db.session.scalar(select(Forum.reserved_places).where(Forum.slug == SAMPLE))


@LANGS
def test_the_public_site_leads_staff_to_sign_in(page: Page, live_app, staff_account, artifacts):
    account = staff_account("organizer", SAMPLE)
    narrow(page)
    page.goto("/")
    tab_to(page, "a[href$='/login']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "staff-sign-in")
    tab_to(page, "#email")
    page.keyboard.type(account.email)
    tab_to(page, "#password")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/organize/?$"))
    assert page.console_errors == []


@LANGS
def test_an_organizer_registers_a_speaker_on_the_guests_page(
    page: Page, live_app, staff_account, artifacts
):
    lang = page.lang
    name, category = SPEAKER[lang]
    email = f"ana.{lang}@example.org"
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/guests", staff_account("organizer", SAMPLE))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main")).to_contain_text(say(live_app, lang, "Invited people"))
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "guests")

    # A bad address first: refused with the field's error, nobody registered.
    tab_to(page, "#name")
    page.keyboard.type(name)
    tab_to(page, "#email")
    page.keyboard.type("ana at example")
    choose_option(page, "#category", category)
    tab_to(page, "form[action$='/guests'] button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "guests-error")
    assert registration(live_app, "ana at example") is None

    retype(page, "#email", email)
    choose_option(page, "#category", category)
    tab_to(page, "form[action$='/guests'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/guests$"))
    expect(page.locator("main table").last).to_contain_text(name)
    assert registration(live_app, email) == ("speaker", "invite", "confirmed")
    assert audit(page) == []
    assert page.console_errors == []


@LANGS
def test_a_reserve_above_the_capacity_is_refused_on_the_settings_page(
    page: Page, live_app, staff_account, artifacts
):
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/edit", staff_account("organizer", SAMPLE))
    before = reserved_places(live_app)
    retype(page, "#reserved_places", "500")
    tab_to(page, "main form[method=post] button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary[role=alert]")).to_contain_text(
        say(live_app, page.lang, "At most all %(num)d places can be held back.", num=200)
    )
    expect(page.locator("#reserved_places")).to_have_attribute("aria-invalid", "true")
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "reserve-refused")
    assert reserved_places(live_app) == before
    assert page.console_errors == []


@LANGS
def test_an_organizer_mails_the_speakers_their_programme(
    page: Page, live_app, staff_account, artifacts
):
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}/speakers", staff_account("organizer", SAMPLE))
    expect(page.locator("main")).to_contain_text(say(live_app, page.lang, "The speakers' own mail"))
    assert audit(page) == []
    tab_to(page, "section[aria-labelledby=speaker-mail-title] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/speakers$"))
    expect(page.locator("main")).to_contain_text(re.compile(r"\d"))
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "speakers-mailed")
    from app.core.db import db
    from app.models import OutboxMessage

    with live_app.app_context():
        queued = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "speaker_programme")
        ).all()
    assert "rivera@speakers.example.org" in queued
    assert page.console_errors == []
