"""PostgreSQL roles for a deployment: an owner role that runs migrations, and an application
role that runs LRS Desk and may not change or remove what the audit trail holds.

``lrs-desk db grant ROLE`` (run as the owner, after every ``db upgrade``) gives the
application role what the app needs, table by table, from the models: every table in full,
except the audit trail's. There the role may only read and add events: an UPDATE or a DELETE
of an event, or a TRUNCATE, is refused by PostgreSQL itself, whoever holds the app's
password or its audit key.

The chain head needs UPDATE, since every append moves it (and ``SELECT ... FOR UPDATE``,
which serialises appends, needs it too). What that allows: the application role can set the
head to any sequence and hash, an earlier event's included. It still cannot change or delete
a single event, so whatever it does to the head is reported, not hidden: a head that is not
the newest event fails ``audit verify`` ("the newest events ... were removed"), and the next
append after a rewound head collides with an existing sequence (unique) or breaks the next
link. The role can also add events at the end, as the app does; history already written,
pinned by a checkpoint kept outside the database, stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from lrs_core.db.database import Database
from lrs_core.db.models import AuditChainHead, AuditEvent, Base
from lrs_core.errors import ConfigurationError, ValidationError

FULL = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Tables the application role may not use in full: the audit trail.
LIMITED: dict[str, tuple[str, ...]] = {
    AuditEvent.__tablename__: ("SELECT", "INSERT"),  # append-only
    AuditChainHead.__tablename__: ("SELECT", "UPDATE"),  # see the module's docstring
}
READ_ONLY = ("alembic_version",)  # the app checks the schema is current at start


@dataclass(frozen=True)
class Grant:
    table: str
    privileges: tuple[str, ...]


def application_grants() -> list[Grant]:
    """What the application role gets, table by table (new tables are in full)."""
    grants = [Grant(t.name, LIMITED.get(t.name, FULL)) for t in Base.metadata.sorted_tables]
    return grants + [Grant(name, ("SELECT",)) for name in READ_ONLY]


def grant_application_role(db: Database, role: str) -> list[Grant]:
    """Give ``role`` exactly the application's privileges on ``db``'s tables, taking away any
    others it had (so running it again after an upgrade, or after a hand-made GRANT, gives
    the same result). Runs as the owner; refuses a role that could bypass the grants."""
    if db.is_sqlite:
        raise ConfigurationError(
            "roles are a PostgreSQL matter: the embedded SQLite database is one person's file"
        )
    db.require_current_schema()
    grants = application_grants()
    with db.engine.begin() as connection:
        found = connection.execute(
            text(
                "SELECT r.rolsuper, r.rolbypassrls, pg_has_role(:role, t.tableowner, 'MEMBER')"
                " FROM pg_roles r, pg_tables t WHERE r.rolname = :role"
                " AND t.tablename = :table AND t.schemaname = current_schema()"
            ),
            {"role": role, "table": AuditEvent.__tablename__},
        ).first()
        if found is None:
            raise ValidationError(
                "Role",
                f"PostgreSQL has no role {role!r}: create it first (CREATE ROLE ... LOGIN)",
            )
        superuser, bypass, owner = found
        if superuser or bypass or owner:
            raise ValidationError(
                "Role",
                f"{role!r} owns the tables or is a superuser, so no grant can limit it:"
                " the application role must be a role of its own",
            )
        quote = connection.dialect.identifier_preparer.quote
        who, schema = (
            quote(role),
            quote(connection.execute(text("SELECT current_schema()")).scalar_one()),
        )
        statements = [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}",
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            *(
                f"GRANT {', '.join(g.privileges)} ON {schema}.{quote(g.table)} TO {who}"
                for g in grants
            ),
            # nextval() for the id columns; no setval (UPDATE), which only the demo seed uses.
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        ]
        for statement in statements:
            connection.execute(text(statement))
    return grants
