"""The session lock: pushed over whatever the operator was doing, which stays as it was."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.errors import AuthenticationFailed
from lrs_core.services.operators import OperatorService
from lrs_tui.formatting import error_text, sentence
from lrs_tui.messages import SignOutRequested
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

WORKER_GROUP = "unlock"


class LockScreen(ModalScreen[None]):
    """Dismissed once the core confirms the password. The background is opaque on purpose:
    a locked session must not leave learners' details readable on the screen (UA §5.2, 5.3).
    """

    CSS_PATH = "lock.tcss"
    AUTO_FOCUS = "#password"

    # A modal screen's footer leaves out the app's bindings, so name the two that still
    # apply here (the app's priority bindings for these keys do the work).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "app.sign_out", "Sign out", id="lock.sign_out"),
        Binding("ctrl+q", "app.quit", "Quit", id="lock.quit"),
    ]

    def __init__(self, operators: OperatorService, actor: Actor, reason: str) -> None:
        super().__init__()
        self._operators = operators
        self._actor = actor
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Center(id="centre"), Vertical(id="panel") as panel:
            panel.border_title = "LRS Desk — locked"
            yield Static(self._reason, id="reason")
            yield Static(
                shown(f"Signed in as {self._actor.display_name} ({self._actor.username})"),
                id="who",
                markup=False,
            )
            yield OrderedInput(
                id="password", password=True, placeholder="Password", max_length=128, required=True
            )
            with Horizontal(id="buttons"):
                yield Button("Unlock", id="unlock", variant="primary")
                yield Button("Sign out", id="sign-out")
            yield MessageLine(id="message")
        yield DeskFooter()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        password = self.query_one("#password", Input).value
        button = self.query_one("#unlock", Button)
        if not password or button.disabled:
            self.query_one("#password", Input).focus()
            return
        button.disabled = True
        self.query_one(MessageLine).show_busy("Checking…")
        self._confirm(password)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _confirm(self, password: str) -> None:
        self._operators.confirm_password(self._actor, password)

    @on(Worker.StateChanged)
    def _confirmed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        self.query_one("#unlock", Button).disabled = False
        password = self.query_one("#password", Input)
        password.clear()
        if event.state is WorkerState.SUCCESS:
            self.dismiss(None)
            return
        error = event.worker.error
        if isinstance(error, AuthenticationFailed) and "locked" in str(error):
            # The core locked the account: this session is over.
            self.post_message(SignOutRequested(sentence(str(error)), is_error=True))
            return
        self.query_one(MessageLine).show_error(error_text(error))
        password.focus()

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.post_message(SignOutRequested("You are signed out."))
