"""An online attendee finds their streams after the mail too: on the done page, the manage
page and in the personal feed (CONFERENCE), registrants-only links included."""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar

from app.models import StreamLink
from tests.app.web.test_register_form import form, manage_token_of, register_ok

FORUM_STREAM = "https://www.youtube.com/@seoul-forum"
PRIVATE_STREAM = "https://zoom.us/j/123456789"


def test_an_online_attendee_sees_the_streams_on_the_done_and_manage_pages(
    app, web, db, make_forum, make_session
):
    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    db.session.add_all(
        [
            StreamLink(forum_id=forum.id, platform="YouTube", url=FORUM_STREAM, label="Main"),
            StreamLink(
                forum_id=forum.id,
                session_id=plenary.id,
                platform="Zoom",
                url=PRIVATE_STREAM,
                label="Q&A",
                visibility="registrants",
            ),
        ]
    )
    db.session.commit()
    done = register_ok(web, forum, form(0, attendance="online"))
    for page in (done, web.get(f"/manage/{manage_token_of(done)}").get_data(as_text=True)):
        assert f'href="{FORUM_STREAM}"' in page
        assert f'href="{PRIVATE_STREAM}"' in page
        assert "for registrants only" in page
        assert 'class="qr-figure"' not in page  # no desk QR code for online attendance

    calendar = next(
        w.split('"')[1] for w in done.split("href=") if "/calendar/" in w and ".ics" in w
    )
    feed = web.get(urlsplit(calendar).path)
    assert feed.status_code == 200
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    conferences = [str(c) for e in events for c in _list(e.get("CONFERENCE"))]
    assert PRIVATE_STREAM in conferences


def test_an_in_person_attendee_keeps_the_qr_code_and_sees_no_stream_block(
    web, make_forum, make_session
):
    forum = make_forum(format="hybrid")
    done = register_ok(web, forum, form(0, attendance="in_person"))
    assert 'class="qr-figure"' in done
    assert "Watch online" not in done


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
