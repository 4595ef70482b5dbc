"""The second factor in the app: the code step at sign-in, setting one up, and an admin's
reset. Issue 9 item 8. Pilot tests run on SQLite, and PostgreSQL when configured;
snapshots (80x24 and 120x40) on SQLite with a fixed synthetic secret."""

from __future__ import annotations

import pytest
from factories import TOTP_SECRET, MovableClock, audit_log, next_code
from test_tui_snapshots import SIZES, SnapCompare, desk_app, steady
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_drive import KNOWN_PASSWORD, DeskOperator, Keys, add_operator

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.services import Services
from lrs_core.services.operators import SIGN_IN_FAILED
from lrs_tui.app import LrsDeskApp
from lrs_tui.formatting import sentence
from lrs_tui.screens.agreement import AgreementScreen
from lrs_tui.screens.change_password import ChangePasswordScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.second_factor import EnrolSecondFactorScreen, ResetSecondFactorScreen
from lrs_tui.screens.sign_in import SignInScreen
from lrs_tui.widgets.message_line import MessageLine

ADMIN = DeskOperator("ada.admin", KNOWN_PASSWORD, "Ada Admin")


def enrolled_admin(services: Services, clock: MovableClock) -> DeskOperator:
    otp = add_operator(services, ADMIN.username, ADMIN.display_name, "admin")
    actor = services.operators.sign_in(ADMIN.username, otp).actor
    services.operators.change_password(actor, otp, KNOWN_PASSWORD)
    services.operators.confirm_enrolment(actor, TOTP_SECRET, next_code(clock))
    return ADMIN


@pytest.fixture
def fixed_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enrolment shows a synthetic test secret, never a random (or real) one."""
    monkeypatch.setattr(second_factor, "new_secret", lambda: TOTP_SECRET)


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def shown(widget: Input) -> bool:
    return widget.display and widget.styles.display != "none"


async def test_sign_in_asks_for_the_code_after_the_right_password(
    services: Services, clock: MovableClock
) -> None:
    admin = enrolled_admin(services, clock)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, admin.username, admin.password)
        screen = app.screen
        assert isinstance(screen, SignInScreen) and screen.asking_for_code
        code = screen.query_one("#code", Input)
        assert code.has_focus
        assert not screen.query_one("#password", Input).display  # the password step is over
        assert screen.query_one("#password", Input).value == ""  # and nothing is on screen
        assert "six-digit code" in message(app)

        await Keys.type(pilot, next_code(clock))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, AgreementScreen)
        assert app.signed_in is not None and app.signed_in.actor.username == admin.username


async def test_a_wrong_code_starts_again_with_the_one_message(
    services: Services, clock: MovableClock
) -> None:
    # Issue 9 item 8: wrong codes get the same single failure message as wrong passwords.
    admin = enrolled_admin(services, clock)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, admin.username, admin.password)
        await Keys.type(pilot, "000000" if next_code(clock) != "000000" else "111111")
        await pilot.press("enter")
        await Keys.settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen) and not screen.asking_for_code
        assert message(app) == sentence(SIGN_IN_FAILED)
        assert screen.query_one("#password", Input).has_focus
        assert screen.query_one("#username", Input).value == admin.username


async def test_escape_at_the_code_step_starts_again(
    services: Services, clock: MovableClock
) -> None:
    admin = enrolled_admin(services, clock)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, admin.username, admin.password)
        await pilot.press("escape")
        await Keys.settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen) and not screen.asking_for_code
        assert screen.query_one("#password", Input).has_focus


async def test_a_new_admin_sets_up_the_second_factor_before_the_desk_opens(
    services: Services, clock: MovableClock, fixed_secret: None
) -> None:
    otp = add_operator(services, ADMIN.username, ADMIN.display_name, "admin")
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, DeskOperator(ADMIN.username, otp, ADMIN.display_name))
        assert isinstance(app.screen, ChangePasswordScreen)
        await Keys.burst(pilot, f"{otp}\r{KNOWN_PASSWORD}\r{KNOWN_PASSWORD}\r")
        screen = app.screen
        assert isinstance(screen, EnrolSecondFactorScreen)
        secret = str(screen.query_one("#secret", Static).content)
        assert secret.replace(" ", "") == TOTP_SECRET
        assert screen.query_one("#code", Input).has_focus

        await Keys.type(pilot, "12345")  # too short: the core names the field
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app).startswith("Code: must be the six digits")
        assert isinstance(app.screen, EnrolSecondFactorScreen)

        await Keys.type(pilot, second_factor.code_at(TOTP_SECRET, clock.now))
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    with pytest.raises(Exception, match="six-digit"):
        services.operators.sign_in(ADMIN.username, KNOWN_PASSWORD)  # a code is needed now


async def test_an_admin_resets_a_second_factor_from_the_palette(
    services: Services, admin: Actor, clock: MovableClock
) -> None:
    # Issue 9 item 8: recovery is an admin resetting another operator's second factor.
    otp = add_operator(services, "bo.admin", "Bo Admin", "admin")
    bo = services.operators.sign_in("bo.admin", otp).actor
    services.operators.change_password(bo, otp, KNOWN_PASSWORD)
    services.operators.confirm_enrolment(bo, TOTP_SECRET, next_code(clock))

    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, "ada.admin", "Desk-Admin-2026")  # tests/conftest.py's admin
        await Keys.type(pilot, next_code(clock))
        await pilot.press("enter")
        await Keys.settle(pilot)
        await pilot.press("a")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        app.action_reset_second_factor()
        await Keys.settle(pilot)
        assert isinstance(app.screen, ResetSecondFactorScreen)
        await Keys.type(pilot, "bo.admin")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    entry = audit_log(services, actions=["reset-second-factor"], limit=1)[0]
    assert entry.actor == "ada.admin" and entry.detail["username"] == "bo.admin"


# -- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_sign_in_code_step(
    snap_compare: SnapCompare, sqlite_services: Services, clock: MovableClock, size: tuple[int, int]
) -> None:
    admin = enrolled_admin(sqlite_services, clock)

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.sign_in(pilot, admin.username, admin.password)
        await Keys.type(pilot, "123")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))


@pytest.mark.parametrize("size", SIZES)
def test_second_factor_enrolment(
    snap_compare: SnapCompare, sqlite_services: Services, fixed_secret: None, size: tuple[int, int]
) -> None:
    otp = add_operator(sqlite_services, ADMIN.username, ADMIN.display_name, "admin")
    actor = sqlite_services.operators.sign_in(ADMIN.username, otp).actor
    sqlite_services.operators.change_password(actor, otp, KNOWN_PASSWORD)

    async def drive(pilot: Pilot[None]) -> None:
        await Keys.reach_home(pilot, ADMIN)
        await Keys.type(pilot, "12345")
        await pilot.press("enter")

    app = desk_app(sqlite_services)
    assert snap_compare(app, terminal_size=size, run_before=steady(drive))
