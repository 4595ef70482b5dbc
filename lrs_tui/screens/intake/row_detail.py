"""One row that matched no learner outright: its values as sent, what failed validation, and
the best candidates the core found (at most three, best first). Enter on a candidate opens
their profile; ``g`` registers a learner from the row instead (the register form, filled
with the row's values: its own check for possible matches runs first)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from lrs_core.domain.text import shown
from lrs_core.services.intake import RowResult
from lrs_tui.formatting import percent
from lrs_tui.screens.intake.words import field_label
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.row_table import RowTable


class RowDetailScreen(ModalScreen[str | None]):
    """Dismissed with a candidate's ULN (open their profile), "register", or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="intake-row.close"),
        Binding("g", "register", "Register learner", id="intake-row.register"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    RowDetailScreen { align: center middle; }
    RowDetailScreen #dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    RowDetailScreen #values { height: auto; max-height: 12; }
    RowDetailScreen Grid { grid-size: 2; grid-columns: 24 1fr; height: auto; }
    RowDetailScreen .key { color: $text-muted; }
    RowDetailScreen #errors { text-style: bold; }
    RowDetailScreen .heading { margin-top: 1; text-style: bold; }
    RowDetailScreen RowTable { height: 4; }
    """

    def __init__(self, row: RowResult, *, may_register: bool) -> None:
        super().__init__()
        self._row = row
        self._may_register = may_register

    def compose(self) -> ComposeResult:
        row = self._row
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Row {row.number} · {row.outcome} {row.outcome_text}"
            with VerticalScroll(id="values"), Grid():
                for name, value in row.values.items():
                    yield Label(field_label(name), classes="key")
                    yield Label(shown(value) or "—", markup=False)
            if row.errors:
                yield Static(
                    "\n".join(shown(f"{name}: {rule}") for name, rule in row.errors),
                    id="errors",
                    markup=False,
                )
            if row.candidates:
                yield Static("Best candidates · Enter opens one", classes="heading")
                yield RowTable(id="candidates")
            else:
                yield Static("No candidate in the register.", classes="heading")

    def on_mount(self) -> None:
        if self._row.candidates:
            table = self.query_one("#candidates", RowTable)
            table.set_rows(
                ["ULN", "Name", "Born", "Postcode", "Score"],
                [10, 28, 11, 8, 5],
                [
                    [c.uln, c.name, c.date_of_birth, c.postcode, percent(c.score)]
                    for c in self._row.candidates
                ],
            )
            table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "register":
            return self._may_register
        return True

    @on(RowTable.RowChosen)
    def _chosen(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self._row.candidates):
            self.dismiss(self._row.candidates[event.index].uln)

    def action_register(self) -> None:
        self.dismiss("register")

    def action_close(self) -> None:
        self.dismiss(None)
