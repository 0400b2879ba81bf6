"""axe-core (WCAG 2.0/2.1 A and AA) on every page of the day of the forum, in a real browser,
with its outcomes shown; and nothing scrolls sideways at 360 px on the desk, the walk-in form
and the kiosk."""

from __future__ import annotations

import pytest

from tests.app.desk.helpers import PASSWORD, live_server

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.e2e


def audit(page, *, live: bool = False) -> list[str]:
    """Every WCAG A/AA rule. `live`: a page that refreshes itself on purpose (live counts, the
    door display, the kiosk clearing its answer), where axe's meta-refresh rule is left out:
    the counts and the door are real-time displays whose refresh the reader can turn off
    (checked below with ?refresh=off), and the kiosk clears a person's name from the queue's
    view (WCAG 2.2.1's essential exception)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_AA}}
    if live:
        options["rules"] = {"meta-refresh": {"enabled": False}}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


@pytest.fixture
def browser_page(app, browser):
    with live_server(app) as base:
        context = browser.new_context(base_url=base, locale="en-US")
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture
def day(open_forum, make_venue, make_session, staff, register):
    forum = open_forum(kiosk_enabled=True, in_person_capacity=2)
    hall = make_venue(forum)
    make_session(forum, venue=hall, title_en="Keynote")
    tour = make_session(forum, kind="tour", seats=1, title_en="Tour", start="14:00", end="15:00")
    organizer = staff("organizer", forum, name="Org Anizer")
    people = [
        register(forum, "김민지", affiliation="서울디지털재단", sessions=(tour,)),
        register(forum, "Anna Schmidt", accessibility_needs=["wheelchair"]),
        register(forum, "Waiting Person"),
    ]
    return forum, hall, organizer, people


def test_desk_pages_have_no_wcag_violations(browser_page, day):
    page = browser_page
    forum, hall, organizer, people = day
    page.goto(f"/login?next=/desk/{forum.slug}")
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/desk/{forum.slug}")
    seen = []

    def check(label: str, *, live: bool = False) -> None:
        seen.append((label, audit(page, live=live)))

    check("desk")
    page.fill("#q", people[0].confirmation_code)
    page.keyboard.press("Enter")
    page.wait_for_selector(".outcome")
    check("checked in")
    page.fill("#q", people[0].confirmation_code)
    page.keyboard.press("Enter")
    page.wait_for_selector(".outcome-warn")
    check("already")
    page.fill("#q", "MDG1:ABCD")
    page.keyboard.press("Enter")
    page.wait_for_selector(".outcome-error")
    check("truncated")
    page.fill("#q", "Anna")
    page.keyboard.press("Enter")
    page.wait_for_selector("#found-title")
    check("search")
    page.goto(f"/desk/{forum.slug}/people/{people[2].id}")
    check("waitlisted person")
    page.goto(f"/desk/{forum.slug}/walk-in")
    check("walk-in")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#error-summary")
    check("walk-in errors")
    page.goto(f"/desk/{forum.slug}/counts")
    check("counts", live=True)
    page.goto(f"/desk/{forum.slug}/counts?refresh=off")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check("counts without refresh")
    page.goto(f"/desk/{forum.slug}/settings")
    check("settings")
    page.goto(f"/desk/{forum.slug}/badges")
    check("badges")
    page.goto(f"/forums/{forum.slug}/venues/{hall.id}/now")
    check("now and next", live=True)
    page.click("text=Stop refreshing")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check("now and next without refresh")
    page.goto(f"/kiosk/{forum.slug}")
    check("kiosk")
    page.fill("#code", people[1].confirmation_code)
    page.keyboard.press("Enter")
    page.wait_for_selector(".outcome")
    check("kiosk checked in", live=True)
    page.goto(f"/kiosk/{forum.slug}")
    page.fill("#code", "ABCD-EFGH")
    page.keyboard.press("Enter")
    page.wait_for_selector(".outcome-error")
    check("kiosk unknown", live=True)
    assert [(label, found) for label, found in seen if found] == []
    assert len(seen) == 17


@pytest.mark.parametrize("path", ["/desk/{slug}", "/desk/{slug}/walk-in", "/kiosk/{slug}"])
def test_nothing_scrolls_sideways_at_360_px(browser_page, day, path):
    page = browser_page
    forum, _, organizer, _ = day
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/login?next={path.format(slug=forum.slug)}")
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
