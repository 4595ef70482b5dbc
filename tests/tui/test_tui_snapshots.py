"""What each screen looks like at 80x24 (the desk's SSH terminals) and at 120x40.

SQLite only and a fixed clock, so each test has exactly one SVG that never changes by itself.
Look at a changed SVG before accepting it with --snapshot-update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from tui_drive import DeskOperator, Keys

from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SnapCompare = Callable[..., bool]
Drive = Callable[[Pilot[None]], Awaitable[None]]


def desk_app(services: Services) -> LrsDeskApp:
    # A fixed label: the real one names a temporary file that changes every run.
    return LrsDeskApp(services, database_label="sqlite:///lrs-desk.sqlite3")


def steady(drive: Drive | None = None) -> Drive:
    """Run the keys, wait for every worker, then stop the cursor blinking."""

    async def run_before(pilot: Pilot[None]) -> None:
        if drive is not None:
            await drive(pilot)
        await Keys.settle(pilot)
        Keys.stop_blinking(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_sign_in_empty(
    snap_compare: SnapCompare, sqlite_services: Services, size: tuple[int, int]
) -> None:
    assert snap_compare(desk_app(sqlite_services), terminal_size=size, run_before=steady())


@pytest.mark.parametrize("size", SIZES)
def test_sign_in_wrong_password(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.sign_in(pilot, snapshot_operator.username, "not-my-password")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
def test_agreement(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.sign_in(pilot, snapshot_operator.username, snapshot_operator.password)

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
def test_change_password_required_with_policy_error(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_otp_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, snapshot_otp_operator)  # stops at change password
        await Keys.type(pilot, snapshot_otp_operator.password)
        await pilot.press("enter")
        await Keys.type(pilot, "weakpass")
        await pilot.press("enter")
        await Keys.type(pilot, "weakpass")
        await pilot.press("enter")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
def test_home(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, snapshot_operator)

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
def test_lock_after_idle_with_wrong_password(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    snapshot_operator: DeskOperator,
    size: tuple[int, int],
) -> None:
    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, snapshot_operator)
        # What the idle timer does after the configured 15 minutes, without the wait.
        app = pilot.app
        assert isinstance(app, LrsDeskApp)
        app.lock(idle=True)
        await Keys.settle(pilot)
        await Keys.type(pilot, "not-my-password")
        await pilot.press("enter")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))
