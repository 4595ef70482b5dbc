"""LRS Desk's Textual application: owns the session; the screens stay thin over lrs_core.

The screen stack always starts with the sign-in screen. Signing in pushes the User Agreement;
accepting it pushes the change-password screen (when the core asks for one), then setting up
the second factor (when the core says the operator must), and then home.
Signing out pops everything back to sign-in and forgets the operator. The idle lock is pushed
over whatever screen is showing, so nothing underneath is lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterable, Sequence
from time import monotonic
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError
from textual import events, on
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from lrs_core.domain.text import shown
from lrs_core.errors import LrsError
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.operators import SignIn
from lrs_tui.desk_actions import BY_ACTION, DESK_ACTIONS, DeskAction, When, app_bindings
from lrs_tui.formatting import duration, error_text
from lrs_tui.messages import SignedIn, SignOutRequested
from lrs_tui.screens.change_password import ChangePasswordScreen
from lrs_tui.screens.home import HomeScreen
from lrs_tui.screens.lock import LockScreen
from lrs_tui.screens.sign_in import SignInScreen
from lrs_tui.terminal_filter import ControlFilter
from lrs_tui.theme import LRS_ANSI, THEME_NAME
from lrs_tui.widgets.ordered_input import OrderedInput, enter_target

if TYPE_CHECKING:  # imported lazily at run time: keeps the first paint quick
    from lrs_core.services.learners import LearnerRecord
    from lrs_tui.screens.challenge_queue import ChallengeQueueScreen
    from lrs_tui.screens.find_learner import FindLearnerScreen
    from lrs_tui.screens.intake.queue import IntakeQueueScreen

# lrs-ansi (lrs_tui/theme.py) and ansi-* use the terminal's own 16 colours, so they read well
# over SSH; lrs-ansi, the default, on a dark and on a light background alike.
THEMES = (THEME_NAME, "ansi-dark", "ansi-light", "textual-dark", "textual-light")
SIGNED_OUT = "You are signed out."
# How often the footer's count of the analyst's own due-soon and breached challenges is read
# again with nothing else to prompt it (support time passing moves clocks into a warning).
CHALLENGE_COUNT_SECONDS = 60.0
CHALLENGE_COUNT_GROUP = "challenge-counts"


@runtime_checkable
class Leavable(Protocol):
    """A screen that may hold unsaved work: asked before the app closes it."""

    def may_leave(self, key: str) -> bool: ...


CONTROL_FILTER = ControlFilter()


class LrsDeskApp(App[None]):
    TITLE = "LRS Desk"
    CSS_PATH = "desk.tcss"
    # One mode whose base screen is sign-in. (A screen from get_default_screen() would not
    # get its CSS_PATH loaded in Textual 8.2.8; a mode's base screen does.)
    DEFAULT_MODE: ClassVar[str] = "desk"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Find, Register, Lock, Sign out, Quit: the keys of the declared actions. Find is a
        # priority binding, so it works from inside a text field too (where Textual's Input
        # would take ctrl+f to delete a word), as the footer promises.
        *app_bindings(),
        # Quit shows in the footer only before sign-in: once signed in, 80 columns are kept
        # for the screen's keys, Lock and Sign out; ctrl+q still quits (this second binding)
        # and the palette lists Quit.
        Binding("ctrl+q", "quit_signed_in", show=False, id="app.quit-signed-in", priority=True),
        Binding("ctrl+c", "help_quit", show=False, system=True),
        # Tab as a priority binding moves the focus as the key is read; as Textual's ordinary
        # screen binding it moves only after the focused input has taken the keys queued
        # behind it, so "Adam<Tab>Smith" arriving in one burst would all land in one field.
        Binding("tab", "focus_next", show=False, priority=True, id="app.focus-next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="app.focus-prev"),
        # Enter in a form's field moves to the next empty required field as the key is read,
        # as above, or submits the form (widgets/ordered_input.py: enter_target).
        Binding("enter", "enter_in_form", show=False, priority=True, id="app.enter-in-form"),
    ]

    def __init__(
        self,
        services: Services,
        *,
        idle_lock_minutes: float | None = None,
        database_label: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.idle_lock_minutes = (
            services.settings.accounts.idle_lock_minutes
            if idle_lock_minutes is None
            else idle_lock_minutes
        )
        # Where the operator is working; display_url never shows a password.
        self.database_label = database_label or services.db.display_url
        self.signed_in: SignIn | None = None
        self.locked = False
        self._desk_open = False  # agreement accepted and password in order
        self._last_input = monotonic()
        # The analyst's own (due soon, breached) challenges, for every screen's footer
        # (widgets/desk_footer.py subscribes); (0, 0) shows nothing.
        self.my_challenges: tuple[int, int] = (0, 0)
        self.my_challenges_changed: Signal[tuple[int, int]] = Signal(self, "my-challenges")
        self._count_timer: Timer | None = None
        self.register_theme(LRS_ANSI)
        for name in list(self.available_themes):
            if name not in THEMES:
                self.unregister_theme(name)
        self.theme = THEME_NAME
        self.add_mode(
            self.DEFAULT_MODE, lambda: SignInScreen(self.services.operators, self.database_label)
        )

    # -- screens -------------------------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Textual passes control characters in widget text through to the terminal.
        return [*super().get_line_filters(), CONTROL_FILTER]

    @property
    def sign_in_screen(self) -> SignInScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, SignInScreen)
        return screen

    def on_mount(self) -> None:
        # Poll rather than re-arm a timer on every key: cheap, and exact enough (<= 1 s late).
        seconds = self.idle_lock_minutes * 60
        self.set_interval(min(1.0, max(0.05, seconds / 5)), self._check_idle)

    # -- the session ---------------------------------------------------------------------

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        self.signed_in = message.sign_in
        self._last_input = monotonic()
        self.refresh_bindings()
        # Imported here: its Markdown parser would cost ~60 ms before the first paint.
        from lrs_tui.screens.agreement import AgreementScreen

        # The User Agreement at every sign-in (DOMAIN.md "Accounts and super users").
        self.push_screen(AgreementScreen(), callback=self._agreement_answered)

    def _agreement_answered(self, accepted: bool | None) -> None:
        if self.signed_in is None:
            return
        self._record(self.services.operators.record_agreement, self.signed_in.actor, bool(accepted))
        if not accepted:
            from lrs_tui.screens.agreement import DECLINED

            self.sign_out(DECLINED)
            return
        self._next_required_step()

    def _next_required_step(self) -> None:
        """What the core says must come before the desk opens: a new password, then a
        second factor; then home."""
        assert self.signed_in is not None
        reason = self.signed_in.password_change_reason
        if reason:
            screen = ChangePasswordScreen(
                self.services.operators, self.signed_in.actor, reason=reason
            )
            self.push_screen(screen, callback=self._required_change_done)
        elif self.signed_in.must_enrol_second_factor:
            from lrs_tui.screens.second_factor import EnrolSecondFactorScreen

            enrol = EnrolSecondFactorScreen(self.services.operators, self.signed_in.actor)
            self.push_screen(enrol, callback=self._enrolled)
        else:
            self._open_desk()

    def _required_change_done(self, changed: bool | None) -> None:
        if not changed or self.signed_in is None:
            return
        self.signed_in = dataclasses.replace(self.signed_in, password_change_reason=None)
        self.notify("Your password has been changed.", title="Password")
        self._next_required_step()

    def _enrolled(self, enrolled: bool | None) -> None:
        if not enrolled or self.signed_in is None:
            return
        self.signed_in = dataclasses.replace(self.signed_in, must_enrol_second_factor=False)
        self.notify(
            "Your second factor is set up: sign-in asks for a code from now on.",
            title="Second factor",
        )
        self._next_required_step()

    def _open_desk(self) -> None:
        assert self.signed_in is not None
        self._desk_open = True
        self.refresh_bindings()
        self.push_screen(HomeScreen(self.services.operators, self.signed_in, self.database_label))
        if self.signed_in.actor.may(Permission.RESOLVE_CHALLENGE):
            self.refresh_challenge_counts()
            self._count_timer = self.set_interval(
                CHALLENGE_COUNT_SECONDS, self.refresh_challenge_counts
            )

    def sign_out(self, message: str = SIGNED_OUT, *, is_error: bool = False) -> None:
        """Back to the sign-in screen, forgetting the operator and every screen they had."""
        if self.signed_in is not None:
            self._record(self.services.operators.sign_out, self.signed_in.actor, message)
        self.signed_in = None
        self.locked = False
        self._desk_open = False
        if self._count_timer is not None:
            self._count_timer.stop()
            self._count_timer = None
        self._show_challenge_counts((0, 0))
        # pop_screen drops each screen's result callback unrun, so no flow resumes.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.sign_in_screen.reset(message, is_error=is_error)
        self.refresh_bindings()

    @on(SignOutRequested)
    def _sign_out_requested(self, message: SignOutRequested) -> None:
        self.sign_out(message.message, is_error=message.is_error)

    def lock(self, *, idle: bool = False) -> None:
        """Push the lock over the current screen (after the idle timeout, or on ctrl+l)."""
        if self.signed_in is None or self.locked:
            return
        self.locked = True
        reason = (
            f"Session locked after {duration(self.idle_lock_minutes)} of inactivity — "
            "enter your password to continue."
            if idle
            else "Session locked — enter your password to continue."
        )
        screen = LockScreen(self.services.operators, self.signed_in.actor, reason)
        self.push_screen(screen, callback=self._unlocked)
        self.refresh_bindings()

    def _unlocked(self, _result: None) -> None:
        self.locked = False
        self._last_input = monotonic()
        self.refresh_bindings()

    def _record(self, record: Callable[..., None], *args: object) -> None:
        """Write an audit record off the UI thread; say so if it could not be written."""

        def write() -> None:
            try:
                record(*args)
            except (LrsError, SQLAlchemyError) as exc:
                self.call_from_thread(
                    self.notify,
                    shown(error_text(exc)),
                    title="Audit record not written",
                    severity="error",
                    markup=False,  # the core's words may quote what was typed, brackets and all
                )

        self.run_worker(write, thread=True, group="audit", exit_on_error=False)

    # -- the analyst's own challenges in the footer -------------------------------------

    def refresh_challenge_counts(self) -> None:
        """Read the analyst's due-soon and breached counts again (after a claim, a change, a
        change the queue heard of, and every CHALLENGE_COUNT_SECONDS)."""
        if self.signed_in is None or not self._desk_open:
            return
        actor = self.signed_in.actor
        if not actor.may(Permission.RESOLVE_CHALLENGE):
            return
        self.run_worker(
            lambda: self.services.challenges.my_counts(actor),
            thread=True,
            group=CHALLENGE_COUNT_GROUP,
            exclusive=True,
            exit_on_error=False,
        )

    @on(Worker.StateChanged)
    def _challenge_counts_read(self, event: Worker.StateChanged) -> None:
        if event.worker.group != CHALLENGE_COUNT_GROUP or event.state is not WorkerState.SUCCESS:
            return  # a failed count leaves the last one; the queue itself says what failed
        counts = event.worker.result
        if self.signed_in is not None and isinstance(counts, tuple):
            self._show_challenge_counts((int(counts[0]), int(counts[1])))

    def _show_challenge_counts(self, counts: tuple[int, int]) -> None:
        if counts != self.my_challenges:
            self.my_challenges = counts
            self.my_challenges_changed.publish(counts)

    # -- idle detection ------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Every key and mouse event reaches the app first (is_forwarded is False only here),
        # whichever screen or widget then handles it: the one place to see activity.
        if isinstance(event, (events.Key, events.MouseEvent)) and not event.is_forwarded:
            self._last_input = monotonic()
        await super().on_event(event)

    @property
    def seconds_idle(self) -> float:
        """Seconds since the operator last pressed a key or used the mouse."""
        return monotonic() - self._last_input

    def _check_idle(self) -> None:
        if self.signed_in is None or self.locked:
            return
        if self.seconds_idle >= self.idle_lock_minutes * 60:
            self.lock(idle=True)

    # -- actions and the command palette ---------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit":
            return self.signed_in is None
        if action == "quit_signed_in":
            return self.signed_in is not None
        if action in BY_ACTION:
            return self.offers(BY_ACTION[action], self.screen)
        if action == "command_palette":
            return not self.locked  # the palette must not reach past the lock
        return True

    def offers(self, action: DeskAction, screen: Screen[object]) -> bool:
        """Whether a declared action is offered on ``screen`` now: its key works (and is in
        the footer) and the palette lists it. Never one the operator's role does not allow."""
        if not action.allowed_for(self.signed_in.actor if self.signed_in else None):
            return False
        if action.when is When.ALWAYS:
            return True
        if action is BY_ACTION["lock"]:
            return not self.locked
        if action.when is When.SIGNED_IN:
            return True
        # The desk's own actions: not before the desk opens, not under the lock, and not
        # over a dialog (a key would otherwise reach past it and drop what it was asking).
        if not self._desk_open or self.locked or screen.is_modal:
            return False
        from lrs_tui.screens.learner_form import LearnerFormScreen

        if action.action == "find_learner":
            return self._find_screen() is not screen  # already there: keep the footer short
        if action.action == "challenge_queue":
            return self._queue_screen() is not screen
        if action.action == "find_organisation":
            return self._organisation_search() is not screen
        if action.action == "intake_queue":
            return self._intake_queue() is not screen
        if action.action == "super_user_cases":
            return not _is_case_list(screen)
        if action.action == "register_learner":
            return not isinstance(screen, LearnerFormScreen)  # one form at a time
        if action.action == "change_password":
            return not isinstance(screen, ChangePasswordScreen)
        return True

    def action_enter_in_form(self) -> None:
        focused = self.screen.focused
        target = enter_target(focused) if isinstance(focused, OrderedInput) else None
        if target is None:
            raise SkipAction()  # Enter goes the ordinary way: submit, press, open a choice
        self.screen.set_focus(target)  # now, not later as Widget.focus: keys queue behind it

    def action_lock(self) -> None:
        self.lock()

    def action_sign_out(self) -> None:
        if not self._keeps_unsaved_work("ctrl+o"):
            self.sign_out()

    async def action_quit(self) -> None:
        """Quitting while signed in is a sign-out too, and is audited as one."""
        if self._keeps_unsaved_work("ctrl+q"):
            return
        if self.signed_in is not None:
            actor, self.signed_in = self.signed_in.actor, None
            # On the UI thread: the app is closing, and one small write is quick. A failure
            # must never keep an operator from leaving.
            with contextlib.suppress(LrsError, SQLAlchemyError):
                self.services.operators.sign_out(actor, "quit LRS Desk")
        await super().action_quit()

    async def action_quit_signed_in(self) -> None:
        await self.action_quit()

    def _keeps_unsaved_work(self, key: str) -> bool:
        """True when the form on screen holds unsaved changes and keeps them: the first press
        of ``key`` only warns, a second one leaves. Only a form the operator can see is
        asked (under the lock or a dialog, its warning would be hidden)."""
        screen = self.screen
        return not self.locked and isinstance(screen, Leavable) and not screen.may_leave(key)

    def _find_screen(self) -> FindLearnerScreen | None:
        from lrs_tui.screens.find_learner import FindLearnerScreen

        found = [s for s in self.screen_stack if isinstance(s, FindLearnerScreen)]
        return found[-1] if found else None

    def action_find_learner(self) -> None:
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.find_learner import FindLearnerScreen

        existing = self._find_screen()
        if existing is None:
            self.push_screen(FindLearnerScreen(self.services.learners, self.signed_in.actor))
            return
        # Back to the search the operator already has (profiles and forms above it close),
        # unless a form above it holds unsaved changes: the first press only warns.
        if self._keeps_unsaved_work("ctrl+f"):
            return
        while self.screen is not existing:
            self.pop_screen()

    def _queue_screen(self) -> ChallengeQueueScreen | None:
        from lrs_tui.screens.challenge_queue import ChallengeQueueScreen

        found = [s for s in self.screen_stack if isinstance(s, ChallengeQueueScreen)]
        return found[-1] if found else None

    def action_challenge_queue(self) -> None:
        """The data-challenge queue; pressed again from a challenge opened from it, back to
        the queue (unless a form above it keeps unsaved work)."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.challenge_queue import ChallengeQueueScreen

        existing = self._queue_screen()
        if existing is None:
            self.push_screen(ChallengeQueueScreen(self.services, self.signed_in.actor))
            return
        if self._keeps_unsaved_work("ctrl+d"):
            return
        while self.screen is not existing:
            self.pop_screen()

    def _organisation_search(self) -> Screen[object] | None:
        from lrs_tui.screens.accounts.organisation_search import OrganisationSearchScreen

        found = [s for s in self.screen_stack if isinstance(s, OrganisationSearchScreen)]
        return found[-1] if found else None

    def action_find_organisation(self) -> None:
        """Find an organisation; pressed again from a view opened from the search, back to
        the search (unless a form above it keeps unsaved work)."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.accounts.organisation_search import OrganisationSearchScreen

        existing = self._organisation_search()
        if existing is None:
            self.push_screen(OrganisationSearchScreen(self.services, self.signed_in.actor))
            return
        if self._keeps_unsaved_work("ctrl+g"):
            return
        while self.screen is not existing:
            self.pop_screen()

    def _intake_queue(self) -> IntakeQueueScreen | None:
        from lrs_tui.screens.intake.queue import IntakeQueueScreen

        found = [s for s in self.screen_stack if isinstance(s, IntakeQueueScreen)]
        return found[-1] if found else None

    def action_intake_queue(self) -> None:
        """The encrypted intake's queue (issue 13); pressed again from a case opened from it,
        back to the queue (unless a form above it keeps unsaved work)."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.intake.queue import IntakeQueueScreen

        existing = self._intake_queue()
        if existing is None:
            self.push_screen(IntakeQueueScreen(self.services, self.signed_in.actor))
            return
        if self._keeps_unsaved_work("ctrl+e"):
            return
        while self.screen is not existing:
            self.pop_screen()

    def action_super_user_cases(self) -> None:
        """The super-user cases awaiting a second admin's approval (§3.6)."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.accounts.case_review import CaseListScreen

        self.push_screen(CaseListScreen(self.services, self.signed_in.actor))

    def action_register_learner(self) -> None:
        """A new learner: from the find screen with the details typed there, else blank."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.find_learner import FindLearnerScreen
        from lrs_tui.screens.learner_form import LearnerFormScreen

        if isinstance(self.screen, FindLearnerScreen):
            self.screen.action_register()
            return
        form = LearnerFormScreen.register(self.services.learners, self.signed_in.actor, {})
        self.push_screen(form, callback=self._registered)

    def _registered(self, learner: LearnerRecord | None) -> None:
        if learner is not None and self.signed_in is not None:
            from lrs_tui.screens.learner_profile import LearnerProfileScreen

            actor = self.signed_in.actor
            self.push_screen(LearnerProfileScreen(self.services.learners, actor, learner.uln))

    def action_open_plr(self) -> None:
        self.open_plr()

    def open_plr(self, uln: str | None = None) -> None:
        """The PLR of ``uln``, or ask for a ULN first (the palette's "Open a PLR by ULN")."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.plr import PlrScreen
        from lrs_tui.screens.plr_dialogs import OpenPlrScreen

        if uln is None:
            self.push_screen(OpenPlrScreen(), callback=self._plr_uln_chosen)
            return
        self.push_screen(PlrScreen(self.services.plr, self.signed_in.actor, uln))

    def _plr_uln_chosen(self, uln: str | None) -> None:
        if uln:
            self.open_plr(uln)

    def action_change_password(self) -> None:
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        screen = ChangePasswordScreen(self.services.operators, self.signed_in.actor)
        self.push_screen(screen, callback=self._voluntary_change_done)

    def _voluntary_change_done(self, changed: bool | None) -> None:
        if changed:
            self.notify("Your password has been changed.", title="Password")

    def action_reset_second_factor(self) -> None:
        """An admin resets another operator's second factor (recovery after a lost phone)."""
        if self.signed_in is None or not self._desk_open or self.locked:
            return
        from lrs_tui.screens.second_factor import ResetSecondFactorScreen

        self.push_screen(ResetSecondFactorScreen(), callback=self._reset_second_factor)

    def _reset_second_factor(self, username: str | None) -> None:
        if not username or self.signed_in is None:
            return
        actor = self.signed_in.actor

        def reset() -> None:
            try:
                info = self.services.operators.reset_second_factor(actor, username)
            except (LrsError, SQLAlchemyError) as exc:
                self.call_from_thread(
                    self.notify,
                    shown(error_text(exc)),  # quotes what was typed: never markup
                    title="Second factor",
                    severity="error",
                    markup=False,
                )
                return
            self.call_from_thread(
                self.notify,
                f"{shown(info.username)}'s second factor is reset: they set up a new one at "
                "their next sign-in.",
                title="Second factor",
                markup=False,
            )

        self.run_worker(reset, thread=True, group="reset-second-factor", exit_on_error=False)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The declared actions this operator may take here, then the screen's own (edit,
        copy the ULN, sort...), then Textual's (keys, maximise)."""
        for action in DESK_ACTIONS:
            if self.offers(action, screen):
                yield SystemCommand(
                    action.title, action.help, getattr(self, f"action_{action.action}")
                )
        if self._desk_open and not self.locked:
            screen_commands = getattr(screen, "palette_commands", None)
            if callable(screen_commands):
                yield from screen_commands()
        declared = {action.title for action in DESK_ACTIONS}
        for command in super().get_system_commands(screen):
            # No SVG screenshots: they would copy OFFICIAL learner data to the Downloads folder.
            if command.title != "Screenshot" and command.title not in declared:
                yield command

    def _fatal_error(self) -> None:
        # Textual's crash report prints every frame's local variables, which may hold a
        # password the operator just typed: print the traceback without them.
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()


def _is_case_list(screen: Screen[object]) -> bool:
    from lrs_tui.screens.accounts.case_review import CaseListScreen

    return isinstance(screen, CaseListScreen)


def run_app(services: Services) -> None:
    LrsDeskApp(services).run()


def main() -> None:
    """`python -m lrs_tui` (and `lrs-desk` with no arguments): configure, check, run."""
    from lrs_core.config import load_settings
    from lrs_core.db.database import Database

    try:
        settings = load_settings()
        db = Database(settings.database_url)
        db.require_current_schema()
    except LrsError as exc:
        print(f"lrs-desk: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    run_app(Services(db, settings))
