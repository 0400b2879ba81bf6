"""The mail floor: the least work an outbox worker can do, in raw SQL and smtplib.

Loop: claim a batch of due rows (one UPDATE … RETURNING; FOR UPDATE SKIP LOCKED on PostgreSQL),
send each as a small fixed-text message over one SMTP connection with its stored Message-ID,
mark the batch sent (one UPDATE), commit. No templates, no attachments, no retries.

    python -m bench.floor_mail DATABASE_URL SMTP_PORT BATCH_SIZE
"""

from __future__ import annotations

import os
import smtplib
import sqlite3
import sys
from datetime import UTC, datetime
from email.message import EmailMessage

BODY = "안녕하세요. 사전 등록이 확정되었습니다. Your pre-registration is confirmed.\n" * 12


def main(url: str, port: int, batch: int) -> int:
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        conn = sqlite3.connect(url.split(":///", 1)[1], timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        import psycopg

        conn = psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True
        )
    me = f"floor:{os.getpid()}"
    claim = (
        "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (SELECT id FROM outbox"
        " WHERE status = 'pending' AND claimed_by IS NULL ORDER BY id LIMIT ?)"
        " RETURNING id, message_id, recipient"
        if is_sqlite
        else "UPDATE outbox SET claimed_by = %s, claimed_until = %s WHERE id IN (SELECT id FROM"
        " outbox WHERE status = 'pending' AND claimed_by IS NULL ORDER BY id LIMIT %s"
        " FOR UPDATE SKIP LOCKED) RETURNING id, message_id, recipient"
    )
    done = "UPDATE outbox SET status = 'sent', sent_at = {p}, claimed_by = NULL WHERE id = {p}"
    done = done.format(p="?" if is_sqlite else "%s")
    while True:
        now = datetime.now(UTC)
        stamp = now.replace(tzinfo=None).isoformat(" ") if is_sqlite else now
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if is_sqlite else "BEGIN")
        cur.execute(claim, (me, stamp, batch))
        rows = cur.fetchall()
        cur.execute("COMMIT")
        if not rows:
            return 0
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for _, message_id, recipient in rows:
                msg = EmailMessage()
                msg["From"] = "Madang <no-reply@madang.example.org>"
                msg["To"] = recipient
                msg["Subject"] = "사전 등록 확정 / Registration confirmed"
                msg["Message-ID"] = message_id
                msg.set_content(BODY)
                smtp.send_message(msg)
        cur.execute("BEGIN IMMEDIATE" if is_sqlite else "BEGIN")
        cur.executemany(done, [(stamp, row[0]) for row in rows])
        cur.execute("COMMIT")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
