"""LRS Desk driven as an operator would drive it: sign-in, the User Agreement at every
sign-in, forced and voluntary password changes, the idle lock and signing out.
DOMAIN.md "Accounts and super users". Runs on SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import MovableClock, audit_log
from textual import events
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, MarkdownViewer, Static
from tui_drive import KNOWN_PASSWORD, DeskOperator, Keys

from lrs_core.errors import AuthenticationFailed, ConfigurationError
from lrs_core.permissions import PERMISSION_LABELS, Permission
from lrs_core.services import Services
from lrs_core.services.operators import SIGN_IN_FAILED
from lrs_tui.app import LrsDeskApp
from lrs_tui.formatting import sentence
from lrs_tui.screens.agreement import DECLINED, AgreementScreen
from lrs_tui.screens.change_password import ChangePasswordScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.lock import LockScreen
from lrs_tui.screens.sign_in import SignInScreen
from lrs_tui.widgets.message_line import MessageLine

NEW_PASSWORD = "Fresh-Start-42"


def message(app: LrsDeskApp) -> str:
    return app.screen.query_one(MessageLine).text


def texts(app: LrsDeskApp) -> str:
    """Everything the current screen's labels say, one per line."""
    return "\n".join(str(label.content) for label in app.screen.query(Label))


def stack(app: LrsDeskApp) -> list[type]:
    return [type(screen) for screen in app.screen_stack]


# -- sign-in ----------------------------------------------------------------------------


async def test_wrong_password_says_only_that_sign_in_was_refused(
    services: Services, desk_operator: DeskOperator
) -> None:
    # Issue 9 item 7: one message for every failure, no "tries left" for known names.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, desk_operator.username, "Not-the-password-1")

        assert isinstance(app.screen, SignInScreen)
        assert message(app) == sentence(SIGN_IN_FAILED)
        assert "tries left" not in message(app)
        password = app.screen.query_one("#password", Input)
        assert password.value == "" and password.has_focus
        assert app.screen.query_one("#sign-in", Button).disabled is False
        assert app.signed_in is None


async def test_enter_in_username_moves_to_password_without_submitting(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.type(pilot, desk_operator.username)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen.query_one("#password", Input).has_focus
        assert message(app) == ""  # nothing was sent to the core


async def test_keys_typed_in_one_burst_land_in_the_right_fields(
    services: Services, desk_operator: DeskOperator
) -> None:
    # A password manager, a paste or SSH delivers keys faster than the app handles them.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst = [*desk_operator.username, "enter", *desk_operator.password, "enter"]
        for key in burst:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await Keys.settle(pilot)
        assert isinstance(app.screen, AgreementScreen)


async def test_errors_from_the_core_are_shown_never_raised(
    services: Services, desk_operator: DeskOperator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(username: str, password: str, code: str | None = None, **_: bool) -> None:
        raise ConfigurationError("cannot reach the database at postgresql://desk@db/lrs")

    monkeypatch.setattr(services.operators, "sign_in", unreachable)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)
        assert message(app) == "Cannot reach the database at postgresql://desk@db/lrs."

        def broken(username: str, password: str, code: str | None = None, **_: bool) -> None:
            raise RuntimeError("driver exploded")

        monkeypatch.setattr(services.operators, "sign_in", broken)
        # The username is still there and the cursor is back in the password.
        await Keys.type(pilot, desk_operator.password)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app).startswith("Something went wrong (RuntimeError)")
        assert "driver exploded" not in message(app)  # no internals on screen
        assert app.is_running


async def test_the_sign_in_screen_names_the_database_without_its_password(
    services: Services,
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one("#database", Static).content)
        assert shown == f"Database: {services.db.display_url}"
        assert services.db.url.password is None or "***" in shown


# -- the User Agreement and home --------------------------------------------------------


async def test_accepting_the_agreement_reaches_home_with_name_role_and_permissions(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)

        assert isinstance(app.screen, AgreementScreen)
        agreement = app.screen.query_one(MarkdownViewer).document.source
        assert "**7.6** You must encrypt zip files" in agreement
        await pilot.press("a")
        await Keys.settle(pilot)

        assert isinstance(app.screen, HomeScreen)
        shown = texts(app)
        assert "Sam Okafor (sam.okafor)" in shown
        assert "analyst" in shown
        # The fixture's own sign-in at the fixed clock is the previous one.
        assert "Mon 23 Nov 2026, 10:00" in shown
        assert "expires Wed 6 Jan 2027 (in 44 days)" in shown
        assert "Register a learner" in shown and "ctrl+r" in shown
        assert "Reset an operator's second factor" not in shown  # admins only
        # Only what exists: data challenges are not built yet, so not advertised.
        assert PERMISSION_LABELS[Permission.RESOLVE_CHALLENGE] not in shown
        assert app.signed_in is not None and app.signed_in.actor.username == "sam.okafor"


async def test_declining_the_agreement_signs_out(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)
        await pilot.press("d")
        await Keys.settle(pilot)

        assert stack(app) == [SignInScreen]
        assert message(app) == DECLINED
        assert app.signed_in is None
        assert app.screen.query_one("#username", Input).value == ""
        await app.workers.wait_for_complete()
    actions = [e.action for e in audit_log(services, limit=2)]
    assert actions == ["sign-out", "decline-agreement"]


async def test_a_declined_sign_in_is_not_shown_as_the_last_sign_in(
    services: Services, desk_operator: DeskOperator, clock: MovableClock
) -> None:
    # Issue 10 item 8 (DOMAIN.md "Accounts": declining returns to the login screen): home's
    # "last sign-in" is the last time the operator got into the desk.
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.now = datetime(2026, 11, 23, 11, 15, tzinfo=UTC)
        await Keys.reach_home(pilot, desk_operator)  # accepted at 11:15
        await pilot.press("ctrl+o")
        await Keys.settle(pilot)
        clock.now = datetime(2026, 11, 23, 14, 40, tzinfo=UTC)
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)
        await pilot.press("d")  # declined at 14:40
        await Keys.settle(pilot)
        clock.now = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
        await Keys.reach_home(pilot, desk_operator)
        assert isinstance(app.screen, HomeScreen)
        assert "Mon 23 Nov 2026, 11:15" in texts(app)
        assert "14:40" not in texts(app)


async def test_the_agreement_is_shown_again_at_the_next_sign_in(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+o")
        await Keys.settle(pilot)
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)
        assert isinstance(app.screen, AgreementScreen)
        await app.workers.wait_for_complete()
    # Both answers and the sign-out between them are in the audit trail.
    actions = [e.action for e in audit_log(services, limit=4)]
    assert actions == ["sign-in", "sign-out", "accept-agreement", "sign-in"]


# -- one-time password: the forced change -----------------------------------------------


async def test_one_time_password_leads_to_change_password_then_home(
    services: Services, otp_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, otp_operator)

        screen = app.screen
        assert isinstance(screen, ChangePasswordScreen)
        assert "one-time password" in str(screen.query_one("#reason", Static).content)
        assert "first sign-in" not in texts(app)  # home is not reached yet
        assert screen.query_one("#current", Input).has_focus

        # A weak password: the core's policy message, with the field's name.
        await Keys.type(pilot, otp_operator.password)
        await pilot.press("enter")
        await Keys.type(pilot, "weakpass")
        await pilot.press("enter")
        await Keys.type(pilot, "weakpass")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app).startswith("New password: must use at least three of")
        assert screen.query_one("#new", Input).has_focus

        # Two different copies never reach the core.
        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await Keys.type(pilot, NEW_PASSWORD + "x")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app) == "The new password and its confirmation are different."
        assert isinstance(app.screen, ChangePasswordScreen)

        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "first sign-in" in texts(app)
        assert stack(app) == [SignInScreen, HomeScreen]

    # The core now knows the new password and no longer asks for a change.
    again = services.operators.sign_in(otp_operator.username, NEW_PASSWORD)
    assert again.password_change_reason is None


async def test_a_required_change_cannot_be_escaped(
    services: Services, otp_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, otp_operator)
        await pilot.press("escape")
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChangePasswordScreen)
        assert not app.screen.query("#cancel")
        await pilot.click("#sign-out")
        await Keys.settle(pilot)
        assert stack(app) == [SignInScreen]


async def test_change_password_from_the_palette_at_any_time(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        app.action_change_password()
        await Keys.settle(pilot)
        assert isinstance(app.screen, ChangePasswordScreen)
        await pilot.press("escape")  # a voluntary change can be cancelled
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)

        app.action_change_password()
        await Keys.settle(pilot)
        await Keys.type(pilot, "Wrong-current-1")
        await pilot.press("enter")
        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app) == "The current password is wrong (2 tries left)."
        assert app.screen.query_one("#current", Input).has_focus

        await Keys.type(pilot, KNOWN_PASSWORD)
        # New and confirm are still filled in: Enter moves through them, then submits.
        await pilot.press("enter", "enter", "enter")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert [n.message for n in app._notifications] == ["Your password has been changed."]
    assert services.operators.sign_in(desk_operator.username, NEW_PASSWORD)


async def test_locking_while_a_change_is_checked_keeps_the_lock(
    services: Services, desk_operator: DeskOperator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The core's answer must not take the lock down with it: the change finishes only
    # once the operator has unlocked.
    import threading

    release = threading.Event()
    original = services.operators.change_password

    def slow_change(*args: object) -> None:
        release.wait(5)
        original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(services.operators, "change_password", slow_change)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        app.action_change_password()
        await Keys.settle(pilot)
        await Keys.type(pilot, KNOWN_PASSWORD)
        await pilot.press("enter")
        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await Keys.type(pilot, NEW_PASSWORD)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        release.set()
        await Keys.settle(pilot)
        assert stack(app) == [SignInScreen, HomeScreen, ChangePasswordScreen, LockScreen]
        assert app.locked

        await Keys.type(pilot, NEW_PASSWORD)  # the change went through: the new one unlocks
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert stack(app) == [SignInScreen, HomeScreen]
        assert not app.locked


# -- the idle lock ----------------------------------------------------------------------


async def wait_for_lock(pilot: Pilot[None], seconds: float) -> None:
    """Real time must pass for an idle timer: poll in small steps, up to a limit."""
    for _ in range(int(seconds / 0.05)):
        if isinstance(pilot.app.screen, LockScreen):
            return
        await pilot.pause(0.05)


async def test_idle_session_locks_and_unlocking_returns_to_the_same_screen(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services, idle_lock_minutes=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        # Shorten the timeout only once home is showing: a slow machine must not lock earlier.
        app.idle_lock_minutes = 1 / 60  # one second
        await wait_for_lock(pilot, 5)
        await Keys.settle(pilot)

        lock = app.screen
        assert isinstance(lock, LockScreen)
        assert stack(app) == [SignInScreen, HomeScreen, LockScreen]  # pushed over home
        home = app.screen_stack[1]
        assert "Session locked after 1 second of inactivity" in str(
            lock.query_one("#reason", Static).content
        )
        assert lock.query_one("#password", Input).has_focus

        await Keys.type(pilot, desk_operator.password)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert app.screen is home  # the very same screen, as it was
        assert app.locked is False


async def test_keys_and_the_mouse_count_as_activity(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.pause(0.3)
        idle_before = app.seconds_idle
        assert idle_before >= 0.3
        await pilot.press("down")
        assert app.seconds_idle < idle_before  # the key restarted the idle clock
        await pilot.pause(0.3)
        idle_before = app.seconds_idle
        # As the terminal driver delivers it (Pilot.hover would skip the app's on_event).
        app.post_message(events.MouseMove(None, 5, 5, 1, 0, 0, False, False, False, 5, 5))
        await pilot.pause()
        assert app.seconds_idle < idle_before


async def test_wrong_unlock_password_then_lockout_signs_out(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+l")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LockScreen)

        await Keys.type(pilot, "Wrong-pass-1")
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert message(app) == "Wrong password (2 tries left)."
        assert isinstance(app.screen, LockScreen)

        for attempt in ("Wrong-pass-2", "Wrong-pass-3"):
            await Keys.type(pilot, attempt)
            await pilot.press("enter")
            await Keys.settle(pilot)

        assert stack(app) == [SignInScreen]
        assert "the account is now locked" in message(app).lower()
        assert app.signed_in is None
    with pytest.raises(AuthenticationFailed, match="locked"):
        services.operators.sign_in(desk_operator.username, desk_operator.password)


async def test_the_palette_is_not_reachable_while_locked(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+l")
        await Keys.settle(pilot)
        await pilot.press("ctrl+p")
        await Keys.settle(pilot)
        assert isinstance(app.screen, LockScreen)


# -- signing out and the command palette -------------------------------------------------


async def test_ctrl_o_signs_out_and_forgets_the_operator(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+o")
        await Keys.settle(pilot)

        assert stack(app) == [SignInScreen]
        assert app.signed_in is None
        assert message(app) == "You are signed out."
        assert app.screen.query_one("#username", Input).has_focus
        # Signed out: no lock and no second sign-out in the footer's bindings.
        assert {"ctrl+l", "ctrl+o"}.isdisjoint(app.screen.active_bindings)


async def palette_titles(pilot: Pilot[None]) -> list[str]:
    await pilot.press("ctrl+p")
    await Keys.settle(pilot)
    await pilot.pause(0.2)  # the palette gathers its discovery hits asynchronously
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(CommandList).options
    return [str(option.hit.text) for option in options]  # type: ignore[attr-defined]


async def test_the_command_palette_offers_the_session_commands(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Sign out" not in await palette_titles(pilot)
        await pilot.press("escape")
        await Keys.reach_home(pilot, desk_operator)

        titles = await palette_titles(pilot)
        for title in ("Sign out", "Lock the session", "Change my password", "Theme", "Quit"):
            assert title in titles
        assert "Screenshot" not in titles

        await Keys.type(pilot, "sign out")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await Keys.settle(pilot)
        assert stack(app) == [SignInScreen]


async def test_only_themes_that_suit_the_desks_terminals_are_offered(
    services: Services,
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)):
        assert app.theme == "lrs-ansi"  # lrs_tui/theme.py: legible on dark and light alike
        assert set(app.available_themes) == {
            "lrs-ansi",
            "ansi-dark",
            "ansi-light",
            "textual-dark",
            "textual-light",
        }


async def test_a_crash_report_never_shows_a_typed_password(services: Services) -> None:
    # Textual's own crash report shows local variables; a password may be one of them.
    typed = "".join(["Typed-", "Secret-77"])  # built, so the source listing cannot show it
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)):
        try:
            password = typed  # noqa: F841 - the local the report must not show
            raise RuntimeError("unexpected")
        except RuntimeError:
            app._fatal_error()  # what Textual calls on an unhandled exception
            report = "".join(
                segment.text
                for renderable in app._exit_renderables
                for segment in renderable.segments
            )
    assert "RuntimeError" in report
    assert "Typed-Secret-77" not in report


async def test_quitting_while_signed_in_is_an_audited_sign_out(
    services: Services, desk_operator: DeskOperator
) -> None:
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.reach_home(pilot, desk_operator)
        await pilot.press("ctrl+q")
        await pilot.pause()
    last = audit_log(services, limit=1)[0]
    assert (last.action, last.actor, last.detail) == (
        "sign-out",
        desk_operator.username,
        {"reason": "quit LRS Desk"},
    )


async def test_an_accept_typed_ahead_does_not_accept_the_agreement_unseen(
    services: Services, desk_operator: DeskOperator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long pause, so that however slow the machine the first "a" comes too soon.
    monkeypatch.setattr(AgreementScreen, "READING_PAUSE", 60.0)
    app = LrsDeskApp(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await Keys.sign_in(pilot, desk_operator.username, desk_operator.password)
        await pilot.press("a")  # as if typed with the sign-in keys, before anyone could read
        await Keys.settle(pilot)
        assert isinstance(app.screen, AgreementScreen)
        monkeypatch.setattr(AgreementScreen, "READING_PAUSE", 0.0)  # the pause is over
        await pilot.press("a")
        await Keys.settle(pilot)
        assert isinstance(app.screen, HomeScreen)
