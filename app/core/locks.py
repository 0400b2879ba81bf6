"""The forum row's lock: the first lock every write of a forum's places or programme takes.

Locks are always taken in the same order (the forum row, then session rows by id), so two
transactions can never wait for each other in a circle. Organizers' changes, cancellations, the
desk and in-person registrations in a forum with a capacity take the row exclusively
(`lock_forum`); registrations that take no forum-wide place share it (`share_forum`), so they
run side by side and meet only on the seats they pick. SQLite has no row locks: its write
transaction (BEGIN IMMEDIATE) holds the whole database, which orders everything the same way.
"""

from __future__ import annotations

from sqlalchemy import column, select, table, update

from app.core.db import db

# A light description of the row, not the model: the lock is below every feature's models.
_FORUMS = table("forums", column("id"), column("updated_at"), column("in_person_capacity"))


class CapacityChanged(Exception):
    """The forum got a capacity between loading it and locking it: the caller starts again
    on the exclusive path."""


def lock_forum(forum_id: int) -> None:
    """The forum row's lock, exclusively, until commit. A no-op UPDATE (the row's
    `updated_at` kept) works on every database and moves no feed's Last-Modified."""
    f = _FORUMS.c
    db.session.execute(update(_FORUMS).where(f.id == forum_id).values(updated_at=f.updated_at))


def share_forum(forum_id: int, *, counting: bool) -> None:
    """The forum row's lock in share mode. `counting`: the caller takes a place that counts
    only while the forum has no capacity, so a capacity set meanwhile raises CapacityChanged."""
    f = _FORUMS.c
    capacity = db.session.execute(
        select(f.in_person_capacity).where(f.id == forum_id).with_for_update(read=True)
    ).scalar_one()
    if counting and capacity is not None:
        raise CapacityChanged
