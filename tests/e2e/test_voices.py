"""Citizens' voices in a real browser, with the keyboard alone, in Korean and English at 360 px:
a visitor takes part in the sample forum's comment event and confirms it from the mailed link,
likes a comment on the 2020 wall, reads the 2020 draw, asks a live question; the presenter's
screen; and the organizer's comment, reading-list, draw and question pages. axe finds no WCAG
A/AA violation on any of them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"
PAST = "smart-city-leaders-forum-2020"


def confirm_link(live_app, email: str) -> str:
    """The confirmation link of the mail queued for `email` (as the mail would carry it)."""
    from app.core.db import db
    from app.models import OutboxMessage
    from app.voices.common import comments_path

    with live_app.app_context():
        row = db.session.scalar(
            db.select(OutboxMessage)
            .where(OutboxMessage.recipient == email, OutboxMessage.kind == "comment_confirm")
            .order_by(OutboxMessage.id.desc())
        )
        return f"{comments_path(SAMPLE)}/confirm/{row.context['confirm_token']}"


def questions_session(live_app) -> int:
    from app.core.db import db
    from app.models import Forum, QuestionBoard

    with live_app.app_context():
        return db.session.scalar(
            db.select(QuestionBoard.session_id)
            .join(Forum, Forum.id == QuestionBoard.forum_id)
            .where(Forum.slug == SAMPLE)
        )


def first_pending(live_app, session_id: int) -> int:
    from app.core.db import db
    from app.models import Question

    with live_app.app_context():
        return db.session.scalar(
            db.select(func.min(Question.id)).where(
                Question.session_id == session_id, Question.status == "pending"
            )
        )


def check(page: Page, artifacts, name: str) -> None:
    assert audit(page) == [], name
    assert no_sideways_scroll(page), name
    keep(page, artifacts, name)


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_a_visitor_takes_part_in_the_comment_event_with_the_keyboard(
    page: Page, live_app, artifacts
):
    lang = page.lang
    narrow(page)
    page.goto(f"/forums/{SAMPLE}")
    tab_to(page, "#comment-event-heading ~ p a")
    page.keyboard.press("Enter")
    expect(page.locator("#take-part-heading")).to_have_text(say(live_app, lang, "Take part"))
    check(page, artifacts, "comments-form")

    tab_to(page, "#consent-group ~ p button[type=submit]")
    page.keyboard.press("Enter")  # nothing filled in: the form comes back with the messages
    expect(page.locator("#error-summary")).to_be_visible()
    assert audit(page) == []

    email = f"e2e.comment.{lang}@example.org"
    tab_to(page, "#name")
    page.keyboard.type("김마당" if lang == "ko" else "Jane Madang")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#comment")
    page.keyboard.type("내가 바라는 도시는 <모두의 마당>이다")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "#consent-group ~ p button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Check your inbox"))
    check(page, artifacts, "comments-sent")

    page.goto(confirm_link(live_app, email))
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Confirm your address"))
    assert audit(page) == []
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Your entry is confirmed"))
    check(page, artifacts, "comments-confirmed")
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_the_wall_likes_and_the_draw_of_2020(page: Page, live_app, artifacts):
    lang = page.lang
    narrow(page)
    page.goto(f"/forums/{PAST}/comments?sort=top")
    expect(page.locator("#wall-heading")).to_have_text(say(live_app, lang, "Comments"))
    check(page, artifacts, "comments-wall")
    first = page.locator("#wall-heading ~ ol > li").first
    before = first.locator(".comment-likes").inner_text()
    tab_to(page, "#wall-heading ~ ol > li:first-child button[type=submit]")
    page.keyboard.press("Enter")
    expect(first.locator(".comment-likes")).not_to_have_text(before)

    page.goto(f"/forums/{PAST}/comments/draw")
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Prize draw of the comment event"))
    expect(page.locator("#winners tbody tr")).to_have_count(11)
    check(page, artifacts, "draw")
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_a_live_question_from_the_hall_and_the_presenters_screen(page: Page, live_app, artifacts):
    lang = page.lang
    narrow(page)
    session_id = questions_session(live_app)
    page.goto(f"/q/{session_id}")
    expect(page.locator("#ask-title")).to_have_text(say(live_app, lang, "Ask a question"))
    check(page, artifacts, "questions-ask")

    tab_to(page, "#text")
    page.keyboard.type("자막은 어디서 볼 수 있나요? / Where are the captions?")
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    expect(page.locator("[role=status], .flash").first).to_be_visible()
    assert audit(page) == []

    # The screen refreshes itself (a hall display); a reader may stop that (WCAG 2.2.1), and
    # the stopped screen is the one axe checks (it flags any timed refresh).
    page.goto(f"/forums/{SAMPLE}/sessions/{session_id}/questions/screen")
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)
    keep(page, artifacts, "questions-screen")
    tab_to(page, "footer a")
    page.keyboard.press("Enter")
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
    assert audit(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_the_organizers_voices_pages(page: Page, live_app, staff_account, artifacts):
    narrow(page)
    session_id = questions_session(live_app)
    sign_in(page, f"/organize/forums/{PAST}/comments", staff_account("organizer", PAST, SAMPLE))
    for path, name in (
        (f"/organize/forums/{PAST}/comments", "org-comments"),
        (f"/organize/forums/{PAST}/comments/reading-list", "org-reading-list"),
        (f"/organize/forums/{PAST}/comments/draw", "org-draw-done"),
        (f"/organize/forums/{SAMPLE}/comments/draw", "org-draw-open"),
        (f"/organize/forums/{SAMPLE}/questions", "org-questions"),
        (f"/organize/forums/{SAMPLE}/sessions/{session_id}/questions", "org-moderation"),
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        check(page, artifacts, name)

    # The moderator approves a waiting question with the keyboard.
    waiting = first_pending(live_app, session_id)
    tab_to(page, f"#question-{waiting} button[value=approve]")
    page.keyboard.press("Enter")
    expect(page.locator(f"#status-approved ~ ul #question-{waiting}")).to_be_visible()
    assert audit(page) == []
    assert page.console_errors == []
