"""Database plumbing: the declarative base, an aware-UTC datetime type, SQLite tuning and
write transactions that cannot deadlock on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
SQLITE_IMMEDIATE = "madang_sqlite_immediate"


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite drops tzinfo, so it is restored on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def upsert_insert(model: type) -> Any:
    """The current database's INSERT, the one that takes `on_conflict_do_nothing()`."""
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        model
    )


def utcnow() -> datetime:
    """Now, aware, in UTC: the callable every timestamp column defaults to."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys; and take transaction control from pysqlite so that
    BEGIN is ours to emit (pysqlite's own deferred BEGIN upgrades to a write and fails with
    'database is locked' under load, whatever the busy timeout)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    timeout = connection_record.info.get("busy_timeout_ms", 30_000)
    cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(*, expire_on_commit: bool = True) -> Iterator[None]:
    """One write transaction on the scoped session: commit on success, roll back on error.

    Whatever read transaction the request had open is ended first, so that on SQLite the
    write transaction starts with BEGIN IMMEDIATE and takes the write lock up front.

    `expire_on_commit=False` keeps what the session has loaded across both commits, so the
    caller's objects are not reloaded one query at a time inside the transaction (and after
    it). Only for callers that use the loaded state as a snapshot: every rule that must hold
    is enforced by the conditional statements themselves, never by a loaded value.
    """
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = expire_on_commit
    try:
        if session.in_transaction():
            session.commit()
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.expire_on_commit = expiring
