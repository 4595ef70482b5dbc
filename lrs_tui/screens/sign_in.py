"""Sign-in: username and password, then (when the core asks for it) the six-digit code from
the operator's authenticator app; checked by the core in a thread so the UI never freezes."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.errors import SecondFactorRequired
from lrs_core.services.operators import OperatorService, SignIn
from lrs_tui.formatting import error_text
from lrs_tui.messages import SignedIn
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

WORKER_GROUP = "sign-in"


class SignInScreen(Screen[None]):
    """The bottom of the screen stack: signing out always comes back here."""

    CSS_PATH = "sign_in.tcss"
    AUTO_FOCUS = "#username"

    SIGN_IN_LABEL: ClassVar[str] = "Sign in"
    BUSY_LABEL: ClassVar[str] = "Signing in…"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "start_again", "Start again", id="sign-in.start-again"),
    ]

    def __init__(self, operators: OperatorService, database_label: str) -> None:
        super().__init__()
        self._operators = operators
        self._database_label = database_label
        # Username and password while the code is asked for (the core checks both again
        # with the code); forgotten as soon as that attempt ends, whatever its outcome.
        self._pending: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        with Center(id="centre"), Vertical(id="panel") as panel:
            panel.border_title = "LRS Desk — sign in"
            yield Label("Username")
            # Enter moves on to an empty password as the key is read, so a password typed (or
            # pasted by a password manager) straight after it lands in the password field.
            yield OrderedInput(
                id="username", placeholder="e.g. sam.okafor", max_length=64, required=True
            )
            yield Label("Password", id="password-label")
            yield OrderedInput(id="password", password=True, max_length=128, required=True)
            # Shown only when the core asks for it (the account has a second factor).
            yield Label("Code from your authenticator app", id="code-label")
            yield OrderedInput(
                id="code",
                placeholder="six digits",
                max_length=7,
                restrict=r"[0-9 ]*",
                required=True,
            )
            yield Button(self.SIGN_IN_LABEL, id="sign-in", variant="primary")
            yield MessageLine(id="message")
        yield Static(f"Database: {self._database_label}", id="database", markup=False)
        yield DeskFooter()

    # -- what the operator does --------------------------------------------------------

    @property
    def asking_for_code(self) -> bool:
        return self._pending is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_again":
            return self.asking_for_code  # the footer offers it only at the code step
        return True

    @on(Input.Submitted, "#username")
    @on(Input.Submitted, "#password")
    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        if self._pending is not None:
            username, password = self._pending
            code: str | None = self.query_one("#code", Input).value
            if not code or not code.strip():
                self.set_focus(self.query_one("#code", Input))
                return
        else:
            username = self.query_one("#username", Input).value
            password = self.query_one("#password", Input).value
            code = None
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
        self._sign_in(username, password, code)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _sign_in(self, username: str, password: str, code: str | None) -> SignIn:
        # Runs in a thread: touches no widget; the result comes back as Worker.StateChanged.
        return self._operators.sign_in(username, password, code, agreement_follows=True)

    @on(Worker.StateChanged)
    def _sign_in_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        button = self.query_one("#sign-in", Button)
        button.disabled = False
        button.label = self.SIGN_IN_LABEL
        password = self.query_one("#password", Input)
        pending = (self.query_one("#username", Input).value, password.value)
        password.clear()  # never keep a password on screen, whatever happened
        self.query_one("#code", Input).clear()
        error = event.worker.error if event.state is WorkerState.ERROR else None
        if isinstance(error, SecondFactorRequired) and self._pending is None:
            # The password was right: ask for the code, keeping what was typed off screen.
            self._ask_for_code(pending)
            return
        self._show_code_step(False)
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, SignIn):
            self.post_message(SignedIn(event.worker.result))
        elif error is not None:
            self.query_one(MessageLine).show_error(error_text(error))
            password.focus()

    def _ask_for_code(self, pending: tuple[str, str]) -> None:
        self._pending = pending
        self._show_code_step(True)
        self.query_one(MessageLine).show_notice(
            "Enter the six-digit code your authenticator app shows now (escape: start again)."
        )
        self.query_one("#code", Input).focus()

    def _show_code_step(self, shown: bool) -> None:
        """The code step: the username stays in view (not editable), the password and
        its label go, the code field comes."""
        if not shown:
            self._pending = None
        self.set_class(shown, "-code-step")
        self.query_one("#username", Input).disabled = shown
        self.refresh_bindings()

    def action_start_again(self) -> None:
        """Escape at the code step: forget the password, back to username and password."""
        if not self.asking_for_code:
            return
        self.query_one("#code", Input).clear()
        self._show_code_step(False)
        self.query_one(MessageLine).clear()
        self.query_one("#password", Input).focus()

    # -- called by the app when the session ends ---------------------------------------

    def reset(self, message: str = "", *, is_error: bool = False) -> None:
        """Forget what was typed and say why the operator is back here."""
        self._show_code_step(False)
        self.query_one("#username", Input).clear()
        self.query_one("#password", Input).clear()
        self.query_one("#code", Input).clear()
        line = self.query_one(MessageLine)
        if not message:
            line.clear()
        elif is_error:
            line.show_error(message)
        else:
            line.show_notice(message)
        self.query_one("#username", Input).focus()
