"""The organizer's dashboard in a real browser, with the keyboard alone, in Korean and English at
360 px: every chart's image loads (the page's policy and the image's own let it), and its table
can be reached and scrolled with the keyboard. axe finds no WCAG A/AA violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_an_organizer_reads_the_dashboard(page: Page, live_app, staff_account, artifacts):
    lang = page.lang
    narrow(page)
    sign_in(page, f"/organize/forums/{SAMPLE}", staff_account("organizer", SAMPLE))
    tab_to(page, f"a[href='/organize/forums/{SAMPLE}/dashboard']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Dashboard"))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    images = page.locator("img.chart-image")
    assert images.count() >= 1  # the sample forum has registrations and sessions with seats
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    region = "#chart-sessions [role=region]"
    tab_to(page, region)
    page.keyboard.press("ArrowRight")
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "dashboard")
    assert page.console_errors == []
