"""The rows of an open intake case (issue 13 items 5 and 8): every row with its number in the
sheet, the outcome code and its words (the LRS search codes: WSRC0004 exact match...), the
learner matched or the best candidate, and what failed validation (field and rule). ``/``
shows one outcome at a time; Enter on a matched row opens the learner's profile (the existing
screen), on any other row its details and candidates; ``d`` raises a ULN challenge on the
row's learner, ``g`` registers a learner from the row (the register form, filled with the
row's values); ``m`` corrects the header mapping and matches every row again, ``x`` exports
the results for the sender. Reading the rows is an audited look (the core's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Static

from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.domain.values import OutcomeCode
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.intake import IntakeRows, Progress, RowResult
from lrs_tui.formatting import error_text, percent
from lrs_tui.screens.accounts.shared import CoreCalls
from lrs_tui.screens.challenge_queue import QueueTable
from lrs_tui.screens.intake.words import field_label
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

WIDE = 110
ALL = ""  # the outcome filter showing every row
INVALID = "INVALID"


def errors_words(row: RowResult) -> str:
    """``Date of birth: must not be in the future; Postcode: ...``; "—" for none."""
    return "; ".join(f"{name}: {rule}" for name, rule in row.errors) or "—"


def outcome_short(code: str) -> str:
    """The LRS code's own meaning ("Exact match"); the row's full words are shown above the
    table for the row under the cursor."""
    try:
        return OutcomeCode(code).meaning
    except ValueError:
        return "Invalid row" if code == INVALID else code


def learner_cell(row: RowResult) -> str:
    """The learner matched, else the best candidate with its score, else a dash."""
    if row.uln:
        return row.uln
    if row.candidates:
        best = row.candidates[0]
        return f"{best.uln}? {percent(best.score)}"
    return "—"


def name_of(values: Mapping[str, str]) -> str:
    return " ".join(v for v in (values.get("given_name", ""), values.get("family_name", "")) if v)


def columns(width: int) -> list[tuple[str, int]]:
    """(heading, width); the errors take what is left."""
    wide = width >= WIDE
    chosen = [("Row", 5), ("Outcome", 8), ("In words", 17 if wide else 13),
              ("ULN / best", 15)]  # fmt: skip
    if wide:
        chosen.append(("Name as sent", 24))
    fixed = sum(w for _, w in chosen)
    spare = width - RowTable.gaps(len(chosen) + 1) - 3 - fixed
    return [*chosen, ("Errors (field: rule)", max(12, spare))]


def cells(row: RowResult, *, wide: bool) -> list[str]:
    found = [str(row.number), row.outcome, outcome_short(row.outcome), learner_cell(row)]
    if wide:
        found.append(name_of(row.values) or "—")
    return [*found, errors_words(row)]


def outcomes_in(rows: Iterable[RowResult]) -> list[str]:
    """The outcome codes present, in code order (INVALID last)."""
    codes = {r.outcome for r in rows}
    return sorted(codes, key=lambda c: (c == INVALID, c))


class IntakeRowsScreen(CoreCalls, Screen[None]):
    CSS_PATH = "rows.tcss"
    AUTO_FOCUS = "#rows"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="intake-rows.back"),
        Binding("slash", "next_outcome", "Filter", id="intake-rows.filter"),
        Binding("a", "all_rows", "All rows", show=False, id="intake-rows.all"),
        Binding("d", "raise_challenge", "Challenge", show=False, id="intake-rows.challenge"),
        Binding("g", "register", "Register", show=False, id="intake-rows.register"),
        Binding("m", "mapping", "Mapping", id="intake-rows.mapping"),
        Binding("x", "export", "Export", id="intake-rows.export"),
        Binding("r", "reload", "Reload", show=False, id="intake-rows.reload"),
    ]

    def __init__(
        self,
        services: Services,
        actor: Actor,
        reference: str,
        *,
        rows: IntakeRows | None = None,
        advice: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.reference = reference
        self.rows = rows
        self._advice = advice
        self.outcome = ALL
        self.shown_rows: tuple[RowResult, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="source", markup=False)
            yield Static("", id="advice", markup=False)
            yield Static("", id="showing", markup=False)
            yield Static("", id="current", markup=False)
            yield MessageLine(id="message")
        yield QueueTable(id="rows")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Intake {self.reference} · rows"
        self.watch(self.query_one(QueueTable), "cursor", self._show_current, init=False)
        advice = self.query_one("#advice", Static)
        advice.display = bool(self._advice)
        if self._advice:
            advice.update(
                "The passphrase opened the file but is short of the guidance: tell the sender. "
                + " ".join(shown(a) for a in self._advice)
            )
        if self.rows is None:
            self.action_reload()
        else:
            self._show_rows()

    def on_resize(self) -> None:
        self._show_rows()

    # -- what is offered ------------------------------------------------------------------

    @property
    def current(self) -> RowResult | None:
        table = self.query_one(QueueTable)
        if 0 <= table.cursor < len(self.shown_rows):
            return self.shown_rows[table.cursor]
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "raise_challenge":
            row = self.current
            return row is not None and bool(row.uln) and self._actor.may(Permission.RAISE_CHALLENGE)
        if action == "register":
            row = self.current
            return row is not None and not row.uln and self._actor.may(Permission.REGISTER_LEARNER)
        if action in ("mapping", "export", "next_outcome"):
            return self.rows is not None
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.rows is not None:
            for code in outcomes_in(self.rows.rows):
                yield SystemCommand(f"Rows: show only {code}", "Filter by outcome",
                                    lambda code=code: self.set_outcome(code))  # fmt: skip
            yield SystemCommand("Rows: show every row", "Clear the filter (key a)",
                                self.action_all_rows)  # fmt: skip
            yield SystemCommand("Rows: correct the header mapping",
                                "Which column holds which learner field; every row matched "
                                "again (key m)", self.action_mapping)  # fmt: skip
            yield SystemCommand("Rows: export the results for the sender",
                                "An AES zip with a new passphrase, shown once (key x)",
                                self.action_export)  # fmt: skip
        if self.check_action("raise_challenge", ()):
            yield SystemCommand("Rows: raise a ULN challenge on this row's learner",
                                "The raise-challenge form (key d)",
                                self.action_raise_challenge)  # fmt: skip
        if self.check_action("register", ()):
            yield SystemCommand("Rows: register a learner from this row",
                                "The register form, filled with the row (key g)",
                                self.action_register)  # fmt: skip
        yield SystemCommand("Rows: read again", "The rows as matched (key r)",
                            self.action_reload)  # fmt: skip

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one(MessageLine).show_busy("Reading the rows…")
        intake, actor, reference = self._services.intake, self._actor, self.reference
        self.call("load", lambda: intake.rows(actor, reference))

    def done_load(self, rows: IntakeRows | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if rows is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        self.show(rows)

    def show(self, rows: IntakeRows) -> None:
        self.rows = rows
        if self.outcome not in outcomes_in(rows.rows):
            self.outcome = ALL
        self._show_rows()

    def _show_rows(self) -> None:
        rows = self.rows
        if rows is None:
            return
        width = self.size.width
        chosen = columns(width)
        self.shown_rows = tuple(r for r in rows.rows if self.outcome in (ALL, r.outcome))
        table = self.query_one(QueueTable)
        keep = table.cursor
        table.marked = [bool(r.errors) or r.outcome == INVALID for r in self.shown_rows]
        table.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                       [cells(r, wide=width >= WIDE) for r in self.shown_rows])  # fmt: skip
        table.cursor = min(keep, max(0, len(self.shown_rows) - 1))
        n, total = len(self.shown_rows), len(rows.rows)
        table.border_title = f"{n} row{'s' if n != 1 else ''}" + (
            f" of {total}" if n != total else ""
        )
        table.border_subtitle = "bold: fails validation" if any(table.marked) else ""
        if width >= WIDE:
            mapped = ", ".join(
                f"{shown(rows.header[i]) if i < len(rows.header) else i} → {field_label(f)}"
                for i, f in sorted(rows.mapping.items())
            )
            columns_words = f"columns: {mapped or 'none mapped'} (m corrects)"
        else:
            n = len(rows.mapping)
            columns_words = f"{n} of {len(rows.header)} columns mapped (m shows, corrects)"
        self.query_one("#source", Static).update(
            shown(f"From {rows.source}") + f" · {columns_words}"
        )
        counts = " · ".join(
            f"{code} {sum(1 for r in rows.rows if r.outcome == code)}"
            for code in outcomes_in(rows.rows)
        )
        what = "every row" if self.outcome == ALL else f"only {self.outcome}"
        self.query_one("#showing", Static).update(f"Showing {what}: {counts} (/ next outcome)")
        self._show_current()
        self.refresh_bindings()

    def _show_current(self) -> None:
        """The core's full words for the row under the cursor (the table has the code)."""
        row = self.current
        current = self.query_one("#current", Static)
        current.display = row is not None
        if row is not None:
            current.update(shown(f"Row {row.number}: {row.outcome_text}"))

    # -- filtering --------------------------------------------------------------------------

    def set_outcome(self, code: str) -> None:
        self.outcome = code
        self._show_rows()

    def action_next_outcome(self) -> None:
        if self.rows is None:
            return
        order = [ALL, *outcomes_in(self.rows.rows)]
        index = order.index(self.outcome) if self.outcome in order else 0
        self.set_outcome(order[(index + 1) % len(order)])

    def action_all_rows(self) -> None:
        self.set_outcome(ALL)

    # -- from a row to the existing screens -------------------------------------------------

    @on(RowTable.RowChosen)
    def _chosen(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self.shown_rows):
            self.open_row(self.shown_rows[event.index])

    def open_row(self, row: RowResult) -> None:
        if row.uln:
            self.open_learner(row.uln)
            return
        from lrs_tui.screens.intake.row_detail import RowDetailScreen

        may_register = self._actor.may(Permission.REGISTER_LEARNER)
        self.app.push_screen(RowDetailScreen(row, may_register=may_register),
                             callback=self._row_choice)  # fmt: skip

    def _row_choice(self, choice: str | None) -> None:
        if choice == "register":
            self.action_register()
        elif choice:
            self.open_learner(choice)

    def open_learner(self, uln: str) -> None:
        from lrs_tui.screens.learner_profile import LearnerProfileScreen

        self.app.push_screen(LearnerProfileScreen(self._services.learners, self._actor, uln))

    def action_raise_challenge(self) -> None:
        from lrs_core.domain.kinds import ChallengeKind
        from lrs_tui.screens.raise_challenge import RaiseChallengeScreen

        row = self.current
        if row is None or not row.uln:
            return
        screen = RaiseChallengeScreen(
            self._services.challenges,
            self._actor,
            kind=ChallengeKind.ULN,
            uln=row.uln,
            name=name_of(row.values) or f"the learner on row {row.number}",
        )
        self.app.push_screen(screen, callback=self._raised)

    def _raised(self, result: object) -> None:
        reference = getattr(result, "reference", None)
        if reference:
            self.query_one(MessageLine).show_notice(f"Data challenge {reference} raised.")

    def action_register(self) -> None:
        from lrs_tui.screens.learner_form import LearnerFormScreen

        row = self.current
        if row is None or row.uln:
            return
        prefill = {k: v for k, v in row.values.items() if k != "uln" and v}
        form = LearnerFormScreen.register(self._services.learners, self._actor, prefill)
        self.app.push_screen(form, callback=self._registered)

    def _registered(self, learner: object) -> None:
        uln = getattr(learner, "uln", None)
        if uln:
            self.query_one(MessageLine).show_notice(
                f"Learner {uln} registered. r matches every row again."
            )

    # -- the mapping and the export ---------------------------------------------------------

    def action_mapping(self) -> None:
        from lrs_tui.screens.intake.mapping import MappingScreen

        rows = self.rows
        if rows is None:
            return
        intake, actor, reference = self._services.intake, self._actor, self.reference
        version = rows.row_version

        def remap(mapping: Mapping[int, str], progress: Progress) -> IntakeRows:
            return intake.remap(actor, reference, mapping, progress=progress,
                                expected_version=version)  # fmt: skip

        self.app.push_screen(MappingScreen(rows, remap), callback=self._remapped)

    def _remapped(self, result: IntakeRows | BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if isinstance(result, IntakeRows):
            self.show(result)
            line.show_notice("Mapping saved: every row validated and matched again.")
        elif isinstance(result, BaseException):
            line.show_error(error_text(result))
            self.action_reload()

    def action_export(self) -> None:
        from lrs_tui.screens.intake.export import start_export

        if self.rows is not None:
            start_export(self, self._services, self._actor, self.reference)
