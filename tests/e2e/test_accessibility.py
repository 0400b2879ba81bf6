"""axe-core on every main page, in Korean and in English: no WCAG 2.0/2.1 A or AA violation.
Also the 360 px screenshots of the registration form and the programme (kept as artifacts)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

SAMPLE = "seoul-smart-city-forum-sample"
LEADERS = "smart-city-leaders-forum-2020"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

MAIN_PAGES = [
    "/",
    f"/forums/{SAMPLE}",
    f"/forums/{SAMPLE}/programme",
    f"/forums/{LEADERS}/programme",
    f"/forums/{SAMPLE}/register",
    "/login",
]


@pytest.fixture(params=["ko", "en"])
def localized_page(request, browser, base_url):
    context = browser.new_context(
        base_url=base_url, locale="ko-KR" if request.param == "ko" else "en-US"
    )
    context.add_cookies([{"name": "madang_lang", "value": request.param, "url": base_url}])
    page = context.new_page()
    page.lang = request.param
    yield page
    context.close()


def audit(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_have_no_wcag_violations(localized_page, path):
    response = localized_page.goto(path)
    assert response.status == 200
    assert localized_page.locator("html").get_attribute("lang") == localized_page.lang
    assert audit(localized_page) == []


def test_detail_pages_have_no_wcag_violations(localized_page):
    localized_page.goto(f"/forums/{LEADERS}/programme")
    for kind in ("sessions", "venues", "speakers"):
        href = localized_page.locator(f"main a[href*='/{kind}/']").first.get_attribute("href")
        assert localized_page.goto(href).status == 200
        assert audit(localized_page) == [], href
        localized_page.goto(f"/forums/{LEADERS}/programme")


def test_form_with_errors_has_no_wcag_violations(localized_page):
    localized_page.goto(f"/forums/{SAMPLE}/register")
    localized_page.locator("button[type=submit].primary").click()
    assert localized_page.locator("#error-summary").is_visible()
    assert audit(localized_page) == []


@pytest.mark.parametrize("path", [f"/forums/{SAMPLE}/register", f"/forums/{SAMPLE}/programme"])
def test_narrow_screenshots(localized_page, artifacts, path):
    """At 360 px nothing scrolls sideways; the screenshot is kept for people to read."""
    localized_page.set_viewport_size({"width": 360, "height": 800})
    localized_page.goto(path)
    overflow = localized_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    name = path.strip("/").replace("/", "_")
    localized_page.screenshot(
        path=str(artifacts / f"{name}-{localized_page.lang}-360.png"), full_page=True
    )
    assert overflow <= 0
