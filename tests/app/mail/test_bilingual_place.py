"""The confirmation names the forum's place in the person's language, not both glued."""

from __future__ import annotations

from app.mail.delivery import deliver_due
from tests.app.mail.helpers import body, register
from tests.app.organize.test_bilingual_content import CITY_HALL


def test_the_confirmation_names_the_place_in_the_persons_language(
    app, client, make_forum, make_venue, make_session, smtp, mail_to
):
    forum = make_forum()
    hall = make_venue(forum, name_ko="다목적홀", name_en="Multipurpose Hall", **CITY_HALL)
    make_session(forum, venue=hall, seats=None)
    mail_to(smtp)
    register(client, forum, 1, locale="en")
    register(client, forum, 2, locale="ko")
    deliver_due()
    texts = {
        "en" if "Multipurpose Hall" in body(m) else "ko": body(m) for m in smtp.sink.messages()
    }
    assert "Citizens Hall, Seoul City Hall, B1" in texts["en"]
    assert "110 Sejong-daero" in texts["en"] and "서울시청" not in texts["en"]
    assert "서울시청 시민청, 지하 1층" in texts["ko"]
    assert "Seoul City Hall" not in texts["ko"]
