"""Find an organisation (issue 12 item 1; User Guide §3): one field, a UKPRN (the core's
8-digit rule) or part of a name (folded by the core); the results as a table (UKPRN, name,
kind, active super users with §3.1's warning in words); Enter opens the organisation.

Every operator may search (VIEW_ORGANISATIONS); a malformed UKPRN is the core's message on
the message line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label

from lrs_core.actor import Actor
from lrs_core.services import Services
from lrs_core.services.accounts_view import OrganisationSummary
from lrs_tui.formatting import error_text
from lrs_tui.screens.accounts.shared import (
    CoreCalls,
    organisation_kind,
    portal_words,
    super_user_cell,
)
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import FORM, OrderedInput
from lrs_tui.widgets.row_table import RowTable

WIDE = 110
Found = tuple[tuple[OrganisationSummary, ...], bool]  # from this width the portal column shows


def columns(width: int) -> list[tuple[str, int]]:
    """(heading, width): the name takes what is left."""
    fixed = [("UKPRN", 8), ("Kind", 18), ("Super users", 14)]
    if width >= WIDE:
        fixed.append(("Portal", 8))
    spare = width - RowTable.gaps(len(fixed) + 1) - 3 - sum(w for _, w in fixed)
    return [fixed[0], ("Name", max(12, spare)), *fixed[1:]]


def cells(row: OrganisationSummary, *, wide: bool) -> list[str]:
    values = [row.ukprn, row.name, organisation_kind(row), super_user_cell(row)]
    if wide:
        values.append(portal_words(row.portal_enabled))
    return values


class OrganisationSearchScreen(CoreCalls, Screen[None]):
    CSS_PATH = "organisation_search.tcss"
    AUTO_FOCUS = "#query"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="org-search.back"),
    ]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.results: tuple[OrganisationSummary, ...] = ()
        self.more = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="search", classes=FORM):
            yield Label("UKPRN (8 digits) or part of the organisation's name")
            yield OrderedInput(id="query", max_length=200, required=True)
            yield MessageLine(id="message")
        yield RowTable(id="results")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Find an organisation"
        self.query_one(RowTable).display = False

    @on(Input.Submitted, "#query")
    def action_search(self) -> None:
        query = self.query_one("#query", Input).value
        self.query_one(MessageLine).show_busy("Searching…")
        self.call("find", lambda: self._services.organisations.find(self._actor, query))

    def done_find(self, result: Found | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if result is None:
            line.show_error(error_text(error))
            self.query_one("#query", Input).focus()
            return
        self.results, self.more = result
        n = len(self.results)
        if not n:
            line.show_notice("No organisation matches: check the UKPRN, or try part of the name.")
        elif self.more:
            line.show_notice(f"The first {n} shown: type more of the name to narrow them.")
        else:
            line.clear()
        self._show_rows()
        if n:
            self.query_one(RowTable).focus()

    def on_resize(self) -> None:
        self._show_rows()

    def _show_rows(self) -> None:
        table = self.query_one(RowTable)
        table.display = bool(self.results)
        if not self.results:
            return
        wide = self.size.width >= WIDE
        chosen = columns(self.size.width)
        table.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                       [cells(r, wide=wide) for r in self.results])  # fmt: skip
        n = len(self.results)
        table.border_title = f"{n} organisation{'s' if n != 1 else ''}" + (
            " (more: narrow the search)" if self.more else ""
        )
        table.border_subtitle = "Enter: open · §3.1: 3 to 5 active super users"

    @on(RowTable.RowChosen)
    def _chosen(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self.results):
            self.open_organisation(self.results[event.index].ukprn)

    def open_organisation(self, ukprn: str) -> None:
        from lrs_tui.screens.accounts.organisation_view import OrganisationViewScreen

        self.app.push_screen(OrganisationViewScreen(self._services, self._actor, ukprn))

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Organisations: search", "By UKPRN or part of the name",
                            self._focus_query)  # fmt: skip

    def _focus_query(self) -> None:
        self.query_one("#query", Input).focus()
