"""The passphrase the sender telephones in (issue 13 item 3; User Guide §1.4): typed into a
masked field, never echoed. As it is submitted the text is wrapped in the core's
:class:`~lrs_core.intake.passphrase.Passphrase` (which never shows itself) and the field is
cleared at once; nothing on this screen keeps it. When it falls short of the guidance (at
least 15 characters, letters, digits and symbols) the core's advice is shown: it still opens
the file. While the core decrypts and matches every row, a progress bar moves (the core's
progress callback runs in the worker's thread and reaches the screen through
``call_from_thread``): the screen never freezes. A wrong passphrase shows the core's message
and the tries left; too many close the prompt (the case then asks for a new file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from lrs_core.domain.text import shown
from lrs_core.intake.passphrase import Passphrase, guidance_advice
from lrs_core.services.intake import OpenResult, Progress, WrongPassphraseTries
from lrs_tui.formatting import error_text
from lrs_tui.screens.intake.dialogs import is_stale
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

GROUP = "intake-passphrase"

# The core's open(passphrase, progress) for this case, its version already bound.
Opener = Callable[[Passphrase, Progress], OpenResult]


def progress_words(done: int, total: int, what: str) -> str:
    return shown(f"{what} · {done} of {total}" if total else what)


class PassphraseScreen(ModalScreen[OpenResult | BaseException | None]):
    """Dismissed with the core's :class:`OpenResult`, with a refusal meaning the case has
    changed (a new file is needed, or someone else acted), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-passphrase.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    PassphraseScreen { align: center middle; }
    PassphraseScreen #dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    PassphraseScreen #explanation { color: $text-muted; }
    PassphraseScreen #tries { text-style: bold; }
    PassphraseScreen #advice { display: none; border: round $warning; padding: 0 1; }
    PassphraseScreen #advice.-shown { display: block; }
    PassphraseScreen #working { display: none; height: auto; }
    PassphraseScreen #working.-shown { display: block; }
    PassphraseScreen ProgressBar { width: 1fr; }
    PassphraseScreen #buttons { height: 1; margin-top: 1; }
    PassphraseScreen Button { margin-right: 2; }
    """

    def __init__(self, reference: str, tries_left: int, opener: Opener) -> None:
        super().__init__()
        self._reference = reference
        self._tries_left = tries_left
        self._opener = opener
        self._working = False

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Passphrase · {self._reference}"
            dialog.border_subtitle = "never shown, stored or logged"
            yield Static(
                "Type the passphrase exactly as the sender reads it out by telephone. The file"
                " is decrypted in memory and every row matched against the register.",
                id="explanation",
                markup=False,
            )
            yield Label("Passphrase (hidden as you type)")
            # A plain Input: Enter submits at once (no next field to move to).
            yield Input(id="passphrase", password=True, max_length=256)
            yield Static(self._tries_text(self._tries_left), id="tries", markup=False)
            yield Static("", id="advice", markup=False)
            yield MessageLine(id="message")
            with Vertical(id="working"):
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("", id="stage", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Open the file", id="open", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @staticmethod
    def _tries_text(left: int) -> str:
        return (
            f"Tries left before the sender must send a new file: {left}"
            if left != 1
            else "Last try: after a wrong one the sender must send a new file"
        )

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    # -- submitting -----------------------------------------------------------------------

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#open")
    def _submit(self) -> None:
        if self._working:
            return
        field = self.query_one("#passphrase", Input)
        passphrase = Passphrase(field.value)
        field.clear()  # wrapped: the field keeps nothing
        line = self.query_one(MessageLine)
        if not passphrase:
            line.show_error("Passphrase: type what the sender reads out.")
            return
        self._show_advice(guidance_advice(passphrase))
        self._busy(True)
        line.show_busy("Decrypting in memory…")
        opener, post = self._opener, self._report_progress

        def progress(done: int, total: int, what: str) -> None:
            # Called in the worker's thread: the screen is updated on the UI thread.
            self.app.call_from_thread(post, done, total, what)

        self.run_worker(
            lambda: opener(passphrase, progress),
            name="open",
            group=GROUP,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _show_advice(self, advice: tuple[str, ...]) -> None:
        box = self.query_one("#advice", Static)
        if advice:
            lines = ["Short of the guidance (it still opens the file; tell the sender):"]
            lines += [f"• {shown(a)}" for a in advice]
            box.update("\n".join(lines))
        box.set_class(bool(advice), "-shown")

    def _busy(self, working: bool) -> None:
        self._working = working
        self.query_one("#open", Button).disabled = working
        self.query_one("#passphrase", Input).disabled = working
        self.query_one("#working").set_class(working, "-shown")
        if working:
            bar = self.query_one(ProgressBar)
            bar.update(total=None, progress=0)
            self.query_one("#stage", Static).update("Starting…")

    def _report_progress(self, done: int, total: int, what: str) -> None:
        if not self.is_attached:
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=total or None, progress=done)
        self.query_one("#stage", Static).update(progress_words(done, total, what))

    @on(Worker.StateChanged)
    def _opened(self, event: Worker.StateChanged) -> None:
        if event.worker.group != GROUP or not event.worker.is_finished:
            return
        if event.state is WorkerState.CANCELLED:
            return
        self._busy(False)
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, OpenResult)
            self.dismiss(result)
            return
        error = event.worker.error
        if is_stale(error):
            self.dismiss(error)
            return
        line = self.query_one(MessageLine)
        line.show_error(error_text(error))
        if isinstance(error, WrongPassphraseTries):
            self._tries_left = error.tries_left
            self.query_one("#tries", Static).update(self._tries_text(error.tries_left))
        field = self.query_one("#passphrase", Input)
        field.focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self._working:
            # The file is being read: the core's transaction finishes or rolls back on its
            # own; the prompt waits for it rather than leave a case half shown.
            self.query_one(MessageLine).show_busy("Still decrypting: wait for it to finish…")
            return
        self.query_one("#passphrase", Input).clear()
        self.dismiss(None)
