"""Driving pages as a keyboard user does: Tab to a control, then press keys.

Nothing here clicks or fills: every step is a key press, so a control that cannot be reached or
operated with the keyboard makes the test fail."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect


def is_focused(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("el => el === document.activeElement")


def has_focus_ring(page: Page, selector: str) -> bool:
    """Whether the element shows where the focus is (WCAG 2.4.7): an outline of 2px or more."""
    return page.locator(selector).evaluate(
        """el => {
            const style = getComputedStyle(el);
            return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does
    (an element that has the focus already keeps it); it must show a focus ring."""
    for _ in range(limit + 1):
        if is_focused(page, selector):
            assert has_focus_ring(page, selector), f"{selector} has the focus but shows no ring"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def retype(page: Page, selector: str, text: str) -> None:
    """Tab to a text field, select what it holds and type `text` over it."""
    tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+A")
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("Backspace")


def choose_option(page: Page, selector: str, label: str, limit: int = 50) -> None:
    """Tab to a closed <select> and move through its options with the arrow keys until the one
    labelled `label` is chosen (down first, then up)."""
    tab_to(page, selector)
    field = page.locator(selector)

    def chosen() -> str:
        return field.evaluate("el => el.options[el.selectedIndex].text").strip()

    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(limit):
            if chosen() == label:
                return
            before = field.input_value()
            page.keyboard.press(key)
            if field.input_value() == before:
                break
    if chosen() != label:
        raise AssertionError(f"{selector} has no option {label!r} the arrow keys reach")


def _local(value: str) -> datetime:
    return datetime.fromisoformat(value)


def shift_hour(page: Page, selector: str, hours: int) -> None:
    """Move a datetime-local field by whole hours with the arrow keys on its hour part.

    The order of the parts (day, month, year, AM/PM, hour, minute) follows the browser's
    locale, so each part is tried in turn with ArrowUp and put back with ArrowDown until the
    one that moves the value by exactly one hour has the focus. Hours move without carrying
    into the date, as the field's own arrow keys do."""
    tab_to(page, selector)
    field = page.locator(selector)
    for _ in range(8):
        before = field.input_value()
        page.keyboard.press("ArrowUp")
        after = field.input_value()
        page.keyboard.press("ArrowDown")
        expect(field).to_have_value(before)
        if before and after and _local(after) - _local(before) == timedelta(hours=1):
            key = "ArrowUp" if hours > 0 else "ArrowDown"
            for _ in range(abs(hours)):
                page.keyboard.press(key)
            return
        page.keyboard.press("Tab")
        if not is_focused(page, selector):
            break
    raise AssertionError(f"the hour of {selector} cannot be changed with the arrow keys")


def sign_in(page: Page, path: str, account) -> None:
    """Open `path` signed out, sign in on the login page it leads to with the keyboard (an
    `Account` from the `staff_account` fixture), and land on `path`."""
    page.goto(path)
    expect(page.locator("#email")).to_be_visible()
    tab_to(page, "#email")
    page.keyboard.type(account.email)
    tab_to(page, "#password")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
