"""Pre-registration in a real browser, with the keyboard alone: an error, its correction,
the confirmation page, manage, switching a session and cancelling."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.keyboard import tab_to

SAMPLE = "seoul-smart-city-forum-sample"


def test_register_manage_and_cancel_with_the_keyboard_alone(page: Page):
    page.goto(f"/forums/{SAMPLE}/register")
    expect(page.locator("h1")).to_have_count(1)

    tab_to(page, "#name")
    page.keyboard.type("김민지 👩‍💻")
    tab_to(page, "#email")
    page.keyboard.type("minji.kim@@example")
    tab_to(page, "#attendance-0")
    page.keyboard.press("Space")
    tab_to(page, "#consent_personal_data")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#email']")).to_have_count(1)
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_value("김민지 👩‍💻")

    tab_to(page, "#email")
    page.keyboard.press("Control+A")
    page.keyboard.type("minji.kim@example.org")
    tour = page.locator("#session_ids input[type=checkbox]").first
    tab_to(page, "#" + tour.get_attribute("id"))
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/register/done$"))
    code = page.locator(".ticket .code")
    expect(code).to_have_text(re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$"))
    expect(page.locator(".ticket svg")).to_have_count(1)
    expect(page.locator(".ticket")).to_contain_text("김민지 👩‍💻")

    manage = page.locator("a[href*='/manage/']").first
    tab_to(page, "a[href*='/manage/']")
    href = manage.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(href)
    assert page.console_errors == []

    # Switch sessions: drop the first one, take the second.
    boxes = page.locator("#session_ids input[type=checkbox]")
    first_id, second_id = boxes.nth(0).get_attribute("id"), boxes.nth(1).get_attribute("id")
    tab_to(page, f"#{first_id}")
    page.keyboard.press("Space")
    tab_to(page, f"#{second_id}")
    page.keyboard.press("Space")
    tab_to(page, "section[aria-labelledby=change-title] button.primary")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator(f"#{first_id}")).not_to_be_checked()
    expect(page.locator(f"#{second_id}")).to_be_checked()

    # Cancelling asks first, on a page of its own.
    expect(page.locator("form[action$='/cancel']")).to_have_count(0)
    tab_to(page, "a[href$='/cancel']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cancel$"))
    tab_to(page, "form[action$='/cancel'] button")
    page.keyboard.press("Enter")
    expect(page.locator(".notice[role=status]")).to_be_visible()
    expect(page.locator("a[href$='/cancel']")).to_have_count(0)
