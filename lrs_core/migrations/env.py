"""Alembic environment: migrates whichever database `Database.upgrade` points it at."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from lrs_core.db.models import Base

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if url is None:
        raise RuntimeError("migrations need a database URL: run them through `lrs-desk db upgrade`")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
