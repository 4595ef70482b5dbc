"""Sign-in: username and password, checked by the core in a thread so the UI never freezes."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.services.operators import OperatorService, SignIn
from lrs_tui.formatting import error_text
from lrs_tui.messages import SignedIn
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

WORKER_GROUP = "sign-in"


class SignInScreen(Screen[None]):
    """The bottom of the screen stack: signing out always comes back here."""

    CSS_PATH = "sign_in.tcss"
    AUTO_FOCUS = "#username"

    SIGN_IN_LABEL: ClassVar[str] = "Sign in"
    BUSY_LABEL: ClassVar[str] = "Signing in…"

    def __init__(self, operators: OperatorService, database_label: str) -> None:
        super().__init__()
        self._operators = operators
        self._database_label = database_label

    def compose(self) -> ComposeResult:
        with Center(id="centre"), Vertical(id="panel") as panel:
            panel.border_title = "LRS Desk — sign in"
            yield Label("Username")
            # Enter moves on to the password as the key is read, so a password typed (or pasted
            # by a password manager) straight after it lands in the password field.
            yield OrderedInput(
                id="username", placeholder="e.g. sam.okafor", max_length=64, enter_moves_on=True
            )
            yield Label("Password", id="password-label")
            yield OrderedInput(id="password", password=True, max_length=128)
            yield Button(self.SIGN_IN_LABEL, id="sign-in", variant="primary")
            yield MessageLine(id="message")
        yield Static(f"Database: {self._database_label}", id="database", markup=False)
        yield Footer()

    # -- what the operator does --------------------------------------------------------

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        if not username.strip():
            # Nothing to send yet: put the cursor where the missing piece goes.
            self.set_focus(self.query_one("#username", Input))
            return
        button = self.query_one("#sign-in", Button)
        if button.disabled:
            return
        button.disabled = True
        button.label = self.BUSY_LABEL
        self.query_one(MessageLine).clear()
        self._sign_in(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _sign_in(self, username: str, password: str) -> SignIn:
        # Runs in a thread: touches no widget; the result comes back as Worker.StateChanged.
        return self._operators.sign_in(username, password)

    @on(Worker.StateChanged)
    def _sign_in_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        button = self.query_one("#sign-in", Button)
        button.disabled = False
        button.label = self.SIGN_IN_LABEL
        password = self.query_one("#password", Input)
        password.clear()  # never keep a password on screen, whatever happened
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, SignIn):
            self.post_message(SignedIn(event.worker.result))
        elif event.state is WorkerState.ERROR:
            self.query_one(MessageLine).show_error(error_text(event.worker.error))
            password.focus()

    # -- called by the app when the session ends ---------------------------------------

    def reset(self, message: str = "", *, is_error: bool = False) -> None:
        """Forget what was typed and say why the operator is back here."""
        self.query_one("#username", Input).clear()
        self.query_one("#password", Input).clear()
        line = self.query_one(MessageLine)
        if not message:
            line.clear()
        elif is_error:
            line.show_error(message)
        else:
            line.show_notice(message)
        self.query_one("#username", Input).focus()
