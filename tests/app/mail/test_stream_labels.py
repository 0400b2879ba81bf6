"""Streams in mail: each label in the message's language (the other one when it has none),
and an interpretation channel named by its language."""

from __future__ import annotations

from app.mail.delivery import deliver_due
from app.models import StreamLink
from tests.app.mail.helpers import body, register


def test_stream_labels_and_channels_are_in_the_messages_language(
    app, db, client, make_forum, make_session, smtp, mail_to
):
    forum = make_forum(format="hybrid")
    plenary = make_session(forum, seats=None, format="hybrid", title_en="Plenary")
    db.session.add_all(
        [
            StreamLink(
                forum=forum,
                platform="YouTube",
                url="https://youtube.example/main",
                label="서울시 유튜브",
                label_en="City YouTube",
            ),
            StreamLink(
                forum=forum,
                session=plenary,
                platform="YouTube",
                url="https://youtube.example/english",
                label="영어 통역 채널",
                label_en="English channel",
                kind="interpretation",
                language="en",
            ),
            StreamLink(
                forum=forum,
                session=plenary,
                platform="Zoom",
                url="https://zoom.example/captions",
                label="자막 화면",  # no English label: the English mail falls back to it
                kind="captions",
                language="ko",
            ),
        ]
    )
    db.session.commit()
    mail_to(smtp)
    register(client, forum, 1, attendance="online", locale="en", name="Reader EN")
    register(client, forum, 2, attendance="online", locale="ko", name="Reader KO")
    deliver_due()

    by_name = {m["To"].addresses[0].display_name: m for m in smtp.sink.messages()}
    english, korean = by_name["Reader EN"], by_name["Reader KO"]
    text, html = body(english), body(english, "html")
    assert "- City YouTube\r\n" in text
    assert "- English channel (English interpretation)" in text
    assert "- 자막 화면 (captions in Korean)" in text
    assert "서울시 유튜브" not in text and "영어 통역" not in text
    assert ">English channel</a> (English interpretation)" in html

    text, html = body(korean), body(korean, "html")
    assert "- 서울시 유튜브\r\n" in text
    assert "- 영어 통역 채널 (영어 통역)" in text
    assert "- 자막 화면 (한국어 자막)" in text
    assert "City YouTube" not in text and "English channel" not in text
    assert ">영어 통역 채널</a> (영어 통역)" in html
