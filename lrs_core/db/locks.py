"""Locks a unit of work holds until it commits or rolls back."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def hold_until_commit(session: Session, *key: object) -> None:
    """Wait for, then hold until this transaction ends, a lock named by ``key``.

    For a rule that must read "nobody has X yet" and then write X: taken before the read, it
    makes a second unit of work checking the same X wait until the first has committed, and
    then its read sees the first one's row. On PostgreSQL this is a transaction-scoped
    advisory lock on a 64-bit hash of the key (two keys sharing a hash only wait for each
    other: never wrong, rarely slower). On SQLite every writer already holds the database's
    write lock from its first statement (``BEGIN IMMEDIATE``), so there is nothing to add.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": int.from_bytes(digest, "big", signed=True)},
    )
