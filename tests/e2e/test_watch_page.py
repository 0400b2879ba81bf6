"""The watch page in a real browser, with the keyboard alone, in Korean and English at 360 px:
an online attendee opens a session's stream from it, the attendance is recorded once, and the
page says so afterwards. axe finds no WCAG A/AA violation; screenshots are kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import tab_to
from tests.e2e.test_accessibility import audit
from tests.e2e.test_invited_people import narrow
from tests.e2e.test_organizer_flow import say
from tests.e2e.test_waiting_list_and_cancel import keep, no_sideways_scroll

SAMPLE = "seoul-smart-city-forum-sample"


def online_viewer(live_app, lang: str, stream_url: str) -> tuple[str, int, int]:
    """An online attendee of the sample forum with a session to watch and its stream:
    (manage token, session id, stream id)."""
    from app.core.db import db
    from app.models import Forum, StreamLink
    from app.registration.operations import RegistrationRequest, invite

    with live_app.app_context():
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == SAMPLE))
        session = next(
            s
            for s in sorted(forum.sessions, key=lambda s: s.starts_at)
            if s.format != "in_person" and s.status == "scheduled"
        )
        stream = StreamLink(
            forum_id=forum.id,
            session_id=session.id,
            platform="YouTube",
            url=stream_url,
            label=f"Live ({lang})",
        )
        db.session.add(stream)
        db.session.commit()
        result = invite(
            forum,
            RegistrationRequest(
                name=f"Viewer {lang}",
                email=f"viewer.{lang}@example.org",
                attendance="online",
                session_ids=[session.id] if session.seats is not None else [],
                locale=lang,
                consent_personal_data=True,
                category="guest",
            ),
        )
        return result.manage_token, session.id, stream.id


def attendance(live_app, stream_id: int) -> int:
    """How many people opened this stream first (each viewer has a stream of their own)."""
    from app.core.db import db
    from app.models import OnlineAttendance

    with live_app.app_context():
        return db.session.scalar(
            db.select(db.func.count(OnlineAttendance.id)).where(
                OnlineAttendance.stream_id == stream_id
            )
        )


@pytest.mark.parametrize("page", ["ko", "en"], indirect=True)
def test_an_online_attendee_opens_a_stream_from_the_watch_page(
    page: Page, live_app, base_url, artifacts
):
    lang = page.lang
    # A stream "site" the browser can reach here: the forum's public page stands in for it.
    stream_url = f"{base_url}/forums/{SAMPLE}?stream={lang}"
    token, session_id, stream_id = online_viewer(live_app, lang, stream_url)
    narrow(page)
    page.goto(f"/manage/{token}")
    tab_to(page, f"a[href='/manage/{token}/watch']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(say(live_app, lang, "Watch online"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert audit(page) == []
    assert no_sideways_scroll(page)
    keep(page, artifacts, "watch")

    tab_to(page, f"a[href='/manage/{token}/watch/{session_id}/{stream_id}']")
    page.keyboard.press("Enter")
    page.wait_for_url(stream_url)
    assert attendance(live_app, stream_id) == 1

    page.goto(f"/manage/{token}/watch")
    expect(page.locator(f"article[aria-labelledby='watch-{session_id}']")).to_contain_text(
        say(live_app, lang, "You watched this session (first opened at %(time)s).", time="")[:8]
    )
    assert audit(page) == []
    assert page.console_errors == []
