"""Find a learner: by ULN (§4.2.3) on the left, by personal details (§4.2.1) on the right,
as the portal lays them out; the learners found below, ranked, each with why it matched.
When nobody is a plausible match, weaker candidates may follow in a section of their own,
labelled "not a match" with the question to ask the caller that would decide them.

Enter on a learner opens the profile; ctrl+r registers a new learner with the personal
details typed here. At 80 columns the optional search fields sit behind ctrl+t.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.domain.values import UNKNOWN_POSTCODE, Gender
from lrs_core.errors import InvalidFields, ValidationError
from lrs_core.services.learners import FindResult, LearnerRecord, LearnerService
from lrs_core.services.search import WEAKER_LABEL, DemographicQuery, SearchResult
from lrs_tui.desk_actions import REGISTER_LEARNER
from lrs_tui.formatting import error_text
from lrs_tui.widgets.candidate_table import CandidateTable, ResultRow
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.fields import DATE_PLACEHOLDER, FieldInput, FieldSelect
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import FORM

WORKER_GROUP = "find-learner"


@dataclass(frozen=True)
class DetailField:
    name: str  # the DemographicQuery field
    label: str  # the core's label for it (errors name fields by label)
    input_id: str
    register_as: str  # the learner column it prefills when registering


ULN_FIELDS = {"ULN": "#uln", "Given name": "#uln-given", "Family name": "#uln-family"}
MANDATORY = (
    DetailField("given_name", "Given name", "given", "given_name"),
    DetailField("family_name", "Family name", "family", "family_name"),
    DetailField("date_of_birth", "Date of birth", "dob", "date_of_birth"),
    DetailField("gender", "Gender", "gender", "gender"),
    DetailField("postcode", "Postcode", "postcode", "postcode"),
)
OPTIONAL = (
    DetailField(
        "preferred_given_name", "Preferred given name", "preferred", "preferred_given_name"
    ),
    DetailField("middle_names", "Middle names", "middle", "middle_other_name"),
    DetailField("previous_family_name", "Previous family name", "previous", "previous_family_name"),
    DetailField("email", "Email", "email", "email"),
    DetailField("upn", "UPN", "upn", "upn"),
    DetailField("uci", "UCI", "uci", "uci"),
)
DETAILS = MANDATORY + OPTIONAL
PLACEHOLDERS = {"dob": DATE_PLACEHOLDER, "postcode": f"{UNKNOWN_POSTCODE} if unknown"}


class FindLearnerScreen(Screen[None]):
    CSS_PATH = "find_learner.tcss"
    AUTO_FOCUS = "#uln"
    # Below 110 columns the optional fields hide behind ctrl+t (80x24 has no room for them).
    # (Textual types this as an instance variable, hence no ClassVar.)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="find-learner.back"),
        # The app's Register, shown here: it starts from the details typed.
        REGISTER_LEARNER.screen_binding("find-learner.register", "Register"),
        # One key, named for what it does now: check_action shows the one that applies.
        Binding("ctrl+t", "more_fields", "More", id="find-learner.more-fields"),
        Binding("ctrl+t", "fewer_fields", "Fewer", id="find-learner.fewer-fields"),
    ]

    def __init__(self, learners: LearnerService, actor: Actor) -> None:
        super().__init__()
        self._learners = learners
        self._actor = actor
        self._form = "uln"  # which form the running (or last) search came from

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="forms"):
            # Two forms: Enter moves on or submits within its own (ordered_input.FORM).
            with Vertical(id="by-uln", classes=FORM) as by_uln:
                by_uln.border_title = "By ULN"
                with Grid(classes="fields"):
                    yield Label("ULN")
                    yield FieldInput(id="uln", placeholder="10 digits", required=True)
                    yield Label("Given")
                    yield FieldInput(id="uln-given", required=True)
                    yield Label("Family")
                    yield FieldInput(id="uln-family", required=True)
                with Horizontal(classes="buttons"):
                    yield Button("Find", id="find", compact=True, variant="primary")
            with Vertical(id="by-details", classes=FORM) as by_details:
                by_details.border_title = "By personal details"
                with Horizontal(id="columns"):
                    with Grid(id="mandatory", classes="fields"):
                        for field in MANDATORY:
                            yield Label(f"{field.label} *")
                            if field.name == "gender":
                                yield FieldSelect(Gender, id=field.input_id, required=True)
                            else:
                                placeholder = PLACEHOLDERS.get(field.input_id, "")
                                yield FieldInput(
                                    id=field.input_id,
                                    placeholder=placeholder,
                                    required=True,
                                )
                    with Grid(id="optional", classes="fields"):
                        for field in OPTIONAL:
                            yield Label(field.label)
                            yield FieldInput(id=field.input_id)
                with Horizontal(classes="buttons"):
                    yield Button("Search", id="search", compact=True, variant="primary")
                    yield Button("More fields", id="more", compact=True)
                    yield Label("* mandatory", id="mandatory-note")
        yield MessageLine(id="message")
        with Vertical(id="found"):
            yield CandidateTable(id="results")
            yield Static("", id="weaker-title", markup=False)
            yield CandidateTable(id="weaker")
            yield Static("", id="reasons", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Find a learner"
        for selector in ("#results", "#weaker-title", "#weaker"):
            self.query_one(selector).display = False

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh_bindings()  # "More fields" only applies to a narrow terminal

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more_fields":
            return self.has_class("-narrow") and not self.has_class("-more")
        if action == "fewer_fields":
            return self.has_class("-narrow") and self.has_class("-more")
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        """This screen's actions, for the app's command palette (the app's "Register a
        learner" starts from the details typed here)."""
        yield SystemCommand(
            "Find by ULN", "ULN, given name and family name", lambda: self._focus("#uln")
        )
        yield SystemCommand(
            "Find by personal details",
            "Given and family name, date of birth, gender, postcode",
            lambda: self._focus("#given"),
        )
        if self.has_class("-narrow"):
            yield SystemCommand(
                "Show or hide more search fields",
                "Preferred given name, middle names, previous family name, email, UPN, UCI",
                self._toggle_more,
            )

    def _focus(self, selector: str) -> None:
        self.query_one(selector).focus()

    # -- moving through the forms -------------------------------------------------------

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Enter submits the form it was pressed in (ordered_input.enter_target decides when).
        if event.input.id in {selector.removeprefix("#") for selector in ULN_FIELDS.values()}:
            self._find_by_uln()
        else:
            self._find_by_details()

    def action_more_fields(self) -> None:
        self._show_more(True)
        self.query_one("#preferred").focus()

    def action_fewer_fields(self) -> None:
        self._show_more(False)

    @on(Button.Pressed, "#more")
    def _toggle_more(self) -> None:
        if self.has_class("-more"):
            self.action_fewer_fields()
        else:
            self.action_more_fields()

    def _show_more(self, show: bool) -> None:
        self.set_class(show, "-more")
        self.query_one("#more", Button).label = "Fewer fields" if show else "More fields"
        self.refresh_bindings()  # the footer's ctrl+t says More or Fewer, as the button does

    # -- searching ------------------------------------------------------------------------

    @on(Button.Pressed, "#find")
    def _find_by_uln(self) -> None:
        uln, given, family = (
            self.query_one(selector, Input).value for selector in ULN_FIELDS.values()
        )
        self._start("uln", "Finding…")
        self._search_by_uln(uln, given, family)

    @on(Button.Pressed, "#search")
    def _find_by_details(self) -> None:
        self._start("details", "Searching…")
        self._search_by_details(DemographicQuery(**self._details()))

    def _details(self) -> dict[str, str]:
        """What the details form holds, by DemographicQuery field."""
        return {field.name: self._text(field.input_id) for field in DETAILS}

    def _text(self, input_id: str) -> str:
        widget = self.query_one(f"#{input_id}")
        if isinstance(widget, FieldSelect):
            return widget.text
        assert isinstance(widget, Input)
        return widget.value

    def _start(self, form: str, busy: str) -> None:
        self._form = form
        for button in self.query(".buttons Button"):
            button.disabled = True
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        self.query_one(MessageLine).show_busy(busy)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _search_by_uln(self, uln: str, given: str, family: str) -> FindResult:
        return self._learners.find_by_uln(self._actor, uln, given, family)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _search_by_details(self, query: DemographicQuery) -> SearchResult:
        return self._learners.find_by_details(self._actor, query)

    @on(Worker.StateChanged)
    def _searched(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        for button in self.query(".buttons Button"):
            button.disabled = False
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, FindResult):
                self._show_found(result)
            elif isinstance(result, SearchResult):
                self._show_search(result)
        elif event.state is WorkerState.ERROR:
            self._show_error(event.worker.error)

    def _show_found(self, result: FindResult) -> None:
        rows = [ResultRow.from_learner(result.learner, result.message)] if result.learner else []
        self._show_rows(f"{result.outcome} {result.outcome.meaning}: {result.message}", rows)

    def _show_search(self, result: SearchResult) -> None:
        rows = [ResultRow.from_candidate(c) for c in result.candidates]
        weaker = [ResultRow.from_candidate(c) for c in result.weaker]
        outcome = f"{result.outcome} {result.outcome.meaning}: {result.message}"
        self._show_rows(outcome, rows, weaker)

    def _show_rows(
        self,
        outcome: str,
        rows: list[ResultRow],
        weaker: list[ResultRow] | None = None,
    ) -> None:
        self.query_one(MessageLine).show_notice(outcome)
        table = self.query_one("#results", CandidateTable)
        table.show(rows)
        table.display = bool(rows)
        # Weaker candidates (never with plausible ones): apart, under their own label (the
        # message line above says what to ask the caller).
        weak = self.query_one("#weaker", CandidateTable)
        weak.show(weaker or [])
        weak.display = bool(weaker)
        title = self.query_one("#weaker-title", Static)
        title.update(WEAKER_LABEL)
        title.display = bool(weaker)
        shown_table = table if rows else weak
        self._show_reasons(shown_table.highlighted)
        if rows or weaker:
            shown_table.focus()

    def _show_error(self, error: BaseException | None) -> None:
        self._show_rows("", [])
        line = self.query_one(MessageLine)
        if not isinstance(error, ValidationError):
            line.show_error(error_text(error))
            return
        errors = error.errors if isinstance(error, InvalidFields) else [error]
        line.show_error("\n".join(f"{e.field}: {e.message}." for e in errors))
        targets = (
            ULN_FIELDS
            if self._form == "uln"
            else {field.label: f"#{field.input_id}" for field in DETAILS}
        )
        widgets = [self.query_one(targets[e.field]) for e in errors if e.field in targets]
        for widget in widgets:
            widget.add_class("-invalid")
        if widgets:
            if widgets[0].id in {f.input_id for f in OPTIONAL} and self.has_class("-narrow"):
                self._show_more(True)  # an optional field is at fault: show it
            widgets[0].focus()

    # -- results ----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#results, #weaker")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, CandidateTable):
            self._show_reasons(event.data_table.highlighted)

    def _show_reasons(self, row: ResultRow | None) -> None:
        reasons = self.query_one("#reasons", Static)
        reasons.update(shown(f"{row.uln}: " + "; ".join(row.reasons)) if row else "")
        reasons.display = row is not None

    @on(DataTable.RowSelected, "#results, #weaker")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open_profile(event.row_key.value)

    def open_profile(self, uln: str) -> None:
        from lrs_tui.screens.learner_profile import LearnerProfileScreen

        self.app.push_screen(LearnerProfileScreen(self._learners, self._actor, uln))

    # -- registering --------------------------------------------------------------------------

    def action_register(self) -> None:
        """Register with the details typed here (the app's Register, on this screen)."""
        from lrs_tui.screens.learner_form import LearnerFormScreen

        prefill = {field.register_as: self._text(field.input_id) for field in DETAILS}
        screen = LearnerFormScreen.register(self._learners, self._actor, prefill)
        self.app.push_screen(screen, callback=self._registered)

    def _registered(self, learner: LearnerRecord | None) -> None:
        if learner is not None:
            self.open_profile(learner.uln)
