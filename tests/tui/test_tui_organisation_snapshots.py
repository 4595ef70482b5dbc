"""The organisation and super-user-case screens at 80x24 (the desk's SSH terminals) and
120x40 (issue 12 "Done when"): the organisation view, the case form at its call-back step,
the second admin's review and the one-time password modal. SQLite, a fixed clock and a fixed
one-time password (a test constant, never a real secret), so each SVG is stable. Look at a
changed SVG before accepting it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from factories import desk_admin, operator
from test_tui_organisations import (
    ADMIN,
    FIXED_OTP,
    RIVERSIDE,
    SECOND_ADMIN,
    prepare,
    reach_home,
    seed,
)
from test_tui_snapshots import SIZES, SnapCompare, desk_app, steady
from textual.pilot import Pilot
from tui_drive import DeskOperator, Keys

from lrs_core.actor import Actor
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.accounts.case_review import CaseReviewScreen

Drive = Callable[[Pilot[None]], Awaitable[None]]


def admins(services: Services) -> Actor:
    """ada.admin (who prepares) and other.admin (who approves), each with a second factor."""
    with services.db.transaction() as session:
        key = services.key("totp-key").key
        now = services.operators.clock()
        ada = operator(session, ADMIN.username, "admin", ADMIN.password, now=now, totp_key=key)
    desk_admin(services, SECOND_ADMIN.username)
    return ada


def check(
    snap_compare: SnapCompare,
    services: Services,
    who: DeskOperator,
    size: tuple[int, int],
    then: Drive,
) -> bool:
    async def drive(pilot: Pilot[None]) -> None:
        await reach_home(pilot, who, services.operators.clock)  # type: ignore[arg-type]
        await then(pilot)

    return snap_compare(desk_app(services), terminal_size=size, run_before=steady(drive))


@pytest.fixture
def fixed_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lrs_core.services.super_user_cases.one_time_password", lambda: FIXED_OTP)


async def open_riverside(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+g")
    await Keys.settle(pilot)
    await Keys.type(pilot, RIVERSIDE)
    await pilot.press("enter")
    await Keys.settle(pilot)
    await pilot.press("enter")
    await Keys.settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_organisation_view(
    snap_compare: SnapCompare, sqlite_services: Services, size: tuple[int, int]
) -> None:
    # §3.1's warning, the portal permissions in words, users with §3.3's flags, its case.
    seed(sqlite_services)
    prepare(sqlite_services, admins(sqlite_services), upto=2)
    assert check(snap_compare, sqlite_services, ADMIN, size, open_riverside)


@pytest.mark.parametrize("size", SIZES)
def test_case_form_call_back_step(
    snap_compare: SnapCompare, sqlite_services: Services, size: tuple[int, int]
) -> None:
    # A prepared case reopened: it goes on at the call-back (§3.6: last, once the signatory
    # and the new super user are recorded), the register's number large beside what to confirm.
    seed(sqlite_services)
    prepare(sqlite_services, admins(sqlite_services), upto=3)

    async def then(pilot: Pilot[None]) -> None:
        await open_riverside(pilot)
        pilot.app.screen.query_one("#cases").focus()
        await pilot.press("enter")

    assert check(snap_compare, sqlite_services, ADMIN, size, then)


def _review(services: Services, reference: str) -> Drive:
    async def then(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, LrsDeskApp) and app.signed_in is not None
        await app.push_screen(CaseReviewScreen(services, app.signed_in.actor, reference))
        await Keys.settle(pilot)

    return then


@pytest.mark.parametrize("size", SIZES)
def test_approval_screen(
    snap_compare: SnapCompare, sqlite_services: Services, size: tuple[int, int]
) -> None:
    seed(sqlite_services)
    reference = prepare(sqlite_services, admins(sqlite_services))
    then = _review(sqlite_services, reference)
    assert check(snap_compare, sqlite_services, SECOND_ADMIN, size, then)


@pytest.mark.parametrize("size", SIZES)
def test_one_time_password_modal(
    snap_compare: SnapCompare,
    sqlite_services: Services,
    size: tuple[int, int],
    fixed_password: None,
) -> None:
    seed(sqlite_services)
    reference = prepare(sqlite_services, admins(sqlite_services))
    review = _review(sqlite_services, reference)

    async def then(pilot: Pilot[None]) -> None:
        await review(pilot)
        await pilot.press("a")
        await Keys.settle(pilot)
        await pilot.press("tab", "enter")  # from Cancel to Approve
        await Keys.settle(pilot)

    assert check(snap_compare, sqlite_services, SECOND_ADMIN, size, then)
