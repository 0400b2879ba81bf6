"""The bilingual-columns migration splits a venue's, a speaker's and an organizer's text glued as
"English / 한국어" into the `_ko` and `_en` columns, keeps other text in `_ko`, and glues the two
back on the way down."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.core.db import db
from tests.migrations.rows import STAMP, insert_forum

BEFORE = "40f55c12330a"
BILINGUAL = "f1f661a3b467"


def _seed(conn) -> None:
    insert_forum(conn, organizer_name="Seoul Metropolitan Government / 서울특별시")
    conn.execute(
        text(
            "INSERT INTO venues (id, forum_id, name_ko, name_en, kind, building, floor, room, "
            "address, accessibility_notes, map_url, created_at, updated_at) VALUES (1, 1, "
            "'시민청', 'Citizens Hall', 'hall', "
            "'Citizens Hall, Seoul City Hall / 서울시청 시민청', 'B1', "
            "'Multipurpose Hall / 다목적홀', "
            "'110 Sejong-daero, Jung-gu, Seoul / 서울특별시 중구 세종대로 110', "
            "'엘리베이터가 있습니다. / There is a lift.', '', "
            ":stamp, :stamp)"
        ),
        {"stamp": STAMP},
    )
    conn.execute(
        text(
            "INSERT INTO speakers (id, forum_id, name_ko, name_en, affiliation, title, country, "
            "bio_ko, bio_en, email, locale, connection_details, timezone, created_at, "
            "updated_at) VALUES (1, 1, '홍길동', 'Hong', 'KAIST', 'Professor / 교수', '', '', '', "
            "'', 'ko', '', 'Asia/Seoul', :stamp, :stamp)"
        ),
        {"stamp": STAMP},
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_glued_text_is_split_into_the_two_columns_and_joined_again(
    backend, fresh_database_url, app_factory
):
    app = app_factory(fresh_database_url(backend))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _seed(conn)
        upgrade(revision=BILINGUAL)
        with db.engine.connect() as conn:
            venue = conn.execute(
                text(
                    "SELECT building_ko, building_en, floor_ko, floor_en, room_ko, room_en, "
                    "address_ko, address_en, accessibility_notes_ko, accessibility_notes_en "
                    "FROM venues"
                )
            ).one()
            speaker = conn.execute(
                text("SELECT affiliation_ko, affiliation_en, title_ko, title_en FROM speakers")
            ).one()
            organizer = conn.execute(
                text("SELECT organizer_name_ko, organizer_name_en FROM forums")
            ).one()
        assert tuple(venue) == (
            "서울시청 시민청",
            "Citizens Hall, Seoul City Hall",
            "B1",
            "",
            "다목적홀",
            "Multipurpose Hall",
            "서울특별시 중구 세종대로 110",
            "110 Sejong-daero, Jung-gu, Seoul",
            "엘리베이터가 있습니다.",
            "There is a lift.",
        )
        assert tuple(speaker) == ("KAIST", "", "교수", "Professor")
        assert tuple(organizer) == ("서울특별시", "Seoul Metropolitan Government")

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT building, floor, room FROM venues")).one() == (
                "Citizens Hall, Seoul City Hall / 서울시청 시민청",
                "B1",
                "Multipurpose Hall / 다목적홀",
            )
            assert conn.execute(text("SELECT affiliation, title FROM speakers")).one() == (
                "KAIST",
                "Professor / 교수",
            )
            assert conn.execute(text("SELECT organizer_name FROM forums")).scalar_one() == (
                "Seoul Metropolitan Government / 서울특별시"
            )
        db.engine.dispose()
