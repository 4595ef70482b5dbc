"""Raise a data challenge (User Guide §6.2-6.3; DOMAIN.md "Data challenges"): a ULN problem
from the learner's profile, a problem with qualifications from the PLR.

The form asks the type first, then exactly what the core's ``REQUIREMENTS`` says that type
needs, then the raiser's name, email, phone, organisation and comments. The problems that are
not data challenges (a missing qualification; a name, address, date of birth or opt-out error)
are choices too: the core refuses them with the guide's advice, which the form shows instead
of fields (and, for a learner's details, offers to edit the learner).

Every rule is the core's: ``check_request`` runs as the operator types (a field's verdict shows
once the operator has changed it), the ILR-return rule as events are ticked, and
``raise_challenge`` decides on submit. Once the other ULN of a duplicate (or a de-merge) is
typed, the core compares the two learners (``ChallengeService.compare``, an audited look) and
the form shows them side by side, the key data that differ marked; a reason is then required.
A refusal keeps every value typed, lists the fields to correct, and focuses the first. The
new reference, which contains the ULN, is shown large with a copy key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Checkbox,
    Digits,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.challenges import (
    ACTION_LABELS,
    CURRENT_ILR_ADVICE,
    REQUIREMENTS,
    SHARED_ULN_ADVICE,
    TYPE_LABELS,
    Difference,
    EventFacts,
    NotAChallenge,
    NotAChallengeRefused,
    RaiseRequest,
    Requirements,
    check_request,
    in_current_ilr_return,
    parse_type,
)
from lrs_core.domain.kinds import (
    ChallengeKind,
    ChallengeType,
    EventChallengeAction,
    EventSource,
    EventStatus,
)
from lrs_core.domain.plr import PlrEvent
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date, validate_uln
from lrs_core.errors import InvalidFields, LrsError, ValidationError
from lrs_core.services.learners import LearnerRecord
from lrs_tui.formatting import error_text
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.fields import FieldInput, FieldSelect
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import FORM, enter_target
from lrs_tui.widgets.ticks import TickBox, TickList

if TYPE_CHECKING:
    from lrs_core.services.challenges import ChallengeDetail, ChallengeService, Comparison

WORKER_GROUP = "raise-challenge"
LOOKUP_GROUP = "raise-challenge-lookup"
NOT_A_CHALLENGE = "Not a challenge: "
THIS = "this"  # the master choice: this learner's ULN
OTHER = "other"
ETIQUETTE = (
    "The reference contains the learner's ULN: never put any other detail of the learner in"
    " an email that carries it (User Guide §6.2, §2.4)."
)


@dataclass(frozen=True)
class Row:
    """One field of the form: ``label`` is the core's name for it (the field a
    ValidationError names), ``hint`` a line under it."""

    key: str
    label: str
    placeholder: str = ""
    hint: str = ""


ROWS: tuple[Row, ...] = (
    Row("other_uln", "Other ULN", "10 digits"),
    Row("master", "Master ULN"),
    Row("reason", "Reason"),
    Row("events", "Events"),
    Row("proposed_grade", "Proposed grade", "as the certificate shows it"),
    Row("proposed_end_date", "Proposed end date", "e.g. 31/7/2025"),
    Row("proposed_award_date", "Proposed award date", "e.g. 21/8/2025"),
    Row("event_action", "Event action", hint=f"Note: {SHARED_ULN_ADVICE}."),
    Row("target_uln", "Target ULN", "the learner it belongs to"),
    Row("target_given_name", "Target given name"),
    Row("target_family_name", "Target family name"),
    Row("participation", "Participation check"),
    Row("raiser_name", "Raiser name", "as they sign, e.g. R. Patel"),
    Row("raiser_email", "Raiser email"),
    Row("raiser_phone", "Raiser phone", "e.g. 0113 496 0000"),
    Row("organisation", "Organisation", "UKPRN (8 digits) or the desk's id; optional"),
    Row("comments", "Comments"),
)
BY_KEY = {row.key: row for row in ROWS}
RAISER = ("raiser_name", "raiser_email", "raiser_phone", "organisation", "comments")
TARGET = ("target_uln", "target_given_name", "target_family_name")
PROPOSED = ("proposed_grade", "proposed_end_date", "proposed_award_date")
CHOICES = ("master", "event_action")
# Errors the core names by a field that is not a row of its own: shown under this row.
ALIASES = {"Proposed values": "proposed_grade", "Target name": "target_given_name"}
ROW_OF = {row.label: row.key for row in ROWS} | ALIASES
FORM_ORDER = {row.key: i for i, row in enumerate(ROWS)}


def type_choices(kind: ChallengeKind) -> list[tuple[str, str]]:
    """The types of ``kind`` (§6.1), then what is not a challenge: from the profile, every
    such problem; from the PLR, the missing qualification."""
    types = [(TYPE_LABELS[t], str(t)) for t in ChallengeType if t.kind is kind]
    if kind is ChallengeKind.ULN:
        refused = list(NotAChallenge)
    else:
        refused = [NotAChallenge.MISSING_QUALIFICATION]
    return types + [(NOT_A_CHALLENGE + n.label, str(n)) for n in refused]


def event_facts(uln: str, event: PlrEvent) -> EventFacts | None:
    """What the core's current-ILR-return rule needs of an event on the PLR (None for an
    event whose source or status the rules do not know)."""
    try:
        source, status = EventSource(event.source), EventStatus(event.status)
    except ValueError:
        return None
    return EventFacts(
        id=event.id,
        learner_uln=uln,
        subject=event.subject,
        source=source,
        status=status,
        collection_type=event.collection_type,
        return_number=event.return_number,
        date_loaded=event.date_loaded,
    )


def event_line(event: PlrEvent) -> str:
    """An event as the list to tick shows it (stored text: shown by the caller)."""
    when = display_date(event.date) if event.date else "(no date)"
    grade = f"  {event.grade}" if event.grade else ""
    mark = "⚑ " if event.challenge else ""
    return f"{when:<11}  {mark}{event.subject}{grade}  ({event.source})"


class ChoiceSelect(FieldSelect):
    """A list of the core's choices (types, actions), shown by their labels; styled as every
    code list of the desk (``FieldSelect``)."""

    def __init__(
        self,
        choices: Sequence[tuple[str, str]],
        *,
        id: str,
        prompt: str = "Choose…",
        value: str = "",
        required: bool = False,
    ) -> None:
        known = {v for _, v in choices}
        # A str prompt is markup: labels go in as Content.
        Select.__init__(
            self,
            [(Content(label), v) for label, v in choices],
            prompt=prompt,
            value=value if value in known else Select.NULL,
            id=id,
            compact=True,
        )
        self._codes = known
        self.required = required

    def _move_on(self) -> None:
        """The screen moves on once the rows the choice shows are in the form (a choice
        shows or hides fields here): moving now would skip them."""


@dataclass(frozen=True)
class RaiseResult:
    """How the form closed: a challenge raised (its reference), or the operator chose to
    edit the learner's details instead (not a challenge)."""

    reference: str | None = None
    edit_learner: bool = False


class RaiseChallengeScreen(Screen[RaiseResult | None]):
    """Dismissed with what was raised (or the wish to edit the learner), None when left."""

    CSS_PATH = "raise_challenge.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="raise-challenge.cancel"),
        Binding("ctrl+s", "submit", "Raise", id="raise-challenge.submit"),
        Binding("ctrl+e", "edit_learner", "Edit learner", id="raise-challenge.edit"),
    ]

    def __init__(
        self,
        challenges: ChallengeService,
        actor: Actor,
        *,
        kind: ChallengeKind,
        uln: str,
        name: str,
        events: Sequence[PlrEvent] = (),
        ticked: Iterable[int] = (),
        may_edit: bool = False,
    ) -> None:
        super().__init__()
        self._challenges = challenges
        self._actor = actor
        self.kind = kind
        self.uln = uln
        self._learner_name = name
        self._events = tuple(events)
        self._ticked = [i for i in ticked if any(e.id == i for e in self._events)]
        self._may_edit = may_edit
        self._touched: set[str] = set()
        # Other ULN -> the core's comparison of the two learners, or why there is none.
        self._others: dict[str, Comparison | str] = {}
        self._raised: str | None = None
        self._leaving = ""

    @classmethod
    def for_learner(
        cls,
        challenges: ChallengeService,
        actor: Actor,
        record: LearnerRecord,
        *,
        may_edit: bool,
    ) -> RaiseChallengeScreen:
        """A ULN problem, from the learner's profile (§6.2)."""
        return cls(
            challenges,
            actor,
            kind=ChallengeKind.ULN,
            uln=record.uln,
            name=f"{record.given_name} {record.family_name}",
            may_edit=may_edit,
        )

    @classmethod
    def for_events(
        cls,
        challenges: ChallengeService,
        actor: Actor,
        *,
        uln: str,
        name: str,
        events: Sequence[PlrEvent],
        ticked: Iterable[int],
    ) -> RaiseChallengeScreen:
        """A problem with qualifications, from the PLR (§6.3): ``ticked`` the events the
        operator was on."""
        return cls(
            challenges,
            actor,
            kind=ChallengeKind.EVENT,
            uln=uln,
            name=name,
            events=events,
            ticked=ticked,
        )

    # -- composing ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._intro(), id="intro", markup=False)
        with VerticalScroll(id="fields", classes=FORM, can_focus=False):
            yield Static("The problem", classes="section")
            # The list at full width, its label above: every choice on one line, all in
            # sight when it opens at 80x24.
            with Vertical(classes="challenge-field", id="row-type"):
                yield Label("Type * (what is wrong)", classes="field-label -required")
                yield ChoiceSelect(
                    type_choices(self.kind),
                    id="f-type",
                    prompt="Choose the problem…",
                    required=True,
                )
                yield Static("", classes="field-error", id="error-type", markup=False)
            with Vertical(id="guidance"):
                yield Static("", id="guidance-text", markup=False)
                yield Button(
                    "Edit the learner's details", id="edit", compact=True, variant="primary"
                )
            for row in ROWS:
                if row.key == "raiser_name":
                    yield Static("Who is raising it", classes="section raiser")
                yield from self._row(row)
                if row.key == "master":
                    yield from self._differences_panel()
        yield MessageLine(id="message")
        with Horizontal(id="buttons"):
            yield Button("Raise challenge", id="submit", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)
        yield DeskFooter()

    def _intro(self) -> str:
        what = "A ULN problem" if self.kind is ChallengeKind.ULN else "A problem with the PLR"
        return f"{what} · ULN {self.uln} {shown(self._learner_name)} · * mandatory"

    def _row(self, row: Row) -> ComposeResult:
        with Vertical(classes="challenge-field", id=f"row-{row.key}"):
            with Horizontal(classes="field-line"):
                yield Label(row.label, classes="field-label", id=f"label-{row.key}")
                yield from self._control(row)
            hint = Static(row.hint, classes="field-hint", id=f"hint-{row.key}", markup=False)
            hint.display = bool(row.hint)
            yield hint
            yield Static("", classes="field-error", id=f"error-{row.key}", markup=False)

    def _control(self, row: Row) -> ComposeResult:
        if row.key == "master":
            yield ChoiceSelect(
                [
                    (f"This learner's ULN ({self.uln}) is the master", THIS),
                    ("The other ULN is the master; this one is the duplicate", OTHER),
                ],
                id="f-master",
                value=THIS,
            )
        elif row.key == "event_action":
            yield ChoiceSelect(
                [(label, str(action)) for action, label in ACTION_LABELS.items()],
                id="f-event_action",
            )
        elif row.key == "events":
            yield TickList(
                *(
                    # A str prompt is markup: stored text goes in as Content, shown().
                    Selection(Content(shown(event_line(e))), e.id, e.id in self._ticked)
                    for e in self._events
                ),
                id="f-events",
            )
        elif row.key == "participation":
            yield TickBox(
                "I have checked: neither is a participation record",
                id="f-participation",
                compact=True,
            )
        else:
            yield FieldInput(id=f"f-{row.key}", placeholder=row.placeholder)

    def _differences_panel(self) -> ComposeResult:
        with Vertical(id="differences") as panel:
            panel.border_title = "Key data of the two ULNs"
            yield Grid(id="difference-grid")
            yield Static("", id="differences-text", markup=False)

    def on_mount(self) -> None:
        self.sub_title = (
            f"Raise a ULN challenge · {self.uln}"
            if self.kind is ChallengeKind.ULN
            else f"Raise an event challenge · {self.uln}"
        )
        self._apply_type()
        self.query_one("#f-type", ChoiceSelect).focus()

    # -- which fields show -------------------------------------------------------------------

    @property
    def type_text(self) -> str:
        """The choice made in the type list ("" before the form is up or while none is)."""
        try:
            return self.query_one("#f-type", ChoiceSelect).text
        except NoMatches:
            return ""

    @property
    def challenge_type(self) -> ChallengeType | None:
        """The type chosen, None while none (or a problem that is not a challenge) is."""
        try:
            return ChallengeType(self.type_text) if self.type_text else None
        except ValueError:
            return None

    @property
    def needs(self) -> Requirements | None:
        chosen = self.challenge_type
        return REQUIREMENTS[chosen] if chosen else None

    def _shows(self, key: str) -> bool:
        needs = self.needs
        if needs is None:
            return False
        if key in RAISER:
            return True
        if key == "other_uln":
            return needs.other_uln
        if key == "master":
            return needs.master
        if key == "reason":
            return needs.reason or needs.master  # a duplicate's, when key data differ
        if key == "events":
            return needs.events[1] > 0
        if key in PROPOSED:
            return needs.proposed_values
        if key == "event_action":
            return needs.event_action
        if key in TARGET:
            return needs.event_action and self._choice("event_action") == str(
                EventChallengeAction.TRANSFER
            )
        if key == "participation":
            return needs.participation_check
        return False

    def _required(self, key: str) -> bool:
        needs = self.needs
        if needs is None:
            return False
        if key in ("raiser_name", "raiser_email", "raiser_phone", "other_uln", "event_action"):
            return True
        if key in TARGET:
            return True
        if key == "reason":
            return needs.reason or bool(self.differences)
        if key == "comments":
            return needs.comments_required
        if key == "events":
            return needs.events[0] > 0
        if key == "participation":
            return needs.participation_check
        return False

    def _apply_type(self) -> None:
        """Show the rows the chosen type needs, marked * where required; for a problem that
        is not a challenge, the core's refusal and its advice instead."""
        text = self.type_text
        refusal: NotAChallengeRefused | None = None
        if text:
            try:
                parse_type(text)
            except NotAChallengeRefused as refused:
                refusal = refused
        guidance = self.query_one("#guidance")
        guidance.display = refusal is not None
        if refusal is not None:
            self.query_one("#guidance-text", Static).update(refusal.message)
            self.query_one("#edit", Button).display = self._offers_edit(refusal.reason)
        needs = self.needs
        for row in ROWS:
            shows = self._shows(row.key)
            self.query_one(f"#row-{row.key}").display = shows
            if row.key == "comments" and needs is not None:
                self._hint("comments", needs.comments_prompt)
            if row.key == "reason" and needs is not None:
                self._hint("reason", self._reason_hint(needs))
            if row.key == "events" and needs is not None:
                self._hint("events", self._events_hint(needs))
            self._mark_required(row.key)
        for section in self.query(".raiser"):
            section.display = needs is not None
        self.query_one("#differences").display = bool(
            needs and needs.other_uln and self._comparison() is not None
        )
        self.query_one("#submit").display = needs is not None
        self.refresh_bindings()
        self._check_events_now()

    def _offers_edit(self, reason: NotAChallenge) -> bool:
        return (
            reason is not NotAChallenge.MISSING_QUALIFICATION
            and self.kind is ChallengeKind.ULN
            and self._may_edit
        )

    def _reason_hint(self, needs: Requirements) -> str:
        if needs.reason:
            return "Why the two ULNs must be de-merged."
        return (
            "Required when the two learners' key data differ: say why they are one learner"
            " (e.g. that the learner has lived at both addresses)."
        )

    def _events_hint(self, needs: Requirements) -> str:
        low, high = needs.events
        if low == high == 2:
            return "Tick exactly the two qualifications that are the same (space ticks)."
        if low == high:
            return "Tick the qualification concerned (space ticks)."
        return "Tick the qualifications whose details are wrong (space ticks)."

    def _hint(self, key: str, text: str) -> None:
        hint = self.query_one(f"#hint-{key}", Static)
        hint.update(text)
        hint.display = bool(text)

    def _mark_required(self, key: str) -> None:
        required = self._required(key)
        label = self.query_one(f"#label-{key}", Label)
        row = BY_KEY[key]
        label.update(f"{row.label} *" if required else row.label)
        label.set_class(required, "-required")
        control = self.query_one(f"#f-{key}")
        if isinstance(control, (FieldInput, FieldSelect)):
            control.required = required

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return self._raised is None and self.needs is not None
        if action == "edit_learner":
            try:
                return self._offers_edit(NotAChallenge(self.type_text))
            except ValueError:
                return False
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.check_action("submit", ()):
            yield SystemCommand(
                "Raise this challenge", "Send it to the desk's queue", self.action_submit
            )
        if self.check_action("edit_learner", ()):
            yield SystemCommand(
                "Edit the learner's details",
                "Correct the learner yourself: not a data challenge",
                self.action_edit_learner,
            )
        yield SystemCommand("Cancel", "Leave without raising", self.action_cancel)

    # -- values ------------------------------------------------------------------------------

    def _text(self, key: str) -> str:
        return self.query_one(f"#f-{key}", Input).value if self._shows(key) else ""

    def _choice(self, key: str) -> str:
        return self.query_one(f"#f-{key}", ChoiceSelect).text

    def _events_ticked(self) -> tuple[int, ...]:
        if not self._shows("events"):
            return ()
        ticked = set(self.query_one("#f-events", SelectionList).selected)
        return tuple(e.id for e in self._events if e.id in ticked)  # in the PLR's order

    def request(self) -> RaiseRequest:
        """The form as the core takes it: only the fields the chosen type shows."""
        master = ""
        if self._shows("master") and self._choice("master") == OTHER:
            master = self._text("other_uln")
        return RaiseRequest(
            challenge_type=self.type_text,
            uln=self.uln,
            raiser_name=self._text("raiser_name"),
            raiser_email=self._text("raiser_email"),
            raiser_phone=self._text("raiser_phone"),
            organisation=self._text("organisation"),
            comments=self._text("comments"),
            other_uln=self._text("other_uln"),
            master_uln=master,
            reason=self._text("reason"),
            event_ids=self._events_ticked(),
            event_action=self._choice("event_action") if self._shows("event_action") else "",
            target_uln=self._text("target_uln"),
            target_given_name=self._text("target_given_name"),
            target_family_name=self._text("target_family_name"),
            proposed_grade=self._text("proposed_grade"),
            proposed_end_date=self._text("proposed_end_date"),
            proposed_award_date=self._text("proposed_award_date"),
            not_participation_confirmed=(
                self._shows("participation") and self.query_one("#f-participation", Checkbox).value
            ),
        )

    def typed(self) -> bool:
        """Whether the operator has typed or ticked anything that leaving would lose."""
        if any(field.value.strip() for field in self.query(FieldInput)):
            return True
        ticked = self.query_one("#f-events", SelectionList).selected
        return (
            sorted(ticked) != sorted(self._ticked)
            or self.query_one("#f-participation", Checkbox).value
        )

    # -- checks as the operator types ----------------------------------------------------------

    def _today(self) -> date:
        return self._challenges.clock().date()

    def _verdict(self) -> list[ValidationError]:
        """The core's verdict on the whole form as it stands (``check_request``)."""
        try:
            check_request(self.request(), self._today())
        except InvalidFields as many:
            return list(many.errors)
        except ValidationError as one:
            return [one]
        return []

    def _recheck(self) -> None:
        """Each row the operator has changed shows the core's verdict on it now."""
        if self.needs is None:
            return
        errors: dict[str, str] = {}
        for error in self._verdict():
            key = ROW_OF.get(error.field)
            if key in self._touched and key not in errors:
                errors[key] = f"{error.field}: {error.message}."
        for key in self._touched:
            if key != "events":  # the ILR-return rule has its say there first
                self._set_error(key, errors.get(key))
        if "events" in self._touched and not self._ilr_refusal():
            self._set_error("events", errors.get("events"))

    def _ilr_refusal(self) -> str | None:
        """The §6.1 advice, as soon as an ILR event of the current return is ticked for an
        "information wrong" challenge (the core refuses it on submit)."""
        if self.challenge_type is not ChallengeType.EVENT_INFORMATION_WRONG:
            return None
        today = self._today()
        by_id = {e.id: e for e in self._events}
        for event_id in self._events_ticked():
            event = by_id[event_id]
            facts = event_facts(self.uln, event)
            if facts is not None and in_current_ilr_return(facts, today):
                return (
                    f"Events: {event.subject} is in your current ILR return: {CURRENT_ILR_ADVICE}."
                )
        return None

    def _check_events_now(self) -> None:
        refusal = self._ilr_refusal() if self._shows("events") else None
        if refusal or "events" not in self._touched:
            self._set_error("events", refusal)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("f-")
        if key not in BY_KEY:
            return
        self._leaving = ""
        self._touched.add(key)
        self._recheck()
        if key == "other_uln":
            self._other_uln_changed()

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        key = (event.select.id or "").removeprefix("f-")
        self._leaving = ""
        if key == "type":
            self._set_error("type", None)
            self._apply_type()
            self._recheck()
            if self._shows("other_uln"):
                self._other_uln_changed()
        elif key in CHOICES:
            self._touched.add(key)
            self._apply_type()
            self._recheck()
        # The rows the choice shows are in the form only now: move on from here, as a choice
        # from an open list does (FieldSelect), once they are in the focus chain.
        self.call_after_refresh(self._move_on, event.select)

    def _move_on(self, select: Select[str]) -> None:
        target = enter_target(select) if select.has_focus else None
        if target is not None:
            self.set_focus(target)

    @on(SelectionList.SelectedChanged)
    def _ticked_changed(self) -> None:
        self._leaving = ""
        self._touched.add("events")
        self._recheck()
        self._check_events_now()

    @on(Checkbox.Changed)
    def _confirmed(self) -> None:
        self._leaving = ""
        self._touched.add("participation")
        self._recheck()

    # -- the other learner of a duplicate or a de-merge ----------------------------------------

    def _other_uln_changed(self) -> None:
        """Once the other ULN is a valid ULN (not this one), the core compares the two
        learners once (an audited look) and the form shows them side by side."""
        uln = self._typed_other()
        if uln is None or uln in self._others:
            self._show_other(uln)
            return
        self._compare(uln)

    @work(thread=True, exit_on_error=False, group=LOOKUP_GROUP)
    def _compare(self, uln: str) -> tuple[str, Comparison | str]:
        try:
            return uln, self._challenges.compare(self._actor, self.uln, uln)
        except LrsError as error:
            return uln, error_text(error)

    def _typed_other(self) -> str | None:
        """The other ULN typed, once it is a valid ULN that is not this learner's."""
        try:
            uln = validate_uln(self._text("other_uln"))
        except ValidationError:
            return None
        return None if uln == self.uln else uln

    def _comparison(self) -> Comparison | None:
        uln = self._typed_other()
        found = self._others.get(uln) if uln else None
        return None if found is None or isinstance(found, str) else found

    @property
    def differences(self) -> tuple[Difference, ...]:
        """The key data of the two learners that differ (the core's), once compared."""
        comparison = self._comparison()
        return comparison.differences if comparison is not None else ()

    def _show_other(self, uln: str | None) -> None:
        found = self._others.get(uln) if uln else None
        if isinstance(found, str) and "other_uln" in self._touched:
            self._set_error("other_uln", f"Other ULN: {found.rstrip('.')}.")
        self.call_later(self._fill_comparison, uln, self._comparison())
        self._mark_required("reason")

    async def _fill_comparison(self, uln: str | None, comparison: Comparison | None) -> None:
        needs = self.needs
        self.query_one("#differences").display = bool(
            needs and needs.other_uln and comparison is not None
        )
        grid = self.query_one("#difference-grid", Grid)
        await grid.remove_children()
        if comparison is None:
            return
        differ = {d.field for d in comparison.differences}
        rows = [("", f"This {self.uln}", f"Other {uln}")]
        rows += [(f.field, f.this, f.other) for f in comparison.fields]
        cells: list[Label] = []
        for field, left, right in rows:
            differs = field in differ
            for text in (f"≠ {field}" if differs else field, left, right):
                cell = Label(shown(text), markup=False, classes="difference-cell")
                cell.set_class(differs, "-differs")
                cell.set_class(not field, "-heading")
                cells.append(cell)
        await grid.mount_all(cells)
        # The core's words: possible twins first, then each field that is not the same.
        lines = list(comparison.explanation)
        if self.challenge_type is ChallengeType.DUPLICATE_ULN:
            if comparison.differences:
                named = ", ".join(d.field.lower() for d in comparison.differences)
                lines.append(f"≠ Key data differ ({named}): give the reason they are one learner.")
            else:
                lines.append("Family name, date of birth and postcode agree: no reason needed.")
        said = self.query_one("#differences-text", Static)
        said.update(shown("\n".join(lines), multiline=True))
        said.display = bool(lines)
        self.query_one("#differences").set_class(comparison.possible_twins, "-twins")

    # -- submitting --------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    @on(Input.Submitted)  # Enter, from the last field or with every required one filled
    def action_submit(self) -> None:
        button = self.query_one("#submit", Button)
        if button.disabled or self._raised is not None:
            return
        if self.needs is None:
            self.query_one(MessageLine).show_error("Type: choose the problem first.")
            self.query_one("#f-type", ChoiceSelect).focus()
            return
        self._clear_errors()
        button.disabled = True
        self.query_one(MessageLine).show_busy("Raising the challenge…")
        self._raise(self.request())

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _raise(self, request: RaiseRequest) -> ChallengeDetail:
        return self._challenges.raise_challenge(self._actor, request)

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if not event.worker.is_finished:
            return
        if event.worker.group == LOOKUP_GROUP:
            if event.state is WorkerState.SUCCESS:
                uln, found = event.worker.result  # type: ignore[misc]
                self._others[uln] = found
                if self._typed_other() == uln:  # not typed over meanwhile
                    self._show_other(uln)
                    self._recheck()
            return
        if event.worker.group != WORKER_GROUP:
            return
        self.query_one("#submit", Button).disabled = False
        if event.state is WorkerState.ERROR:
            self._refused(event.worker.error)
        elif event.state is WorkerState.SUCCESS:
            reference = event.worker.result.row.reference  # type: ignore[union-attr]
            self._raised = reference
            self.refresh_bindings()
            self.query_one(MessageLine).show_notice(f"Raised: {reference}.")
            self.app.push_screen(ChallengeRaisedScreen(reference), callback=self._leave)

    def _leave(self, _closed: None) -> None:
        self.dismiss(RaiseResult(reference=self._raised))

    def _refused(self, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if isinstance(error, NotAChallengeRefused):
            line.show_error(error.message)
            return
        if not isinstance(error, ValidationError):
            line.show_error(error_text(error))
            return
        errors = error.errors if isinstance(error, InvalidFields) else [error]
        errors = sorted(errors, key=lambda e: FORM_ORDER.get(ROW_OF.get(e.field, ""), 99))
        elsewhere = []
        first: str | None = None
        for each in errors:
            key = ROW_OF.get(each.field)
            if key is None or not self._shows(key):
                elsewhere.append(each)
                continue
            self._set_error(key, f"{each.field}: {each.message}.")
            first = first or key
        count = len(errors)
        summary = f"{count} field{'s' if count != 1 else ''} to correct: " + ", ".join(
            e.field for e in errors
        )
        line.show_error("\n".join([summary, *(f"{e.field}: {e.message}." for e in elsewhere)]))
        if first is not None:
            self.reveal(first)

    def reveal(self, key: str) -> None:
        """Focus a field and scroll so that it and the message under it are in sight (after
        the next refresh, once the message line under it has its height)."""
        control = self.query_one(f"#f-{key}")
        control.focus(scroll_visible=False)
        row = self.query_one(f"#row-{key}")
        form = self.query_one("#fields", VerticalScroll)
        self.call_after_refresh(form.scroll_to_widget, row, animate=False, top=False)

    def _set_error(self, key: str, message: str | None) -> None:
        line = self.query_one(f"#error-{key}", Static)
        line.update(shown(message) if message else "")
        line.set_class(bool(message), "-shown")
        self.query_one(f"#f-{key}").set_class(bool(message), "-invalid")

    def _clear_errors(self) -> None:
        for row in ROWS:
            self._set_error(row.key, None)
        self._set_error("type", None)
        self._check_events_now()

    # -- leaving -----------------------------------------------------------------------------

    def action_edit_learner(self) -> None:
        if self.check_action("edit_learner", ()):
            self.dismiss(RaiseResult(edit_learner=True))

    @on(Button.Pressed, "#edit")
    def _edit_pressed(self) -> None:
        self.action_edit_learner()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.may_leave("escape"):
            self.dismiss(None)

    def may_leave(self, key: str) -> bool:
        """With something typed and not raised, the first press of ``key`` only warns; a
        second one leaves without it."""
        if self._raised is None and self.typed() and self._leaving != key:
            self._leaving = key
            self.query_one(MessageLine).show_error(
                f"The challenge is not raised: press {key} again to leave without it."
            )
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        if event.key != self._leaving:
            self._leaving = ""


class ChallengeRaisedScreen(ModalScreen[None]):
    """The new reference, large enough to read out over the phone, with a copy key and the
    §6.2 reminder: it contains the ULN, so no other learner detail goes in its email."""

    CSS_PATH = "raise_challenge.tcss"
    AUTO_FOCUS = "#close"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy reference", id="challenge-raised.copy"),
        Binding("escape", "close", "Close", id="challenge-raised.close"),
    ]

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical(id="panel") as panel:
            panel.border_title = "Data challenge raised"
            yield Static("Give the raiser this reference:", id="lead")
            yield Digits(self.reference, id="digits")
            yield Static(f"Reference {self.reference}", id="reference", markup=False)
            yield Static(ETIQUETTE, id="etiquette")
            yield Static(
                "Copy it with c. If your terminal does not copy, read it from the screen.",
                id="hint",
            )
            with Horizontal(id="raised-buttons"):
                yield Button("Close", id="close", variant="primary", compact=True)
                yield Button("Copy reference", id="copy", compact=True)
        yield DeskFooter()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.reference)
        self.notify(
            f"{self.reference} copied (if your terminal allows copying).",
            title="Copy reference",
            markup=False,
        )

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


def challenges_service(app: object) -> ChallengeService | None:
    """The app's challenge service (the desk app is given every service when it starts)."""
    services = getattr(app, "services", None)
    return getattr(services, "challenges", None)
