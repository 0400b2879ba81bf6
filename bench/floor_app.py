"""The floor: a minimal Flask app doing the least work a registration needs, in raw SQL.

It serves the same URLs as Madang from the same database (same schema, same seed), under the
same gunicorn settings, so each scenario can report Madang as a share of what this stack can
do at all on this machine, in the same run:

- `POST /api/v1/forums/<slug>/registrations` (JSON): one conditional UPDATE of the session's
  seats (and, when the session is full, the waitlist counter), two INSERTs (the registration
  and its booking), one COMMIT. Nothing else: no validation beyond presence, no mail row.
- `GET/POST /forums/<slug>/register`: the same, behind a form with a CSRF token kept in the
  signed session cookie; GET reads the bookable sessions as Madang's form does.
- `GET /forums/<slug>/schedule.ics`: a version query, then the cached body, or a 304 when the
  client's ETag matches; when the version changed, one query for the sessions and a plain
  string-built iCalendar (the least a render can be).

Run it as `gunicorn bench.floor_app:app` with DATABASE_URL set (sqlite:///… or postgresql://…).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, jsonify, redirect, request, session

SQLITE_TIMEOUT_S = 30.0
CONSENT_VERSION = "floor"


class Database:
    """One DBAPI connection per thread, opened on first use (after gunicorn forks)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._local = threading.local()

    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _connect(self):
        if self.sqlite:
            path = self.url.split(":///", 1)[1]
            conn = sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S, isolation_level=None)
            # The same settings as Madang's engine (app/db.py).
            conn.execute(f"PRAGMA busy_timeout = {int(SQLITE_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        import psycopg

        url = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(url, autocommit=True)

    def sql(self, text: str) -> str:
        return text.replace("%s", "?") if self.sqlite else text

    def now(self) -> Any:
        now = datetime.now(UTC)
        # SQLAlchemy's SQLite DateTime stores naive UTC as text in this format.
        return now.replace(tzinfo=None).isoformat(" ") if self.sqlite else now

    def write(self, work):
        """Run `work(cursor)` in one write transaction (BEGIN IMMEDIATE on SQLite)."""
        conn = self.connection()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        try:
            result = work(cur)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        return result

    def read(self, text: str, params: tuple = ()) -> list[tuple]:
        cur = self.connection().cursor()
        cur.execute(self.sql(text), params)
        return cur.fetchall()


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "floor-secret")
    db = Database(database_url or os.environ["DATABASE_URL"])
    forum_ids: dict[str, int] = {}
    feed_cache: dict[str, tuple[tuple, bytes, str]] = {}

    def forum_id(slug: str) -> int:
        if slug not in forum_ids:
            rows = db.read("SELECT id FROM forums WHERE slug = %s", (slug,))
            if not rows:
                abort(404)
            forum_ids[slug] = rows[0][0]
        return forum_ids[slug]

    def register(fid: int, name: str, email: str, session_id: int, source: str) -> dict:
        now = db.now()
        sql = db.sql

        def work(cur) -> dict:
            cur.execute(
                sql(
                    "UPDATE sessions SET seats_taken = seats_taken + 1"
                    " WHERE id = %s AND forum_id = %s AND seats_taken < seats"
                ),
                (session_id, fid),
            )
            if cur.rowcount == 1:
                status, seq = "confirmed", None
            else:
                cur.execute(
                    sql(
                        "UPDATE sessions SET waitlist_seq = waitlist_seq + 1"
                        " WHERE id = %s AND forum_id = %s RETURNING waitlist_seq"
                    ),
                    (session_id, fid),
                )
                row = cur.fetchone()
                if row is None:
                    abort(422)
                status, seq = "waitlisted", row[0]
            cur.execute(
                sql(
                    "INSERT INTO registrations (forum_id, confirmation_code, name, email,"
                    " email_normalized, affiliation, attendance, locale, status, source,"
                    " manage_token_hash, calendar_token_hash, consent_version, consented_at,"
                    " marketing_consent, accessibility_consent, accessibility_needs,"
                    " accessibility_other, over_capacity_reason, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, %s, '', 'in_person', 'ko', 'confirmed', %s,"
                    " %s, %s, %s, %s, false, false, '[]', '', '', %s, %s) RETURNING id"
                ),
                (
                    fid,
                    secrets.token_hex(8),
                    name,
                    email,
                    email.casefold(),
                    source,
                    secrets.token_hex(32),
                    secrets.token_hex(32),
                    CONSENT_VERSION,
                    now,
                    now,
                    now,
                ),
            )
            registration_id = cur.fetchone()[0]
            cur.execute(
                sql(
                    "INSERT INTO bookings (registration_id, session_id, status, waitlist_seq,"
                    " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s)"
                ),
                (registration_id, session_id, status, seq, now, now),
            )
            return {"status": status, "waitlist_position": seq}

        booking = db.write(work)
        return {
            "status": "confirmed",
            "waitlist_position": None,
            "sessions": [{"id": session_id, **booking}],
        }

    @app.post("/api/v1/forums/<slug>/registrations")
    def api_register(slug: str):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not body.get("name") or not body.get("email"):
            return jsonify(error="validation_failed"), 422
        ids = body.get("session_ids") or []
        if len(ids) != 1 or body.get("consent_personal_data") is not True:
            return jsonify(error="validation_failed"), 422
        result = register(forum_id(slug), body["name"], body["email"], int(ids[0]), "api")
        response = jsonify(result)
        response.status_code = 201
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.route("/forums/<slug>/register", methods=["GET", "POST"])
    def form_register(slug: str):
        fid = forum_id(slug)
        if request.method == "POST":
            form = request.form
            token = session.get("csrf")
            if not token or not secrets.compare_digest(token, form.get("csrf_token", "")):
                abort(400)
            if not form.get("name") or not form.get("email") or form.get("consent") != "y":
                abort(422)
            register(fid, form["name"], form["email"], int(form["session_ids"]), "web")
            return redirect(f"/forums/{slug}/register/done", code=303)
        sessions = db.read(
            "SELECT id, title_ko FROM sessions WHERE forum_id = %s AND status = 'scheduled'"
            " AND seats IS NOT NULL ORDER BY starts_at, id",
            (fid,),
        )
        token = session.setdefault("csrf", secrets.token_hex(16))
        choices = "".join(
            f'<li><input type="checkbox" name="session_ids" value="{sid}"> {html.escape(t)}</li>'
            for sid, t in sessions
        )
        page = (
            f'<!doctype html><title>Register</title><form method="post">'
            f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
            f'<input name="name"><input name="email"><ul>{choices}</ul>'
            f'<input type="checkbox" name="consent" value="y"><button>Register</button></form>'
        )
        return page

    @app.get("/forums/<slug>/schedule.ics")
    def schedule(slug: str):
        rows = db.read(
            "SELECT f.id, f.programme_revision, f.updated_at,"
            " (SELECT count(*) FROM sessions s WHERE s.forum_id = f.id),"
            " (SELECT max(s.updated_at) FROM sessions s WHERE s.forum_id = f.id)"
            " FROM forums f WHERE f.slug = %s AND f.status = 'published'",
            (slug,),
        )
        if not rows:
            abort(404)
        version = tuple(str(v) for v in rows[0])
        cached = feed_cache.get(slug)
        if cached is None or cached[0] != version:
            body = render_ics(db, rows[0][0])
            cached = (version, body, '"' + hashlib.sha256(body).hexdigest() + '"')
            feed_cache[slug] = cached
        _, body, etag = cached
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        return Response(body, headers=headers, content_type="text/calendar; charset=utf-8")

    return app


def render_ics(db: Database, fid: int) -> bytes:
    """The least an iCalendar render can be: one query, string formatting, no folding."""
    rows = db.read(
        "SELECT id, title_ko, title_en, description_ko, starts_at, ends_at, status, revision"
        " FROM sessions WHERE forum_id = %s ORDER BY starts_at, id",
        (fid,),
    )
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//floor//EN"]
    for sid, title_ko, title_en, description, starts, ends, status, revision in rows:
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{sid}@floor",
            f"DTSTART:{_stamp(starts)}",
            f"DTEND:{_stamp(ends)}",
            f"SUMMARY:{title_ko} / {title_en}",
            f"DESCRIPTION:{json.dumps(description)[1:-1]}",
            f"SEQUENCE:{revision}",
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _stamp(value: Any) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y%m%dT%H%M%SZ")


app = create_app() if "DATABASE_URL" in os.environ else None
