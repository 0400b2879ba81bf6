"""Rows written with plain SQL at an older revision, for the tests of data migrations."""

from __future__ import annotations

from sqlalchemy import text

STAMP = "2025-12-01 00:00:00+00"


def insert_forum(conn, *, organizer_name: str = "") -> None:
    """Forum 1 ("f"), as the columns stood before the bilingual-columns migration."""
    conn.execute(
        text(
            "INSERT INTO forums (id, slug, title_ko, title_en, theme_ko, theme_en, "
            "description_ko, description_en, timezone, first_day, last_day, format, "
            "status, onsite_registration, in_person_taken, waitlist_seq, "
            "organizer_name, organizer_email, homepage_url, data_note, kiosk_enabled, "
            "programme_revision, created_at, updated_at) VALUES (1, 'f', 'ㄱ', 'F', "
            "'', '', '', '', 'Asia/Seoul', '2026-01-01', '2026-01-01', 'online', "
            "'draft', false, 0, 0, :organizer, '', '', '', false, 1, :stamp, :stamp)"
        ),
        {"organizer": organizer_name, "stamp": STAMP},
    )
