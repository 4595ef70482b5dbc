"""The new super user's one-time password, shown once (issue 12 item 3; User Guide §3.6):
the username and the password large and bold (Digits cannot show letters), ``c`` copies it
over OSC 52 as the new ULN is copied, and a reminder to read it out by telephone on the
register's number. Once closed it cannot be shown again: the core never returns it again
(only its Argon2id hash is stored), and this screen forgets it as it closes. It is never put
in a notification's title or text, nor logged."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from lrs_core.domain.text import shown
from lrs_core.services.accounts_view import Approval
from lrs_tui.widgets.desk_footer import DeskFooter


class OneTimePasswordScreen(ModalScreen[None]):
    CSS_PATH = "one_time_password.tcss"
    AUTO_FOCUS = "#close"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy password", id="otp.copy"),
        Binding("escape", "close", "Close", id="otp.close"),
    ]

    def __init__(self, approval: Approval) -> None:
        super().__init__()
        self.username = approval.username
        self._password: str | None = approval.one_time_password
        case = approval.case
        self._organisation = f"{case.organisation.name} (UKPRN {case.organisation.ukprn})"
        self._register_phone = case.register_phone
        self._reference = case.reference

    def compose(self) -> ComposeResult:
        password = self._password or ""
        with Vertical(id="panel") as panel:
            panel.border_title = f"Approved · {self._reference}"
            yield Static(shown(f"New super user of {self._organisation}"), id="lead",
                         markup=False)  # fmt: skip
            yield Static(shown(f"Username  {self.username}"), id="username", markup=False)
            yield Static("One-time password", id="label")
            yield Static(shown(password), id="password", markup=False)
            phone = self._register_phone or "the register's number"
            yield Static(
                shown(
                    f"Read it out by telephone to the new super user, calling {phone} (the"
                    " register's number, never the form's). They change it at first sign-in."
                    " It is shown once: when you close this, no one can show it again."
                ),
                id="hint",
                markup=False,
            )
            with Horizontal(id="buttons"):
                yield Button("Copy password", id="copy", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)
        yield DeskFooter()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        if self._password:
            self.app.copy_to_clipboard(self._password)
            # Never the password itself in a notification.
            self.notify("One-time password copied (if your terminal allows copying).",
                        title="Copy")  # fmt: skip

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._password = None  # forgotten: it is never shown again
        self.dismiss(None)
