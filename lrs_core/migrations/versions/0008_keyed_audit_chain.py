"""The audit chain is keyed: HMAC-SHA-256 with the deployment's ``audit-key`` (issue 9 item 5).

Until now each event's hash was a plain SHA-256, which anyone able to write to the database
could recompute after deleting or changing events. This re-keys the chain already there: it
checks the old, unkeyed chain first, and refuses to re-key one that is already broken (that
would make a tampered trail verify); then it rewrites every event's ``prev_hash`` and ``hash``
and the chain head with the key. Nothing else in an event changes.

The key comes from ``lrs_core.secrets``, made on first use for the embedded SQLite database,
required (a ConfigurationError saying where to set it) for a deployment. An empty trail needs
no key here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from lrs_core import secrets
from lrs_core.errors import ConfigurationError

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
_FIELDS = (
    "sequence", "occurred_at", "actor", "role", "action", "subject_type", "subject_id",
    "outcome", "detail", "prev_hash",
)  # fmt: skip

_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    *(
        sa.column(name, sa.DateTime(timezone=True) if name == "occurred_at" else None)
        for name in _FIELDS
    ),
    sa.column("hash", sa.String),
)
_head = sa.table(
    "audit_chain_head", sa.column("id", sa.Integer), sa.column("sequence"), sa.column("hash")
)

Hasher = Callable[[bytes], str]


def _body(row: Any, prev_hash: str) -> bytes:
    # A frozen copy of lrs_core.services.audit.event_hash's body at this revision.
    when: datetime = row.occurred_at
    if when.tzinfo is None:  # SQLite gives the stored UTC time back naive
        when = when.replace(tzinfo=UTC)
    values = [
        row.sequence,
        when.astimezone(UTC).isoformat(timespec="microseconds"),
        row.actor,
        row.role,
        row.action,
        row.subject_type,
        row.subject_id,
        str(row.outcome),
        row.detail,
        prev_hash,
    ]
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _unkeyed(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _keyed(key: bytes) -> Hasher:
    return lambda body: hmac.new(key, body, hashlib.sha256).hexdigest()


def _rehash(old: Hasher, new: Callable[[], Hasher], kind: str) -> None:
    """Verify the chain as ``old`` hashed it, then rewrite it hashed by ``new``."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_event).order_by(_event.c.sequence)).all()
    head = connection.execute(sa.select(_head.c.sequence, _head.c.hash)).first()
    if not rows:
        return
    prev = GENESIS
    for number, row in enumerate(rows, 1):
        problem = ""
        if row.sequence != number:
            problem = f"event {number} is missing"
        elif row.prev_hash != prev:
            problem = f"event {number} does not follow event {number - 1}"
        elif not hmac.compare_digest(old(_body(row, row.prev_hash)), row.hash):
            problem = f"event {number} was altered after it was written"
        if problem:
            raise ConfigurationError(
                f"the audit trail is already broken ({problem}), so it is not {kind}: that"
                " would make a tampered trail verify. Restore the database from a backup"
                " taken before the break, or keep this LRS Desk version until it is examined"
            )
        prev = row.hash
    if head is None or (head.sequence, head.hash) != (len(rows), prev):
        raise ConfigurationError(
            f"the audit trail is already broken (its newest events after {len(rows)} were"
            f" removed), so it is not {kind}. Restore the database from a backup"
        )
    hasher = new()
    prev = GENESIS
    changed = []
    for row in rows:
        digest = hasher(_body(row, prev))
        changed.append({"b_id": row.id, "b_prev": prev, "b_hash": digest})
        prev = digest
    connection.execute(
        sa.update(_event)
        .where(_event.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")),
        changed,
    )
    connection.execute(sa.update(_head).where(_head.c.id == 1).values(hash=prev))


def _audit_key() -> bytes:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    return secrets.application_key("audit-key", create=is_sqlite).key


def upgrade() -> None:
    _rehash(_unkeyed, lambda: _keyed(_audit_key()), "re-keyed")


def downgrade() -> None:
    key = _audit_key() if op.get_bind().execute(sa.select(_event.c.id).limit(1)).first() else b""
    _rehash(_keyed(key), lambda: _unkeyed, "un-keyed")
