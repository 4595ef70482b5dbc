"""Find a learner by ULN, given name and family name (User Guide §4.2.3)."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.values import Gender
from lrs_core.errors import ValidationError
from lrs_core.services.learners import FindResult, LearnerRecord, LearnerService
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.widgets.message_line import MessageLine

WORKER_GROUP = "find-learner"
FIELD_INPUTS = {"ULN": "#uln", "Given name": "#given", "Family name": "#family"}


def learner_rows(learner: LearnerRecord) -> list[tuple[str, str]]:
    """The details a desk operator reads back to a caller, in the order they ask."""
    names = " ".join(n for n in (learner.given_name, learner.middle_other_name) if n)
    address = ", ".join(
        part
        for part in (
            learner.address_line1,
            learner.address_line2,
            learner.address_town,
            learner.address_county_or_city,
        )
        if part
    )
    rows = [
        ("ULN", learner.uln),
        ("Name", f"{names} {learner.family_name}"),
        ("Preferred name", learner.preferred_given_name or ""),
        ("Previous family name", learner.previous_family_name or ""),
        ("Date of birth", f"{learner.date_of_birth.day} {learner.date_of_birth:%b %Y}"),
        ("Gender", Gender(learner.gender).label),
        ("Postcode", learner.postcode),
        ("Address", address),
        ("Email", learner.email or ""),
        ("Linked ULNs", ", ".join(learner.linked_ulns)),
        ("Created", f"{uk_datetime(learner.created_at)} by {learner.created_by}"),
    ]
    if learner.amended_at:
        rows.append(("Last amended", f"{uk_datetime(learner.amended_at)} by {learner.amended_by}"))
    return [(key, value) for key, value in rows if value]


class FindLearnerScreen(Screen[None]):
    CSS_PATH = "find_learner.tcss"
    AUTO_FOCUS = "#uln"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="find-learner.back"),
    ]

    def __init__(self, learners: LearnerService, actor: Actor) -> None:
        super().__init__()
        self._learners = learners
        self._actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="form"):
            with Horizontal(id="fields"):
                with Vertical(classes="field"):
                    yield Label("ULN")
                    yield Input(placeholder="10 digits", max_length=10, id="uln")
                with Vertical(classes="field"):
                    yield Label("Given name")
                    yield Input(id="given")
                with Vertical(classes="field"):
                    yield Label("Family name")
                    yield Input(id="family")
                yield Button("Find", id="find", variant="primary")
            yield MessageLine(id="message")
        with VerticalScroll(id="result"):
            yield Static("", id="outcome", markup=False)
            yield Grid(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Find a learner by ULN"

    @on(Input.Submitted, "#uln")
    def _to_given(self) -> None:
        self.query_one("#given", Input).focus()

    @on(Input.Submitted, "#given")
    def _to_family(self) -> None:
        self.query_one("#family", Input).focus()

    @on(Input.Submitted, "#family")
    @on(Button.Pressed, "#find")
    def _find(self) -> None:
        button = self.query_one("#find", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one(MessageLine).show_busy("Searching…")
        self._search(
            self.query_one("#uln", Input).value,
            self.query_one("#given", Input).value,
            self.query_one("#family", Input).value,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _search(self, uln: str, given: str, family: str) -> FindResult:
        return self._learners.find_by_uln(self._actor, uln, given, family)

    @on(Worker.StateChanged)
    async def _searched(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        self.query_one("#find", Button).disabled = False
        line = self.query_one(MessageLine)
        details = self.query_one("#details", Grid)
        await details.remove_children()
        outcome = self.query_one("#outcome", Static)
        outcome.update("")
        if event.state is not WorkerState.SUCCESS:
            error = event.worker.error
            if isinstance(error, ValidationError):
                line.show_error(f"{error.field}: {error.message}.")
                self.query_one(FIELD_INPUTS.get(error.field, "#uln"), Input).focus()
            else:
                line.show_error(error_text(error))
            return
        result = event.worker.result
        assert isinstance(result, FindResult)
        line.show_notice(f"{result.outcome} {result.outcome.meaning}: {result.message}")
        if result.learner is not None:
            outcome.update(f"{result.learner.given_name} {result.learner.family_name}")
            await details.mount_all(
                widget
                for key, value in learner_rows(result.learner)
                for widget in (Label(key, classes="key"), Label(value, markup=False))
            )
