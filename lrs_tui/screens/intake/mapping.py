"""Correct the header mapping of an open case (issue 13 item 5): each column of the sheet as
the sender headed it, and the learner field it holds (or none). On "Match again" the core
checks the mapping (each field once), validates and matches every row again; a progress bar
moves meanwhile (the core's progress callback, from the worker's thread)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState

from lrs_core.domain.text import shown
from lrs_core.intake.sheets import ROW_FIELDS
from lrs_core.services.intake import IntakeRows, Progress
from lrs_tui.formatting import error_text
from lrs_tui.screens.intake.dialogs import is_stale
from lrs_tui.screens.intake.passphrase import progress_words
from lrs_tui.screens.intake.words import field_label
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

GROUP = "intake-mapping"
NOT_USED = ""

Remap = Callable[[Mapping[int, str], Progress], IntakeRows]


class MappingScreen(ModalScreen[IntakeRows | BaseException | None]):
    """Dismissed with the rows matched again, a refusal meaning the case changed, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-mapping.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    MappingScreen { align: center middle; }
    MappingScreen #dialog {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    MappingScreen #explanation { color: $text-muted; }
    MappingScreen #columns { height: auto; max-height: 14; }
    MappingScreen .row { height: auto; }
    MappingScreen .row Label { width: 30; }
    MappingScreen .row Select { width: 1fr; }
    MappingScreen #working { display: none; height: auto; }
    MappingScreen #working.-shown { display: block; }
    MappingScreen ProgressBar { width: 1fr; }
    MappingScreen #buttons { height: auto; margin-top: 1; }
    MappingScreen Button { margin-right: 2; }
    """

    def __init__(self, rows: IntakeRows, remap: Remap) -> None:
        super().__init__()
        self._rows = rows
        self._remap = remap
        self._working = False

    def compose(self) -> ComposeResult:
        rows = self._rows
        choices = [(Content("not used"), NOT_USED)]
        choices += [(Content(field_label(name)), name) for name in ROW_FIELDS]
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Header mapping · {rows.reference}"
            yield Static(
                shown(f"{rows.source}: each column as the sender headed it, and the learner "
                      "field it holds. Each field once."),
                id="explanation",
                markup=False,
            )  # fmt: skip
            with VerticalScroll(id="columns"):
                for index, heading in enumerate(rows.header):
                    with Horizontal(classes="row"):
                        yield Label(shown(f"{index + 1}. {heading}"), markup=False)
                        yield Select(
                            choices,
                            value=rows.mapping.get(index, NOT_USED),
                            allow_blank=False,
                            id=f"column-{index}",
                            compact=True,
                        )
            yield MessageLine(id="message")
            with Vertical(id="working"):
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("", id="stage", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Match again", id="apply", variant="primary")
                yield Button("Cancel", id="cancel")

    @property
    def mapping(self) -> dict[int, str]:
        found = {}
        for index in range(len(self._rows.header)):
            value = self.query_one(f"#column-{index}", Select).value
            if isinstance(value, str) and value != NOT_USED:
                found[index] = value
        return found

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        if self._working:
            return
        mapping, remap, post = self.mapping, self._remap, self._report_progress

        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(post, done, total, what)

        self._busy(True)
        self.query_one(MessageLine).show_busy("Validating and matching every row again…")
        self.run_worker(lambda: remap(mapping, progress), group=GROUP, thread=True,
                        exclusive=True, exit_on_error=False)  # fmt: skip

    def _busy(self, working: bool) -> None:
        self._working = working
        self.query_one("#apply", Button).disabled = working
        self.query_one("#working").set_class(working, "-shown")
        if working:
            self.query_one(ProgressBar).update(total=None, progress=0)

    def _report_progress(self, done: int, total: int, what: str) -> None:
        if self.is_attached:
            self.query_one(ProgressBar).update(total=total or None, progress=done)
            self.query_one("#stage", Static).update(progress_words(done, total, what))

    @on(Worker.StateChanged)
    def _done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != GROUP or not event.worker.is_finished:
            return
        if event.state is WorkerState.CANCELLED:
            return
        self._busy(False)
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, IntakeRows)
            self.dismiss(result)
            return
        error = event.worker.error
        if is_stale(error):
            self.dismiss(error)
            return
        self.query_one(MessageLine).show_error(error_text(error))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self._working:
            self.query_one(MessageLine).show_busy("Still matching: wait for it to finish…")
            return
        self.dismiss(None)
