"""The languages migration splits stream labels glued as "한국어 / English" into the Korean and
English columns, leaves other labels alone, and glues them back on the way down."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.core.db import db
from tests.migrations.rows import insert_forum

BEFORE = "36889f1fdbf8"
LANGUAGES = "40f55c12330a"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_glued_stream_labels_are_split_and_joined_again(backend, fresh_database_url, app_factory):
    app = app_factory(fresh_database_url(backend))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            insert_forum(conn)
            for n, label in enumerate(
                [
                    "서울시 유튜브 채널 / Seoul Metropolitan Government YouTube channel",
                    "Live Seoul / 라이브 서울",
                    "YouTube (한국어)",
                    "A / B",
                ],
                start=1,
            ):
                conn.execute(
                    text(
                        "INSERT INTO stream_links (id, forum_id, platform, url, label, "
                        "visibility, created_at, updated_at) VALUES (:id, 1, 'YouTube', "
                        "'https://example.org/', :label, 'public', '2025-12-01 00:00:00+00', "
                        "'2025-12-01 00:00:00+00')"
                    ),
                    {"id": n, "label": label},
                )
        upgrade(revision=LANGUAGES)
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT label, label_en, kind, language FROM stream_links ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("서울시 유튜브 채널", "Seoul Metropolitan Government YouTube channel", "main", ""),
            ("라이브 서울", "Live Seoul", "main", ""),
            ("YouTube (한국어)", "", "main", ""),
            ("A / B", "", "main", ""),
        ]
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            labels = conn.execute(text("SELECT label FROM stream_links ORDER BY id")).scalars()
            assert list(labels)[:2] == [
                "서울시 유튜브 채널 / Seoul Metropolitan Government YouTube channel",
                "라이브 서울 / Live Seoul",
            ]
        db.engine.dispose()
