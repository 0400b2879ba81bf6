"""After the forum, in a real browser with the keyboard alone, in Korean and English at 360 px:
an attendee answers the feedback survey; the forum's public record; and the organizer's
certificates, feedback, archive and dashboard pages of the demo's 2020 forum. axe finds no WCAG
A/AA violation on any of them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import sign_in, tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

PAST = "smart-city-leaders-forum-2020"


def attendee_link(live_app, lang: str) -> str:
    """A fresh manage token for a demo attendee who watched a session and has not answered."""
    from app.core.db import db
    from app.core.tokens import hash_token, new_token
    from app.models import FeedbackAnswer, Forum, OnlineAttendance, Registration

    with live_app.app_context():
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == PAST))
        person = Registration(
            forum_id=forum.id,
            confirmation_code=f"E2EFB{lang.upper()}1"[:8],
            name=f"Viewer {lang}",
            email=f"survey.{lang}@example.org",
            attendance="online",
            locale=lang,
            status="confirmed",
            manage_token_hash="x",
            calendar_token_hash=hash_token(new_token()),
            consent_version="test",
            consented_at=forum.registration_opens_at,
        )
        token = new_token()
        person.manage_token_hash = hash_token(token)
        db.session.add(person)
        db.session.flush()
        session = sorted(forum.sessions, key=lambda s: s.starts_at)[1]
        db.session.add(
            OnlineAttendance(forum_id=forum.id, registration_id=person.id, session_id=session.id)
        )
        db.session.commit()
        assert (
            db.session.scalar(
                db.select(FeedbackAnswer.id).where(FeedbackAnswer.registration_id == person.id)
            )
            is None
        )
        return f"/manage/{token}/feedback"


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_an_attendee_answers_the_survey_with_the_keyboard(page: Page, live_app, artifacts):
    lang = page.lang
    narrow(page)
    page.goto(attendee_link(live_app, lang))
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Feedback"))
    assert audit(page) == []

    tab_to(page, "#send-feedback")
    page.keyboard.press("Enter")  # nothing chosen: the form comes back with the message
    expect(page.locator("#error-summary")).to_contain_text(
        say(live_app, lang, "Choose a rating from 1 to 5.")
    )
    assert audit(page) == []

    tab_to(page, "input[name=rating][value='1']")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("input[name=rating][value='4']")).to_be_checked()
    tab_to(page, "#comment")
    page.keyboard.type("좋았습니다 / Well run")
    tab_to(page, "#send-feedback")
    page.keyboard.press("Enter")
    expect(page.locator("#answered")).to_be_visible()
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "feedback")
    assert page.console_errors == []


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_the_record_and_the_organizers_pages_after_the_forum(
    page: Page, live_app, staff_account, artifacts
):
    lang = page.lang
    narrow(page)
    page.goto(f"/forums/{PAST}")
    expect(page.locator("#record-heading")).to_have_text(say(live_app, lang, "The record"))
    assert audit(page) == []
    assert no_sideways_scroll(page)

    sign_in(page, f"/organize/forums/{PAST}/certificates", staff_account("organizer", PAST))
    for path, heading in (
        ("certificates", "Certificates of attendance"),
        ("feedback", "Feedback"),
        ("archive", "Archive"),
        ("dashboard", "Dashboard"),
    ):
        page.goto(f"/organize/forums/{PAST}/{path}")
        expect(page.locator("h1")).to_have_text(say(live_app, lang, heading))
        assert audit(page) == [], path
        assert no_sideways_scroll(page), path
        keep(page, artifacts, f"after-{path}")
    assert page.console_errors == []
