"""Bilingual places, people and organizers

Ko/en columns for a venue's building, floor, room, address and accessibility notes, a speaker's
affiliation and title, and a forum's organizer. Each single column becomes its `_ko` column, beside a new `_en` one. A value written as
"English / 한국어" (or "한국어 / English") in one string is split between the two, so a page
shows its reader's language and never both glued together; other values stay in `_ko`, which a
page shows in either language while `_en` is empty. Down again, the two are glued back.

Revision ID: f1f661a3b467
Revises: 40f55c12330a
Create Date: 2026-12-06 18:20:00

"""
import re

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "f1f661a3b467"
down_revision = "40f55c12330a"
branch_labels = None
depends_on = None

HANGUL = re.compile(r"[\uac00-\ud7a3]")

# table -> [(column, type)]
COLUMNS = {
    "venues": [
        ("building", sa.String(length=200)),
        ("floor", sa.String(length=40)),
        ("room", sa.String(length=200)),
        ("address", sa.String(length=300)),
        ("accessibility_notes", sa.Text()),
    ],
    "speakers": [
        ("affiliation", sa.String(length=300)),
        ("title", sa.String(length=300)),
    ],
    "forums": [("organizer_name", sa.String(length=200))],
}


def split_glued(value):
    """("한국어", "English") from "한국어 / English" or "English / 한국어"; None if not glued."""
    parts = [p.strip() for p in (value or "").split(" / ")]
    if len(parts) != 2 or not all(parts):
        return None
    korean = [p for p in parts if HANGUL.search(p)]
    other = [p for p in parts if not HANGUL.search(p)]
    if len(korean) != 1 or len(other) != 1:
        return None
    return korean[0], other[0]


def _table(name, columns):
    return sa.table(name, sa.column("id"), *(sa.column(c) for c in columns))


def upgrade():
    bind = op.get_bind()
    for table, columns in COLUMNS.items():
        # Plain ALTER TABLE (SQLite 3.25+ renames in place): a batch copy of `forums` would
        # drop the old table, and its ON DELETE CASCADE would empty the venues and speakers.
        for column, type_ in columns:
            op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_ko")
            op.add_column(table, sa.Column(f"{column}_en", type_, server_default="", nullable=False))
        names = [f"{c}_{lang}" for c, _ in columns for lang in ("ko", "en")]
        rows = _table(table, names)
        for row in bind.execute(sa.select(rows)).mappings().all():
            values = {}
            for column, _ in columns:
                split = split_glued(row[f"{column}_ko"])
                if split is not None:
                    values[f"{column}_ko"], values[f"{column}_en"] = split
            if values:
                bind.execute(rows.update().where(rows.c.id == row["id"]).values(**values))


def downgrade():
    bind = op.get_bind()
    for table, columns in COLUMNS.items():
        names = [f"{c}_{lang}" for c, _ in columns for lang in ("ko", "en")]
        rows = _table(table, names)
        for row in bind.execute(sa.select(rows)).mappings().all():
            values = {}
            for column, type_ in columns:
                ko, en = row[f"{column}_ko"] or "", row[f"{column}_en"] or ""
                if en:
                    glued = f"{en} / {ko}" if ko else en
                    values[f"{column}_ko"] = glued[: getattr(type_, "length", None)]
            if values:
                bind.execute(rows.update().where(rows.c.id == row["id"]).values(**values))
        for column, _ in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}_en")
            op.execute(f"ALTER TABLE {table} RENAME COLUMN {column}_ko TO {column}")
