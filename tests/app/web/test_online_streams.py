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


def _channels(db, forum, session) -> None:
    db.session.add_all(
        [
            StreamLink(
                forum_id=forum.id,
                platform="YouTube",
                url="https://example.org/main",
                label="서울시 유튜브",
                label_en="City YouTube",
            ),
            StreamLink(
                forum_id=forum.id,
                session_id=session.id,
                platform="YouTube",
                url="https://example.org/english",
                label="영어 통역",
                label_en="English channel",
                kind="interpretation",
                language="en",
            ),
            StreamLink(
                forum_id=forum.id,
                session_id=session.id,
                platform="Zoom",
                url="https://example.org/sign",
                label="수어 화면",  # no English label: the Korean one in English pages
                kind="sign",
            ),
        ]
    )
    db.session.commit()


def test_stream_labels_follow_the_readers_language_with_the_other_as_fallback(
    app, web, db, make_forum, make_session
):
    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    _channels(db, forum, plenary)
    # A Korean registrant reading the pages in English sees the English labels.
    done = register_ok(web, forum, form(0, attendance="online", locale="ko"))
    token = manage_token_of(done)
    for page in (done, web.get(f"/manage/{token}").get_data(as_text=True)):
        assert ">City YouTube</a>" in page and "서울시 유튜브" not in page
        assert 'hreflang="en">English channel</a>' in page and "영어 통역" not in page
        assert "English interpretation" in page
        assert 'lang="ko">수어 화면</a>' in page and "Sign-language feed" in page
        assert 'aria-hidden="true"' in page  # the channel's icon, beside its words
    korean = {"Accept-Language": "ko"}
    page = web.get(f"/manage/{token}", headers=korean).get_data(as_text=True)
    assert ">서울시 유튜브</a>" in page and "City YouTube" not in page
    assert ">영어 통역</a>" in page and "English channel" not in page

    watch = web.get(f"/manage/{token}/watch").get_data(as_text=True)
    assert "Watch: English channel" in watch and "English interpretation" in watch
    assert "Watch: City YouTube" in watch and "Watch: 수어 화면" in watch
    assert "영어 통역" not in watch
    watch_ko = web.get(f"/manage/{token}/watch", headers=korean).get_data(as_text=True)
    assert "영어 통역" in watch_ko and "English channel" not in watch_ko
