"""CR/LF in a name or a forum title cannot add headers or recipients, end to end."""

from __future__ import annotations

from sqlalchemy import select, update

from app.core.db import write_transaction
from app.mail.delivery import deliver_due
from app.models import OutboxMessage, Registration
from tests.app.mail.helpers import body, outbox_rows, register, register_body

INJECTED = "\r\nBcc: victim@evil.example\r\nX-Injected: yes"


def test_the_api_refuses_a_name_with_line_breaks_and_queues_nothing(app, db, client, make_forum):
    forum = make_forum()
    response = client.post(
        f"/api/v1/forums/{forum.slug}/registrations",
        json=register_body(name="Mallory" + INJECTED),
    )
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_line_breaks_in_stored_titles_and_names_never_reach_the_headers(
    app, db, client, make_forum, smtp, mail_to
):
    # An organizer typed a line break into the title and the organiser name; a registration
    # imported from elsewhere carries one in the name. None of it may become a header.
    forum = make_forum(
        title_ko="서울 포럼" + INJECTED,
        title_en="Seoul Forum" + INJECTED,
        organizer_name_ko="주최" + INJECTED,
        organizer_name_en="Organizer" + INJECTED,
    )
    mail_to(smtp)
    register(client, forum, 1, locale="en")
    register(client, forum, 2, locale="ko")
    with write_transaction():
        db.session.execute(update(Registration).values(name="Mallory" + INJECTED))

    report = deliver_due()
    assert report.sent == 2, [r.last_error for r in outbox_rows(db)]

    assert sorted(rcpts for _, rcpts in smtp.sink.envelopes) == [
        ["person1@example.org"],
        ["person2@example.org"],
    ]
    for raw, message in zip(smtp.sink.received, smtp.sink.messages(), strict=True):
        header_block = raw.split(b"\r\n\r\n", 1)[0]
        assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected:" not in header_block
        assert message["Bcc"] is None and message["X-Injected"] is None
        for name in ("Subject", "To", "Reply-To"):
            assert "\r" not in str(message[name]) and "\n" not in str(message[name])
        assert [a.addr_spec for a in message["To"].addresses] == [
            message["To"].addresses[0].addr_spec
        ]
        assert message["Reply-To"].addresses[0].addr_spec == "forum@seoul.example.org"
        assert "Mallory Bcc: victim@evil.example X-Injected: yes" in str(message["To"])

    # (The stdlib may fold right after "Subject:"; readers drop that leading space.)
    english = next(m for m in smtp.sink.messages() if "Registration" in m["Subject"])
    assert english["Subject"].strip() == (
        "Registration confirmed: Seoul Forum Bcc: victim@evil.example X-Injected: yes"
    )
    assert "Hello Mallory" in body(english)  # the body keeps the text, harmlessly
