"""Schema changes go through Alembic: migrating from empty gives exactly the models'
schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lrs_core.db.database import Database, SchemaState
from lrs_core.db.models import Base
from lrs_core.errors import ConfigurationError


def test_migrated_schema_matches_the_models(db: Database) -> None:
    assert db.schema_state() is SchemaState.CURRENT
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_from_empty_down_and_up_again(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    assert db.schema_state() is SchemaState.EMPTY
    with pytest.raises(ConfigurationError, match="lrs-desk db upgrade"):
        db.require_current_schema()
    db.upgrade()
    assert db.schema_state() is SchemaState.CURRENT
    db.require_current_schema()
    db.upgrade()  # idempotent

    from alembic import command

    from lrs_core.db.database import alembic_config

    command.downgrade(alembic_config(db.url), "base")
    assert db.schema_state() is SchemaState.EMPTY
    db.upgrade()
    assert db.schema_state() is SchemaState.CURRENT
    db.dispose()
