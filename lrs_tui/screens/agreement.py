"""The LRS User Agreement, accepted at every sign-in (DOMAIN.md "Accounts and super users")."""

from __future__ import annotations

from time import monotonic
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Header, MarkdownViewer, Static

from lrs_core.texts import user_agreement
from lrs_tui.widgets.desk_footer import DeskFooter

DECLINED = "You declined the User Agreement, so you are signed out."


class AgreementScreen(Screen[bool]):
    """Dismissed with True on Accept and False on Decline; the app records the answer."""

    CSS_PATH = "agreement.tcss"
    AUTO_FOCUS = "MarkdownViewer"  # the text scrolls with the arrow keys straight away

    # Keys typed ahead during sign-in must not accept the agreement unseen: "a" or a press
    # of Accept counts only once the text has been on screen this long (seconds).
    READING_PAUSE: ClassVar[float] = 0.4

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", id="agreement.accept"),
        Binding("d", "decline", "Decline", id="agreement.decline"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield MarkdownViewer(user_agreement(), show_table_of_contents=False, open_links=False)
        with Horizontal(id="choices"):
            yield Static("Accept to use LRS Desk; decline to sign out.", id="prompt")
            yield Button("Accept", id="accept", variant="primary")
            yield Button("Decline", id="decline")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "User Agreement"
        self._shown_at = monotonic()

    @on(Button.Pressed, "#accept")
    def action_accept(self) -> None:
        if monotonic() - self._shown_at < self.READING_PAUSE:
            self.app.bell()  # typed ahead, before the agreement could be read
            return
        self.dismiss(True)

    @on(Button.Pressed, "#decline")
    def action_decline(self) -> None:
        self.dismiss(False)
