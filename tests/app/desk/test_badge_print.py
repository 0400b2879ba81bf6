"""Badges printed by a real browser (Debian's Chromium): each size gives pages of that size, one
badge per page on label rolls and A6, eight to an A4 sheet. Under the site's Content-Security-
Policy (no inline style), so the sizes must come from the stylesheet."""

from __future__ import annotations

import re

import pytest

from tests.app.desk.helpers import PASSWORD, live_server

MM = 72 / 25.4  # PDF points per millimetre

pytestmark = pytest.mark.e2e


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return [(round(float(w) / MM), round(float(h) / MM)) for w, h in boxes]


@pytest.mark.parametrize(
    ("size", "paper", "pages"),
    [
        ("a6", (105, 148), 3),
        ("a4-2x4", (210, 297), 1),
        ("label-4x3", (102, 76), 3),
        ("label-90x55", (90, 55), 3),
    ],
)
def test_badges_print_at_their_size(app, browser, open_forum, staff, register, size, paper, pages):
    forum = open_forum()
    user = staff("desk", forum)
    for name in ("김민지", "Anna Schmidt", "박서준"):
        register(forum, name)
    with live_server(app) as base:
        context = browser.new_context(base_url=base)
        try:
            page = context.new_page()
            page.goto(f"/login?next=/desk/{forum.slug}/badges?size={size}")
            page.fill("#email", user.email)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"**/desk/{forum.slug}/badges?size={size}")
            pdf = page.pdf(prefer_css_page_size=True)
        finally:
            context.close()
    assert _pages(pdf) == [paper] * pages
