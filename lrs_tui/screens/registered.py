"""A learner was registered: the new ULN, big enough to read out over the phone, and a copy
action (OSC 52, which works over SSH where the terminal allows it; the ULN stays on screen
for terminals that ignore it)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Digits, Static

from lrs_tui.widgets.desk_footer import DeskFooter


class RegisteredScreen(ModalScreen[bool]):
    """Dismissed with True to open the new learner's profile, False to go back."""

    CSS_PATH = "registered.tcss"
    AUTO_FOCUS = "#open"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy ULN", id="registered.copy"),
        Binding("escape", "close", "Close", id="registered.close"),
    ]

    def __init__(self, uln: str) -> None:
        super().__init__()
        self.uln = uln

    def compose(self) -> ComposeResult:
        with Vertical(id="panel") as panel:
            panel.border_title = "Learner registered"
            yield Static("The learner's new ULN is", id="lead")
            yield Digits(self.uln, id="digits")
            yield Static(f"ULN {self.uln}", id="uln", markup=False)
            yield Static(
                "Copy it with c. If your terminal does not copy, read it from the screen.",
                id="hint",
            )
            with Horizontal(id="buttons"):
                yield Button("Open profile", id="open", variant="primary", compact=True)
                yield Button("Copy ULN", id="copy", compact=True)
                yield Button("Close", id="close", compact=True)
        yield DeskFooter()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.uln)
        self.notify(f"ULN {self.uln} copied (if your terminal allows copying).", title="Copy ULN")

    @on(Button.Pressed, "#open")
    def _open(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(False)
