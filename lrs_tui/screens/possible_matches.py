"""The possible-match check when registering (§4.2.2.1, §4.2.4): the learners the search found,
with their scores and why, under the warning the portal shows. Registering anyway needs an
explicit "Register learner"; Cancel is the focused, safe choice."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from lrs_core.domain.text import shown
from lrs_core.services.learners import RegisterResult
from lrs_tui.widgets.candidate_table import CandidateTable, ResultRow
from lrs_tui.widgets.desk_footer import DeskFooter


class PossibleMatchesScreen(ModalScreen[bool]):
    """Dismissed with True for "Register learner", False for Cancel."""

    CSS_PATH = "possible_matches.tcss"
    AUTO_FOCUS = "#cancel"
    # (Textual types this as an instance variable, hence no ClassVar.)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="possible-matches.cancel"),
    ]

    def __init__(self, result: RegisterResult) -> None:
        super().__init__()
        self._result = result

    def compose(self) -> ComposeResult:
        count = len(self._result.possible_matches)
        with Vertical(id="panel") as panel:
            panel.border_title = (
                f"{self._result.outcome} {count} possible match{'es' if count != 1 else ''}"
            )
            yield Static(shown(self._result.message), id="warning", markup=False)
            yield CandidateTable(id="matches")
            yield Static("", id="reasons", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Register learner", id="confirm", variant="warning", compact=True)
                yield Button("Cancel", id="cancel", variant="primary", compact=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one(CandidateTable)
        table.show(ResultRow.from_candidate(c) for c in self._result.possible_matches)
        self._show_reasons()

    @on(DataTable.RowHighlighted)
    def _show_reasons(self) -> None:
        row = self.query_one(CandidateTable).highlighted
        self.query_one("#reasons", Static).update(
            shown(f"{row.uln}: " + "; ".join(row.reasons)) if row else ""
        )

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
