"""Shared fixtures. Every test that touches storage runs on SQLite and, when
LRS_TEST_DATABASE_URL is set, again on PostgreSQL (in a database it creates and drops)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import factories
import keyring
import pytest
from factories import BACKENDS, scratch_postgres
from keyring.backends import fail
from sqlalchemy import create_engine, text

from lrs_core import secrets
from lrs_core.actor import Actor
from lrs_core.config import Settings, load_settings
from lrs_core.db.database import Database
from lrs_core.db.models import Base, UlnAllocation
from lrs_core.services import Services
from lrs_core.services.audit import GENESIS


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's own config, data dir or secrets."""
    for name in list(os.environ):
        if name.startswith("LRS_") and name != "LRS_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    # A developer's own keyring is never read or written; keys come from the environment.
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    for name in secrets.APPLICATION_KEYS:
        monkeypatch.setenv(secrets.env_name(name), f"test-{name}-not-a-real-secret")
    monkeypatch.setenv("LRS_CONFIG", str(Path(__file__).parent.parent / "config/lrs-desk.toml"))


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(factories.TEST_NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated from empty; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, migrated from empty."""
    with scratch_postgres() as url:
        db = Database(url)
        db.upgrade()
        db.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each backend with nothing in it: not even migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with scratch_postgres() as url:
            yield url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, :h)"),
            {"h": GENESIS},
        )
        connection.execute(
            text("INSERT INTO uln_allocation (id, next_serial) VALUES (1, :s)"),
            {"s": UlnAllocation.FIRST_SERIAL},
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend under test."""
    if request.param == "sqlite":
        path = tmp_path / "lrs.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def services(db: Database, settings: Settings, clock: FixedClock) -> Services:
    return Services(db, settings, clock)


ADMIN_PASSWORD = "Desk-Admin-2026"


@pytest.fixture
def admin(services: Services, clock: FixedClock) -> Actor:
    """A desk admin (ada.admin / Desk-Admin-2026) with a second factor from TOTP_SECRET,
    written straight into the database: no audit event, so the trail a test inspects holds
    only its own events."""
    with services.db.transaction() as session:
        return factories.operator(
            session,
            "ada.admin",
            "admin",
            ADMIN_PASSWORD,
            now=clock(),
            totp_key=services.key("totp-key").key,
        )


@pytest.fixture
def agent(services: Services, admin: Actor) -> Actor:
    """A signed-in desk agent with their own password (kim.lee / Desk-Shift-2026), added by
    an admin as at the desk."""
    otp = services.operators.add(admin, "kim.lee", "agent").one_time_password
    actor = services.operators.sign_in("kim.lee", otp).actor
    services.operators.change_password(actor, otp, "Desk-Shift-2026")
    return actor
