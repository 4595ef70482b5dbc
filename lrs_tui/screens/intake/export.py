"""The results for the sender (issue 13 item 5): the file is asked for first (as the PLR
report asks; never over an existing file, never in clear: the core writes an AES zip), then
the export's new passphrase is shown ONCE, large, to be read out by telephone (``c`` copies
it over OSC 52, as the one-time password is copied). The core never returns it again and this
screen forgets it as it closes; it is never put in a notification or logged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.files import private_dir
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.intake import Export, IntakeService
from lrs_tui.formatting import error_text
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

GROUP = "intake-export"


def default_path(services: Services, reference: str) -> Path:
    """Beside the PLR reports: the case's reference and the time, never an existing name."""
    now = services.clock()
    return services.plr.reports_dir / f"{reference}-results-{now:%Y%m%d-%H%M%S}.zip"


def start_export(screen: Screen[Any], services: Services, actor: Actor, ref: str) -> None:
    """Ask for the file, write the export, then show its passphrase once."""

    def written(result: Export | None) -> None:
        if result is None:
            return
        line = screen.query_one(MessageLine)
        n = result.rows
        line.show_notice(shown(f"Export written: {result.path} ({n} row{'s' if n != 1 else ''},"
                               " AES-256 zip). Send it; telephone the passphrase."))  # fmt: skip
        screen.app.push_screen(ExportPassphraseScreen(ref, result.path, result.passphrase))

    reports = services.plr.reports_dir
    dialog = ExportDialog(services.intake, actor, ref, default_path(services, ref), reports)
    screen.app.push_screen(dialog, callback=written)


class ExportDialog(ModalScreen[Export | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-export.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    ExportDialog { align: center middle; }
    ExportDialog #dialog {
        width: 90; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
    }
    ExportDialog #explanation { color: $text-muted; }
    ExportDialog #buttons { height: auto; margin-top: 1; }
    ExportDialog Button { margin-right: 2; }
    """

    def __init__(
        self, intake: IntakeService, actor: Actor, reference: str, path: Path, reports: Path
    ) -> None:
        super().__init__()
        self._intake = intake
        self._reports = reports
        self._actor = actor
        self._reference = reference
        self._path = path

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Export for the sender · {self._reference}"
            yield Static(
                "Every row with its outcome and best candidates, as an AES-256 zip with a new"
                " passphrase. The passphrase is shown once, next: telephone it to the sender,"
                " never email it.",
                id="explanation",
                markup=False,
            )
            yield Label("Save as")
            yield OrderedInput(str(self._path), id="path", required=True)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Write the export", id="write", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_file_name)

    def _show_file_name(self) -> None:
        """The end of the path in sight, once the input has a width: the name matters."""
        path = self.query_one("#path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    @on(Button.Pressed, "#write")
    @on(Input.Submitted, "#path")
    def _write(self) -> None:
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        self.query_one("#write", Button).disabled = True
        self.query_one(MessageLine).show_busy("Writing the export…")
        self._produce(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def _produce(self, path: Path) -> Export:
        if os.path.abspath(path.parent) == os.path.abspath(self._reports):
            # LRS Desk's own reports folder (as the PLR report makes it): made private on
            # first use. Any other folder is the operator's to make.
            private_dir(self._reports)
        return self._intake.export(self._actor, self._reference, path)

    @on(Worker.StateChanged)
    def _produced(self, event: Worker.StateChanged) -> None:
        if event.worker.group != GROUP or not event.worker.is_finished:
            return
        self.query_one("#write", Button).disabled = False
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, Export)
            self.dismiss(result)
        elif event.state is WorkerState.ERROR:
            self.query_one(MessageLine).show_error(error_text(event.worker.error))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportPassphraseScreen(ModalScreen[None]):
    """The export's passphrase, shown once (as the one-time password is)."""

    AUTO_FOCUS = "#close"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy passphrase", id="intake-export-passphrase.copy"),
        Binding("escape", "close", "Close", id="intake-export-passphrase.close"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    ExportPassphraseScreen { align: center middle; }
    ExportPassphraseScreen #panel {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $success; border-title-style: bold; background: $background;
        padding: 0 2;
    }
    ExportPassphraseScreen #label { margin-top: 1; color: $text-muted; }
    ExportPassphraseScreen #passphrase {
        text-style: bold; border: heavy $border; padding: 1 3; width: auto;
    }
    ExportPassphraseScreen #hint { margin-top: 1; }
    ExportPassphraseScreen #buttons { height: 1; margin-top: 1; }
    ExportPassphraseScreen #buttons Button { margin-right: 2; }
    """

    def __init__(self, reference: str, path: Path, passphrase: Passphrase) -> None:
        super().__init__()
        self._reference = reference
        self._path = path
        self._passphrase: Passphrase | None = passphrase

    def compose(self) -> ComposeResult:
        text = self._passphrase.reveal() if self._passphrase else ""
        with Vertical(id="panel") as panel:
            panel.border_title = f"Export written · {self._reference}"
            yield Static(shown(f"File: {self._path}"), id="file", markup=False)
            yield Static("Passphrase for the sender", id="label")
            yield Static(shown(text), id="passphrase", markup=False)
            yield Static(
                "Telephone it to the sender (never email it with the file). It is shown"
                " once: when you close this, no one can show it again.",
                id="hint",
                markup=False,
            )
            with Horizontal(id="buttons"):
                yield Button("Copy passphrase", id="copy", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)
        yield DeskFooter()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        if self._passphrase:
            self.app.copy_to_clipboard(self._passphrase.reveal())
            # Never the passphrase itself in a notification.
            self.notify("Passphrase copied (if your terminal allows copying).", title="Copy")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._passphrase = None  # forgotten: it is never shown again
        self.query_one("#passphrase", Static).update("")
        self.dismiss(None)
