"""Fixtures for the TUI tests. Pilot tests use `services` (SQLite, and PostgreSQL when
LRS_TEST_DATABASE_URL is set); snapshot tests use `sqlite_services`, one SVG per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_drive import DeskOperator, new_operator, settled_operator

from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.services import Services
from lrs_core.services.audit import Clock
from lrs_tui.screens.agreement import AgreementScreen


@pytest.fixture(autouse=True)
def _no_reading_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests accept the agreement at once; the pause itself has its own test."""
    monkeypatch.setattr(AgreementScreen, "READING_PAUSE", 0.0)


@pytest.fixture
def desk_operator(services: Services) -> DeskOperator:
    return settled_operator(services)


@pytest.fixture
def otp_operator(services: Services) -> DeskOperator:
    return new_operator(services)


@pytest.fixture
def sqlite_services(
    sqlite_template: Path, tmp_path: Path, settings: Settings, clock: Clock
) -> Iterator[Services]:
    path = tmp_path / "lrs-desk.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield Services(db, settings, clock)
    db.dispose()


@pytest.fixture
def snapshot_operator(sqlite_services: Services) -> DeskOperator:
    return settled_operator(sqlite_services)


@pytest.fixture
def snapshot_otp_operator(sqlite_services: Services) -> DeskOperator:
    return new_operator(sqlite_services)
