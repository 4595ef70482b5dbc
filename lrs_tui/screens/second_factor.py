"""Setting up the second factor (TOTP): the QR code and the secret, shown once, then a code
from the app to confirm; and the admin's dialog to reset another operator's second factor.
The core decides who must set one up and checks the code (lrs_core.services.operators)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.errors import ValidationError
from lrs_core.services.operators import Enrolment, OperatorService
from lrs_tui.formatting import error_text
from lrs_tui.messages import SignOutRequested
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

WORKER_GROUP = "enrol-second-factor"
# Dark modules on light, whatever the theme: scanners expect a dark code on a light ground.
QR_STYLE = "#000000 on #ffffff"


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps show and accept it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class EnrolSecondFactorScreen(Screen[bool]):
    """Dismissed with True once the core keeps the second factor. There is no Cancel: the
    core refuses everything else until it is set up, so the only other way is Sign out."""

    CSS_PATH = "second_factor.tcss"
    AUTO_FOCUS = "#code"

    def __init__(self, operators: OperatorService, actor: Actor) -> None:
        super().__init__()
        self._operators = operators
        self._actor = actor
        # Made here, shown once, kept only in this screen until a code confirms it.
        self._enrolment: Enrolment = operators.start_enrolment(actor)

    def compose(self) -> ComposeResult:
        with Horizontal(id="layout"):
            qr = Text("\n".join(second_factor.qr_rows(self._enrolment.uri)), style=QR_STYLE)
            yield Static(qr, id="qr")
            with VerticalScroll(id="panel") as panel:
                panel.border_title = "Set up your second factor"
                yield Static(
                    "Your role signs in with a code from an authenticator app as well as "
                    "your password. Scan the QR code with the app, or add this key by hand:",
                    id="intro",
                )
                yield Static(grouped(self._enrolment.secret), id="secret", markup=False)
                yield Static(
                    "It is shown only now and stored encrypted. Lost your phone? "
                    "Another admin can reset it.",
                    id="once",
                )
                yield Label("Code the app shows now", id="code-label")
                yield OrderedInput(
                    id="code",
                    placeholder="six digits",
                    max_length=7,
                    restrict=r"[0-9 ]*",
                    required=True,
                )
                with Horizontal(id="buttons"):
                    yield Button("Confirm", id="confirm", variant="primary")
                    yield Button("Sign out", id="sign-out")
                yield MessageLine(id="message")
        yield DeskFooter()

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#confirm")
    def _submit(self) -> None:
        code = self.query_one("#code", Input).value
        button = self.query_one("#confirm", Button)
        if not code.strip() or button.disabled:
            self.query_one("#code", Input).focus()
            return
        button.disabled = True
        self.query_one(MessageLine).show_busy("Checking the code…")
        self._confirm(code)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _confirm(self, code: str) -> None:
        self._operators.confirm_enrolment(self._actor, self._enrolment.secret, code)

    @on(Worker.StateChanged)
    def _confirmed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        self.query_one("#confirm", Button).disabled = False
        code = self.query_one("#code", Input)
        code.clear()
        if event.state is WorkerState.SUCCESS:
            self.dismiss(True)
            return
        error = event.worker.error
        line = self.query_one(MessageLine)
        if isinstance(error, ValidationError):
            line.show_error(f"{error.field}: {error.message}.")
        else:
            line.show_error(error_text(error))
        code.focus()

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.post_message(SignOutRequested("You are signed out."))


class ResetSecondFactorScreen(ModalScreen[str | None]):
    """Asks an admin whose second factor to reset (e.g. a lost phone); returns the username.
    The core checks the admin's role and audits the reset."""

    CSS_PATH = "second_factor.tcss"
    AUTO_FOCUS = "#username"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reset-second-factor.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Reset an operator's second factor"
            yield Static(
                "Check who is asking first. They set up a new one at their next sign-in.",
                id="explain",
            )
            yield Label("Username")
            yield OrderedInput(
                id="username", placeholder="e.g. sam.okafor", max_length=64, required=True
            )
            with Horizontal(id="buttons"):
                yield Button("Reset", id="reset", variant="warning")
                yield Button("Cancel", id="cancel")
        yield DeskFooter()

    @on(Input.Submitted, "#username")
    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        if username:
            self.dismiss(username)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
