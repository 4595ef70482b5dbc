"""Dialogs over the challenge queue and detail: the queue's filters, the words an action needs
(a note, a reason the raiser can be given, the awarding organisation's answer), and the
preview of a change to learners, confirmed explicitly (Cancel has the focus; possible twins
ask a second time).

Each dialog that acts calls the core in a worker and stays open on a refusal it can fix here
(a missing reason: its message line says which rule); a stale screen or a lost claim closes
it with the core's words, so the screen under it says so and reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState

from lrs_core.domain.kinds import ChallengeKind, ChallengeStatus, ChallengeType
from lrs_core.domain.learner_fields import validate_learner_fields
from lrs_core.domain.text import shown
from lrs_core.errors import InvalidFields, StalePreview, TwinsNeedConfirmation, ValidationError
from lrs_core.services.challenges import (
    Assignee,
    ChallengeClaimed,
    ChallengeEvent,
    QueueFilter,
    QueueSort,
    StaleChallenge,
)
from lrs_tui.formatting import error_text
from lrs_tui.screens.challenge_queue import SHORT_STATUSES, SHORT_TYPES, SORT_WORDS
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.learner_fields import LearnerFields
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

# Refusals that mean the screen underneath is out of date: the dialog closes with them.
STALE = (StaleChallenge, ChallengeClaimed)

_OPEN_WORK = "open"
_EVERYTHING = "all"
_STATUS_CHOICES: list[tuple[str, str]] = [
    ("Open work (not closed)", _OPEN_WORK),
    *((SHORT_STATUSES[s], str(s)) for s in ChallengeStatus),
    ("Every status, closed too", _EVERYTHING),
]


class QueueFilterScreen(ModalScreen[QueueFilter | None]):
    """What the queue shows: kind, type, status, organisation, assignee and age."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="queue-filter.cancel"),
        Binding("ctrl+n", "clear", "Clear", id="queue-filter.clear"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    QueueFilterScreen { align: center middle; }
    QueueFilterScreen #dialog {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    QueueFilterScreen .row { height: auto; }
    QueueFilterScreen .row Label { width: 14; padding-top: 0; }
    QueueFilterScreen .row Select, QueueFilterScreen .row Input { width: 1fr; }
    QueueFilterScreen #buttons { height: auto; margin-top: 1; }
    QueueFilterScreen Button { margin-right: 2; }
    """

    def __init__(self, filters: QueueFilter, *, analyst: bool) -> None:
        super().__init__()
        self._filters = filters
        self._analyst = analyst

    def compose(self) -> ComposeResult:
        f = self._filters
        if f.statuses is None:
            status = _OPEN_WORK
        elif len(f.statuses) == 1:
            status = str(next(iter(f.statuses)))
        else:
            status = _EVERYTHING
        if f.assignee in ("", Assignee.MINE, Assignee.UNASSIGNED):
            assignee_choice, someone = str(f.assignee), ""
        else:
            assignee_choice, someone = "someone", f.assignee
        assignees = [("Anyone", ""), ("Unclaimed", str(Assignee.UNASSIGNED))]
        if self._analyst:
            assignees.insert(1, ("Mine", str(Assignee.MINE)))
        assignees.append(("This analyst:", "someone"))
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Filter the queue"
            with Horizontal(classes="row"):
                yield Label("Kind")
                yield Select(
                    [("ULN and event", ""), ("ULN", str(ChallengeKind.ULN)),
                     ("Event", str(ChallengeKind.EVENT))],
                    value=str(f.kind or ""), allow_blank=False, id="kind", compact=True,
                )  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Type")
                yield Select(
                    [("Every type", ""), *((SHORT_TYPES[t], str(t)) for t in ChallengeType)],
                    value=str(f.challenge_type or ""),
                    allow_blank=False,
                    id="type",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("Status")
                yield Select(_STATUS_CHOICES, value=status, allow_blank=False, id="status",
                             compact=True)  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Assignee")
                yield Select(assignees, value=assignee_choice, allow_blank=False, id="assignee",
                             compact=True)  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("  username")
                yield OrderedInput(someone, id="someone", compact=True, max_length=64,
                                   placeholder="the analyst's username")  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Organisation")
                yield OrderedInput(
                    f.organisation,
                    id="organisation",
                    compact=True,
                    max_length=100,
                    placeholder="UKPRN or part of its name",
                )
            with Horizontal(classes="row"):
                yield Label("Older than")
                yield OrderedInput(
                    "" if f.older_than_days is None else str(f.older_than_days),
                    id="age", compact=True, max_length=5, restrict=r"[0-9]*",
                    placeholder="days since raised (blank: any age)",
                )  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Sort by")
                yield Select([(w, str(s)) for s, w in SORT_WORDS.items()], value=str(f.sort),
                             allow_blank=False, id="sort", compact=True)  # fmt: skip
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Show", id="apply", variant="primary")
                yield Button("Clear filters", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#kind", Select).focus()

    def _value(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else ""

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def _apply(self) -> None:
        status = self._value("#status")
        statuses: frozenset[ChallengeStatus] | None
        if status == _OPEN_WORK:
            statuses = None
        elif status == _EVERYTHING:
            statuses = frozenset(ChallengeStatus)
        else:
            statuses = frozenset({ChallengeStatus(status)})
        assignee = self._value("#assignee")
        if assignee == "someone":
            assignee = self.query_one("#someone", Input).value.strip()
            if not assignee:
                self.query_one(MessageLine).show_error(
                    "Assignee: type the analyst's username, or choose Anyone."
                )
                return
        age = self.query_one("#age", Input).value.strip()
        kind, kind_of = self._value("#kind"), self._value("#type")
        self.dismiss(
            QueueFilter(
                kind=ChallengeKind(kind) if kind else None,
                challenge_type=ChallengeType(kind_of) if kind_of else None,
                statuses=statuses,
                organisation=self.query_one("#organisation", Input).value.strip(),
                assignee=assignee,
                older_than_days=int(age) if age else None,
                sort=QueueSort(self._value("#sort") or QueueSort.DUE),
            )
        )

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(QueueFilter(sort=self._filters.sort))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class _Dialog(ModalScreen[Any]):
    """What the acting dialogs share: a worker for the core's call, errors in the message
    line, a refusal meaning the screen underneath is stale closing the dialog with it."""

    GROUP = "challenge-dialog"

    def _busy(self, text: str) -> None:
        for button in self.query(Button):
            button.disabled = button.id != "cancel"
        self.query_one(MessageLine).show_busy(text)

    def _ready(self) -> None:
        for button in self.query(Button):
            button.disabled = False

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def _call(self, call: Callable[[], object]) -> object:
        return call()

    @on(Worker.StateChanged)
    def _called(self, event: Worker.StateChanged) -> None:
        if event.worker.group != self.GROUP or not event.worker.is_finished:
            return
        if event.state is WorkerState.CANCELLED:
            return
        self._ready()
        if event.state is WorkerState.SUCCESS:
            self._done(event.worker.result)
            return
        error = event.worker.error
        if isinstance(error, STALE):
            self.dismiss(error)
            return
        self._failed(error)

    def _done(self, result: object) -> None:
        self.dismiss(result)

    def _failed(self, error: BaseException | None) -> None:
        self.query_one(MessageLine).show_error(error_text(error))


class WordsDialog(_Dialog):
    """One action that needs words: a note, a reason the raiser can be given, what is
    awaited. ``act(text)`` is the core's call (run in a worker); it closes with its result,
    or with a stale-screen refusal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="challenge-words.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    WordsDialog { align: center middle; }
    WordsDialog #dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    WordsDialog #explain-box { height: auto; max-height: 12; }
    WordsDialog #explanation { color: $text-muted; }
    WordsDialog #buttons { height: auto; margin-top: 1; }
    WordsDialog Button { margin-right: 2; }
    """

    def __init__(
        self,
        title: str,
        explanation: str,
        label: str,
        act: Callable[[str], object],
        *,
        button: str,
        required: bool = True,
        max_length: int = 2000,
    ) -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._label = label
        self._act = act
        self._button = button
        self._required = required
        self._max_length = max_length

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            with VerticalScroll(id="explain-box"):
                yield Static(self._explanation, id="explanation", markup=False)
            yield Label(self._label + ("" if self._required else " (optional)"))
            yield OrderedInput(id="words", max_length=self._max_length, required=self._required)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button(self._button, id="act", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#words", Input).focus()

    @on(Input.Submitted, "#words")
    @on(Button.Pressed, "#act")
    def _submit(self) -> None:
        words = self.query_one("#words", Input).value
        self._busy("Saving…")
        self._call(lambda: self._act(words))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AoAnswerDialog(_Dialog):
    """The awarding organisation's answer to a referral: confirmed (back to the analyst to
    apply the correction) or not (kept; the analyst then resolves or rejects)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ao-answer.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    AoAnswerDialog { align: center middle; }
    AoAnswerDialog #dialog {
        width: 76; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
    }
    AoAnswerDialog #buttons { height: auto; margin-top: 1; }
    AoAnswerDialog Button { margin-right: 1; }
    """

    def __init__(self, reference: str, act: Callable[[str, bool], object]) -> None:
        super().__init__()
        self._reference = reference
        self._act = act

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"The awarding organisation's answer · {self._reference}"
            yield Label("Their answer, as they gave it")
            yield OrderedInput(id="answer", max_length=2000, required=True)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("They confirmed it", id="confirmed", variant="primary")
                yield Button("They did not", id="declined")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    @on(Button.Pressed, "#confirmed")
    @on(Button.Pressed, "#declined")
    def _answer(self, event: Button.Pressed) -> None:
        answer = self.query_one("#answer", Input).value
        confirmed = event.button.id == "confirmed"
        self._busy("Saving…")
        self._call(lambda: self._act(answer, confirmed))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class Plan(Protocol):
    def lines(self) -> tuple[str, ...]: ...


class PreviewDialog(_Dialog):
    """A change to learners, previewed first: ``preview()`` (a worker; writes nothing) gives
    the plan, whose ``lines()`` say exactly what would change; nothing is done until the
    operator presses the confirming button (Cancel has the focus). A plan for possible twins
    asks a second time. ``apply(plan, twins_confirmed)`` then makes the change; a plan gone
    stale meanwhile is previewed again and asked again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="preview.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    PreviewDialog { align: center middle; }
    PreviewDialog #dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; padding: 0 1;
    }
    PreviewDialog #plan { height: auto; max-height: 16; border: round $border; }
    PreviewDialog #twins { text-style: bold reverse; display: none; }
    PreviewDialog #twins.-shown { display: block; }
    PreviewDialog #buttons { height: auto; }
    PreviewDialog Button { margin-right: 2; }
    """

    def __init__(
        self,
        title: str,
        confirm: str,
        preview: Callable[[], Plan],
        apply: Callable[[Plan, bool], object],
        *,
        extra: Callable[[Plan], tuple[str, ...]] | None = None,
        matches_ruled_out: Callable[[list[str]], None] | None = None,
    ) -> None:
        super().__init__()
        self._matches_ruled_out = matches_ruled_out
        self._title = title
        self._confirm = confirm
        self._preview = preview
        self._apply = apply
        self._extra = extra
        self.plan: Plan | None = None
        self._twins_confirmed = False
        self._applying = False
        self._stale = False  # the last confirmation met a stale preview

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            dialog.border_subtitle = "nothing changes until you confirm"
            with VerticalScroll(id="plan"):
                yield Static("Previewing…", id="lines", markup=False)
            yield Static("", id="twins", markup=False)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, id="confirm", variant="warning", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self._busy("Previewing: nothing is changed…")
        self._call(self._preview)

    @property
    def possible_twins(self) -> bool:
        return bool(getattr(self.plan, "possible_twins", False))

    @property
    def possible_matches(self) -> list[str]:
        """ULNs the registration search found who may be the person (a split's plan)."""
        return [uln for uln, *_ in getattr(self.plan, "possible_matches", ())]

    def _done(self, result: object) -> None:
        if self._applying:
            self.dismiss(result)
            return
        plan = result
        assert hasattr(plan, "lines")
        self.plan = plan
        lines = list(plan.lines())  # each line already through shown()
        if self._extra is not None:
            lines += self._extra(plan)
        self.query_one("#lines", Static).update("\n".join(lines))
        if self._stale:
            self.query_one(MessageLine).show_error(
                "The records changed after your preview: nothing was changed. This is the"
                " preview as they are now: check it again, then confirm."
            )
        else:
            self.query_one(MessageLine).show_notice(
                "This is a preview: nothing has changed. Check every line, then confirm."
            )
        confirm = self.query_one("#confirm", Button)
        confirm.disabled = False
        confirm.label = self._confirm
        if self.possible_matches and self._matches_ruled_out is not None:
            # §4.2.2.1: each possible match is ruled out first, then previewed again.
            confirm.label = "None of them is this person: preview again"
        self.query_one("#cancel", Button).focus()

    def _failed(self, error: BaseException | None) -> None:
        self._applying = False
        super()._failed(error)
        if isinstance(error, StalePreview):
            # The learners changed since the preview: show what would happen now, and ask
            # again (nothing was written).
            self._twins_confirmed = False
            self._stale = True
            self.query_one("#confirm", Button).disabled = True
            self._call(self._preview)
        elif self.plan is None:
            self.query_one("#lines", Static).update("Nothing can be previewed.")
            self.query_one("#confirm", Button).disabled = True
        if isinstance(error, TwinsNeedConfirmation):
            self._ask_about_twins()

    def _ask_about_twins(self) -> None:
        twins = self.query_one("#twins", Static)
        twins.update(
            "POSSIBLE TWINS: the same family name, date of birth and postcode but different"
            " given names. Merging twins joins two people's records. Press the button again"
            " only if you are sure they are one person."
        )
        twins.add_class("-shown")
        self.query_one("#confirm", Button).label = f"{self._confirm}: they are one person"
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirmed(self) -> None:
        if self.plan is None:
            return
        matches = self.possible_matches
        if matches and self._matches_ruled_out is not None:
            self._matches_ruled_out(matches)
            self.plan = None
            self._busy("Previewing again: nothing is changed…")
            self._call(self._preview)
            return
        if self.possible_twins and not self._twins_confirmed:
            if self.query_one("#twins", Static).has_class("-shown"):
                self._twins_confirmed = True
            else:
                self._ask_about_twins()
                return
        plan, twins = self.plan, self._twins_confirmed
        self._applying = True
        self._busy("Making the change…")
        self._call(lambda: self._apply(plan, twins))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class RemovalDialog(ModalScreen[tuple[str, tuple[int, ...]] | None]):
    """Before the removal's preview: its reason (kept with the event) and, for a qualification
    that appears twice, which of the two goes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="removal.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    RemovalDialog { align: center middle; }
    RemovalDialog #dialog {
        width: 80; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
    }
    RemovalDialog #buttons { height: auto; margin-top: 1; }
    RemovalDialog Button { margin-right: 2; }
    """

    def __init__(self, reference: str, events: Sequence[ChallengeEvent], *, choose: bool) -> None:
        super().__init__()
        self._reference = reference
        self._events = events
        self._choose = choose

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Remove an event · {self._reference}"
            if self._choose:
                yield Label("Which of the two goes")
                yield Select(
                    # A str prompt is markup: stored subjects go in as Content, shown().
                    [(Content(shown(f"event {e.id} · {e.subject}")), e.id) for e in self._events],
                    id="event",
                    prompt="choose the one to remove",
                )
            yield Label("Reason for the removal (kept with the event)")
            yield OrderedInput(id="reason", max_length=500, required=True)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Preview the removal", id="preview", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#event" if self._choose else "#reason").focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#preview")
    def _preview(self) -> None:
        chosen: tuple[int, ...] = ()
        if self._choose:
            value = self.query_one("#event", Select).value
            if not isinstance(value, int):
                self.query_one(MessageLine).show_error("Events: choose the one to remove.")
                return
            chosen = (value,)
        self.dismiss((self.query_one("#reason", Input).value, chosen))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class SplitScreen(Screen[object]):
    """Two people share a ULN (§6.1): register a new ULN for the second person, under the
    registration rules (possible matches confirmed first), and move the chosen events to it.
    The form is checked by the core's rules as it is previewed; the preview dialog then says
    exactly what would change, and nothing changes until it is confirmed. Closes with the
    core's result (or a stale-screen refusal) for the detail underneath."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="split.cancel"),
        Binding("ctrl+s", "preview", "Preview", id="split.preview", priority=True),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    SplitScreen #intro { padding: 0 1; color: $text-muted; }
    SplitScreen #fields { height: 1fr; }
    SplitScreen #events-label { padding: 0 1; text-style: bold; }
    SplitScreen #events { height: auto; max-height: 6; margin: 0 1; }
    SplitScreen #buttons { height: auto; padding: 0 1; }
    SplitScreen Button { margin-right: 2; }
    """

    def __init__(
        self,
        act: Callable[..., object],
        reference: str,
        events: Sequence[tuple[int, str]],
        today: Callable[[], date],
    ) -> None:
        super().__init__()
        self._act = act  # ChallengeService.split_shared_uln with the operator, reference, version
        self._reference = reference
        self._events = events
        self._today = today
        self._confirmed: list[str] = []  # possible matches the analyst has ruled out

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"{self._reference}: the second person's details, as for registering a learner"
            " (ctrl+s previews; nothing changes until you confirm the preview).",
            id="intro",
            markup=False,
        )
        yield LearnerFields(self._today, id="fields")
        yield Label("Events to move to the new ULN (space ticks)", id="events-label")
        yield SelectionList[int](
            *(
                Selection(Content(shown(f"event {i} · {subject}")), i)
                for i, subject in self._events
            ),
            id="events",
        )
        yield MessageLine(id="message")
        with Horizontal(id="buttons"):
            yield Button("Preview the split", id="preview", variant="primary")
            yield Button("Cancel", id="cancel")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Split a shared ULN · {self._reference}"
        self.query_one(LearnerFields).focus_first()

    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        fields = self.query_one(LearnerFields)
        values = fields.values()
        fields.clear_errors()
        try:
            validate_learner_fields(values, self._today(), complete=True)
        except ValidationError as error:
            errors = error.errors if isinstance(error, InvalidFields) else [error]
            elsewhere = fields.show_errors(errors)
            self.query_one(MessageLine).show_error(
                "Correct the fields marked first."
                + "".join(f"\n{e.field}: {e.message}." for e in elsewhere)
            )
            return
        self.query_one(MessageLine).clear()
        event_ids = tuple(self.query_one("#events", SelectionList).selected)
        confirmed = self._confirmed

        def preview() -> Plan:
            result = self._act(values, event_ids, confirmed_ulns=list(confirmed), preview=True)
            return result.plan  # type: ignore[attr-defined,no-any-return]

        def apply(plan: Plan, _twins: bool) -> object:
            return self._act(values, event_ids, confirmed_ulns=list(confirmed), previewed=plan)

        dialog = PreviewDialog(
            f"Split shared ULN · {self._reference}", "Split", preview, apply,
            matches_ruled_out=confirmed.extend,
        )  # fmt: skip
        self.app.push_screen(dialog, callback=self._done)

    def _done(self, result: object) -> None:
        if result is None:
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
