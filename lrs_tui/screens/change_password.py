"""Change my password: after a one-time or expired password (required), or at will."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.errors import AuthenticationFailed, ValidationError
from lrs_core.passwords import policy_summary
from lrs_core.services.operators import OperatorService
from lrs_tui.formatting import error_text, sentence
from lrs_tui.messages import SignOutRequested
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

WORKER_GROUP = "change-password"
# Which input a core ValidationError's field points at.
FIELD_INPUTS = {"New password": "#new", "Current password": "#current"}


class ChangePasswordScreen(Screen[bool]):
    """Dismissed with True once the core accepts the new password, False on Cancel.

    When ``reason`` is given the change is required (one-time or expired password): there
    is no Cancel, only Sign out, because the operator may do nothing else until it is done.
    """

    CSS_PATH = "change_password.tcss"
    AUTO_FOCUS = "#current"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="change-password.cancel"),
    ]

    def __init__(
        self, operators: OperatorService, actor: Actor, *, reason: str | None = None
    ) -> None:
        super().__init__()
        self._operators = operators
        self._actor = actor
        self._reason = reason
        self._changed_while_covered = False

    def compose(self) -> ComposeResult:
        # No Header: the panel's title says where you are, and 80x24 has no row to spare.
        with Center(id="centre"), Vertical(id="panel") as panel:
            panel.border_title = "Change your password"
            if self._reason:
                yield Static(sentence(self._reason), id="reason", markup=False)
            with Grid(id="fields"):
                yield Label("Current password", classes="field-label")
                yield OrderedInput(id="current", password=True, max_length=128, required=True)
                yield Label("New password", classes="field-label")
                yield OrderedInput(id="new", password=True, max_length=128, required=True)
                yield Label("Confirm new", classes="field-label")
                yield OrderedInput(id="confirm", password=True, max_length=128, required=True)
            yield Static(policy_summary(self._operators.settings.password_expiry_days), id="hint")
            with Horizontal(id="buttons"):
                yield Button("Change password", id="change", variant="primary")
                if self._reason:
                    yield Button("Sign out", id="sign-out")
                else:
                    yield Button("Cancel", id="cancel")
            yield MessageLine(id="message")
        yield DeskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A required change cannot be skipped: no Cancel, in the footer or by key.
        if action == "cancel":
            return self._reason is None
        return True

    # -- moving through the form -------------------------------------------------------

    @on(Input.Submitted)  # Enter: from Confirm, or once all three are filled
    @on(Button.Pressed, "#change")
    def _submit(self) -> None:
        current = self.query_one("#current", Input).value
        new = self.query_one("#new", Input).value
        confirm = self.query_one("#confirm", Input).value
        line = self.query_one(MessageLine)
        # The only check made here: the two copies match. Every policy rule is the core's.
        if new != confirm:
            line.show_error("The new password and its confirmation are different.")
            self.query_one("#confirm", Input).clear()
            self.set_focus(self.query_one("#confirm", Input))
            return
        button = self.query_one("#change", Button)
        if button.disabled:
            return
        button.disabled = True
        line.show_busy("Changing your password…")
        self._change(current, new)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _change(self, current: str, new: str) -> None:
        self._operators.change_password(self._actor, current, new)

    @on(Worker.StateChanged)
    def _change_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        self.query_one("#change", Button).disabled = False
        if event.state is WorkerState.SUCCESS:
            if self.is_active:
                self.dismiss(True)
            else:
                # The lock went up while the core was checking: dismiss() would remove the
                # lock, not this screen. Finish when the operator is back (on_screen_resume).
                self._changed_while_covered = True
            return
        error = event.worker.error
        if isinstance(error, AuthenticationFailed) and "locked" in str(error):
            # Too many wrong current passwords: the core locked the account.
            self.post_message(SignOutRequested(sentence(str(error)), is_error=True))
            return
        line = self.query_one(MessageLine)
        if isinstance(error, ValidationError):
            line.show_error(f"{error.field}: {error.message}.")
            target = FIELD_INPUTS.get(error.field, "#new")
            for selector in ("#new", "#confirm") if target == "#new" else (target,):
                self.query_one(selector, Input).clear()
            self.query_one(target, Input).focus()
        elif isinstance(error, AuthenticationFailed):
            line.show_error(error_text(error))
            self.query_one("#current", Input).clear()
            self.query_one("#current", Input).focus()
        else:
            line.show_error(error_text(error))

    def on_screen_resume(self) -> None:
        if self._changed_while_covered:
            self._changed_while_covered = False
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.post_message(SignOutRequested("You are signed out."))
