"""No page of the demo shows text glued as "English / 한국어": in either language each place,
person and organisation is named in the reader's language (or the other, when only that one
exists), never both at once."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from flask import url_for
from sqlalchemy import select

from app.core.db import db
from app.demo import load_demo
from app.models import Forum
from app.programme import views as programme

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]{2}")


class _Text(HTMLParser):
    """The page's text nodes, outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip:
            self.nodes.append(text)


def glued(text: str) -> bool:
    """Korean on one side of " / " and English (no Korean) on the other."""
    parts = text.split(" / ")
    for pair in pairwise(parts):
        latin, korean = sorted(pair, key=lambda side: bool(HANGUL.search(side)))
        if HANGUL.search(korean) and LATIN.search(latin) and not HANGUL.search(latin):
            return True
    return False


def test_the_detector_finds_glued_text_and_passes_the_rest():
    assert glued("Citizens Hall, Seoul City Hall / 서울시청 시민청")
    assert glued("Venue: 다목적홀 / Multipurpose Hall, 8F")
    assert not glued("서울시청 시민청")
    assert not glued("9월 22일 / 9월 23일")
    assert not glued("KAIST")


def _pages(app) -> list[str]:
    with app.test_request_context():
        urls = ["/"]
        for forum in db.session.scalars(select(Forum).order_by(Forum.id)):
            slug = forum.slug
            urls += [programme.forum_path(slug), programme.programme_path(slug)]
            urls += [programme.session_path(slug, s.id) for s in forum.sessions]
            for venue in forum.venues:
                urls.append(programme.venue_path(slug, venue.id))
                urls.append(url_for("desk.door", slug=slug, venue_id=venue.id, refresh="off"))
            urls += [programme.speaker_path(slug, s.id) for s in forum.speakers]
        return urls


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_no_demo_page_shows_text_glued_in_two_languages(app, client, locale):
    load_demo()
    found = []
    pages = _pages(app)
    assert len(pages) > 50  # every forum, session, venue, door and speaker page
    for url in pages:
        response = client.get(url, headers={"Accept-Language": locale})
        assert response.status_code == 200, url
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        found += [(url, node) for node in parser.nodes if glued(node)]
    assert found == []
