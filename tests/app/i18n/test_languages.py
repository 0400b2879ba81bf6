"""Korean and English throughout: every interface string is translated, and a page in one
language shows no interface text of the other."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "app" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def interface_strings() -> set[str]:
    """Every msgid the code and templates use, extracted as `make translations` does."""
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def korean_catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="ko")


def test_every_interface_string_has_a_korean_translation():
    catalog = korean_catalog()
    missing = sorted(
        msgid
        for msgid in interface_strings()
        if not (catalog.get(msgid) and catalog.get(msgid).string and not catalog.get(msgid).fuzzy)
    )
    assert missing == []


def test_the_compiled_catalog_is_built_not_committed():
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "app/translations"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert not [name for name in tracked if name.endswith(".mo")]
    mo = CATALOG.with_suffix(".mo")
    assert mo.exists(), "run `make install` (it compiles the catalog)"
    with mo.open("rb") as handle:
        assert len(read_mo(handle)) > 100


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class VisibleText(HTMLParser):
    """The interface text a person sees or hears in the page's language: body text and
    accessible attributes, not scripts, and not content marked (lang=…) as another language."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0
        self.page_lang: str | None = None
        # (tag, lang) for every open element; lang None where the element names none.
        self.stack: list[tuple[str, str | None]] = []

    def _lang(self) -> str | None:
        return next((lang for _, lang in reversed(self.stack) if lang), self.page_lang)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_lang = attributes.get("lang")
            return
        if tag in ("script", "style"):
            self._skip += 1
        if tag not in VOID:
            self.stack.append((tag, attributes.get("lang")))
        if self._lang() != self.page_lang:
            return
        for name in ("aria-label", "title", "alt", "placeholder"):
            if attributes.get(name):
                self.chunks.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.chunks.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._skip and self._lang() == self.page_lang:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.chunks).split())


def test_text_marked_as_another_language_is_content_not_interface():
    html = '<html lang="ko"><p>안내</p><p lang="en">Speakers <b>Homepage</b></p><p>끝</p></html>'
    assert visible_text(html) == "안내 끝"


SAMPLE = "seoul-smart-city-forum-sample"
LEADERS = "smart-city-leaders-forum-2020"
MAIN_PAGES = [
    "/",
    f"/forums/{SAMPLE}",
    f"/forums/{SAMPLE}/programme",
    f"/forums/{LEADERS}/programme",
    f"/forums/{SAMPLE}/register",
    "/login",
]


@pytest.fixture
def demo(app):
    from app.demo import load_demo

    load_demo()


def _interface_pairs() -> list[tuple[str, str]]:
    catalog = korean_catalog()
    pairs = []
    for msgid in interface_strings():
        message = catalog.get(msgid)
        # Long enough to be unmistakable, and not a placeholder-only or bilingual string.
        if message and message.string and len(msgid) >= 6 and "%(" not in msgid:
            pairs.append((msgid, message.string))
    return pairs


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_a_korean_page_shows_no_english_interface_text(client, demo, path):
    client.set_cookie("madang_lang", "ko")
    text = visible_text(client.get(path).get_data(as_text=True))
    leaks = [en for en, ko in _interface_pairs() if en != ko and en in text]
    assert leaks == []


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_an_english_page_shows_no_korean_interface_text(client, demo, path):
    client.set_cookie("madang_lang", "en")
    text = visible_text(client.get(path).get_data(as_text=True))
    leaks = [ko for en, ko in _interface_pairs() if HANGUL.search(ko) and ko in text]
    assert leaks == []


def test_the_language_follows_choice_then_accept_language_then_korean(client, demo):
    assert 'lang="ko"' in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in english.get_data(as_text=True)
    client.set_cookie("madang_lang", "ko")
    chosen = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="ko"' in chosen.get_data(as_text=True)
