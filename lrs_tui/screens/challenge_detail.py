"""One data challenge (issue 11 item 4; DOMAIN.md "Data challenges", User Guide §6.4): what
was raised and by whom, the clock, for a ULN challenge the two learners side by side (each
field with the matching engine's level, differences in bold reverse video and named in
words, a possible-twins warning), the events involved, the notes timeline, every challenge on
this learner, and the record changes made.

The actions offered (keys, footer, palette, "What you can do") are those the core says this
operator may take now (``ChallengeDetail.moves``); an agent reads it. Every change runs in a
worker; a change refused because someone else acted first says so and reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.challenges import ACTION_LABELS, Move
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType, EventChallengeAction
from lrs_core.domain.plr import PlrView
from lrs_core.domain.support_hours import describe
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date
from lrs_core.errors import LrsError
from lrs_core.services import Services
from lrs_core.services.challenges import (
    ActionResult,
    ChallengeDetail,
    ChallengeEvent,
    FieldComparison,
    LearnerSide,
)
from lrs_core.services.plr import Plr, ReasonRequired
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.screens.challenge_dialogs import (
    STALE,
    AoAnswerDialog,
    Plan,
    PreviewDialog,
    RemovalDialog,
    SplitScreen,
    WordsDialog,
)
from lrs_tui.screens.challenge_queue import SHORT_STATUSES, SHORT_TYPES
from lrs_tui.screens.plr_dialogs import ReasonScreen
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

LOAD_GROUP = "challenge-detail"
ACT_GROUP = "challenge-detail-act"
REOPEN_GROUP = "challenge-detail-reopen"
PLR_GROUP = "challenge-detail-plr"
WIDE = 110


@dataclass(frozen=True)
class StatusAction:
    """A status change as this screen offers it: its move, key, footer label and words."""

    move: Move
    action: str  # this screen's action_<action>
    key: str
    label: str
    title: str  # the palette's name and "What you can do"
    footer: bool  # shown in the footer (80 columns: the common ones only)


STATUS_ACTIONS: tuple[StatusAction, ...] = (
    StatusAction(Move.CLAIM, "claim", "c", "Claim", "Claim this challenge", True),
    StatusAction(Move.RELEASE, "release", "u", "Release", "Release it to the queue", False),
    StatusAction(Move.AWAIT_INFORMATION, "await_information", "i", "Await info",
                 "Await information from the raiser (the clock pauses)", False),
    StatusAction(Move.RESUME, "resume", "r", "Resume",
                 "The information came: resume (the clock restarts)", True),
    StatusAction(Move.REFER, "refer", "f", "Refer",
                 "Refer to the awarding organisation (the clock stops)", False),
    StatusAction(Move.AO_CONFIRMED, "ao_answer", "a", "AO answer",
                 "Record the awarding organisation's answer", False),
    StatusAction(Move.RESOLVE, "resolve", "s", "Resolve",
                 "Resolve it, with a reason the raiser can be given", True),
    StatusAction(Move.REJECT, "reject", "x", "Reject",
                 "Reject it, with a reason the raiser can be given", False),
    StatusAction(Move.WITHDRAW, "withdraw", "w", "Withdraw",
                 "Withdraw it at the raiser's request", False),
    StatusAction(Move.REOPEN, "reopen", "o", "Reopen", "Reopen it (it becomes yours)", True),
)  # fmt: skip
BY_ACTION = {a.action: a for a in STATUS_ACTIONS}


@dataclass(frozen=True)
class RecordAction:
    """A change to learners or events that resolves the challenge, always previewed first:
    the service method of that name (``preview=True`` gives the plan), the challenge types
    it answers (the core refuses any other), its key and words."""

    action: str  # the ChallengeService method, and this screen's action_<action>
    key: str
    label: str
    title: str
    confirm: str  # the confirming button, after the preview
    types: frozenset[ChallengeType]
    asks: frozenset[EventChallengeAction] = frozenset()  # for "does not belong": what it asks


_NOT_BELONGING = frozenset({ChallengeType.EVENT_NOT_BELONGING})
RECORD_ACTIONS: tuple[RecordAction, ...] = (
    RecordAction("merge", "m", "Merge", "Merge the duplicate ULN into the master (preview)",
                 "Merge", frozenset({ChallengeType.DUPLICATE_ULN})),
    RecordAction("demerge", "d", "De-merge", "De-merge the two ULNs (preview)", "De-merge",
                 frozenset({ChallengeType.INCORRECTLY_MERGED})),
    RecordAction("retire", "e", "Retire", "Retire the ULN: never used again (preview)",
                 "Retire the ULN",
                 frozenset({ChallengeType.DECEASED, ChallengeType.FICTITIOUS_ULN})),
    RecordAction("transfer_event", "t", "Transfer", "Transfer the event to the learner named"
                 " (preview)", "Transfer", _NOT_BELONGING,
                 frozenset({EventChallengeAction.TRANSFER})),
    RecordAction("remove_event", "v", "Remove", "Remove the event from the PLR, kept for"
                 " the audit (preview)", "Remove",
                 frozenset({ChallengeType.EVENT_NOT_BELONGING, ChallengeType.EVENT_DUPLICATED}),
                 frozenset({EventChallengeAction.REMOVE, EventChallengeAction.DISPUTED})),
    RecordAction("split_shared_uln", "p", "Split", "Split the shared ULN: a new ULN for the"
                 " second person (preview)", "Split", frozenset({ChallengeType.SHARED_ULN})),
    RecordAction("correct_event", "k", "Correct", "Correct the event with the values proposed"
                 " (preview)", "Correct", frozenset({ChallengeType.EVENT_INFORMATION_WRONG})),
)  # fmt: skip
BY_RECORD_ACTION = {a.action: a for a in RECORD_ACTIONS}


def comparison_words(field: FieldComparison) -> str:
    """The matching engine's level in the desk's words: same, DIFFERS, or how they are alike
    (near spelling, sounds alike, swapped, nickname...)."""
    if field.same:
        return "same"
    if field.value <= 0:
        return "DIFFERS"
    return field.level


def side_rows(detail: ChallengeDetail) -> list[tuple[str, str, str, str, bool]]:
    """The two learners field by field: (field, this, other, comparison, differs)."""
    this, other = detail.learner, detail.other
    assert other is not None
    compared = {f.field: f for f in (detail.comparison.fields if detail.comparison else ())}
    rows: list[tuple[str, str, str, str, bool]] = [
        ("ULN", _uln_words(detail, this), _uln_words(detail, other), "", False)
    ]
    for name in ("Given name", "Family name", "Date of birth", "Gender", "Postcode"):
        field = compared.get(name)
        if field is not None:
            rows.append((name, field.this, field.other, comparison_words(field), not field.same))
    rows.append(("Middle names", this.middle_names or "—", other.middle_names or "—", "", False))
    rows.append(("Status", _status(this), _status(other), "", this.status != other.status))
    rows.append(("Events on PLR", str(this.events), str(other.events), "", False))
    return rows


def _uln_words(detail: ChallengeDetail, side: LearnerSide) -> str:
    return side.uln + (" (master)" if detail.master_uln == side.uln else "")


def _status(side: LearnerSide) -> str:
    text = str(side.status)
    if side.master_uln:
        text += f" to {side.master_uln}"
    if side.retired_reason:
        text += f" ({side.retired_reason})"
    return text


def event_line(event: ChallengeEvent) -> str:
    parts = [f"event {event.id}", event.subject]
    parts += [p for p in (event.qualification_type, event.level) if p]
    if event.grade:
        parts.append(f"grade {event.grade}")
    parts.append(str(event.source))
    if event.awarding_organisation:
        parts.append(event.awarding_organisation)
    if event.award_date:
        parts.append(f"awarded {display_date(event.award_date)}")
    elif event.end_date:
        parts.append(f"ended {display_date(event.end_date)}")
    parts.append(f"on ULN {event.uln}")
    if event.status != "active":
        parts.append(f"({event.status})")
    return shown(" · ".join(parts))


def raised_rows(detail: ChallengeDetail) -> list[tuple[str, str]]:
    """What was raised, and by whom; blank fields left out. Outside text through shown()."""
    row = detail.row
    rows = [
        ("Learner", f"ULN {row.uln} · {row.learner_name}"),
        ("Raised", uk_datetime(row.raised_at)),
        ("Raiser", detail.raiser_name),
        ("Email", detail.raiser_email),
        ("Phone", detail.raiser_phone or ""),
        ("Organisation", row.organisation),
        ("Comments", detail.comments or ""),
        ("Reason", detail.reason or ""),
        ("Other ULN", detail.other_uln or ""),
        ("Master ULN", detail.master_uln or ""),
        ("Asks for", ACTION_LABELS[detail.event_action] if detail.event_action else ""),
        ("Transfer to", detail.target_name or ""),
        ("Proposed grade", detail.proposed_grade or ""),
        ("Proposed end", display_date(detail.proposed_end_date)
         if detail.proposed_end_date else ""),
        ("Proposed award", display_date(detail.proposed_award_date)
         if detail.proposed_award_date else ""),
        ("Not participation", "confirmed by the raiser"
         if detail.not_participation_confirmed else ""),
        ("Referred", uk_datetime(detail.referred_at) if detail.referred_at else ""),
        ("AO answer", detail.ao_answer or ""),
        ("Resolution", detail.resolution or ""),
    ]  # fmt: skip
    return [(k, shown(v, multiline=True)) for k, v in rows if v]


def clock_words(detail: ChallengeDetail) -> str:
    """The clock in full, marked in words when due soon or overdue."""
    row = detail.row
    text = row.clock_text
    if row.status in (ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS):
        text = describe(row.clock)
        if row.breached:
            text = f"OVERDUE: {text}"
        elif row.warning:
            text = f"DUE SOON: {text}"
    return f"Clock: {text}"


def state_words(detail: ChallengeDetail) -> str:
    row = detail.row
    text = f"{row.status_label} · {row.type_label}"
    if row.assignee and row.status not in (
        ChallengeStatus.RESOLVED,
        ChallengeStatus.REJECTED,
        ChallengeStatus.WITHDRAWN,
    ):
        since = f" since {uk_datetime(detail.claimed_at)}" if detail.claimed_at else ""
        text += f" · claimed by {row.assignee}{since}"
    return shown(text)


class ChallengeDetailScreen(Screen[None]):
    CSS_PATH = "challenge_detail.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="challenge.back"),
        # At 80 columns the footer has room for Back, one move, one change to the records,
        # Find, Lock, Sign out and the analyst's count: the rest are in "What you can do"
        # (with their keys) and the palette.
        Binding("n", "note", "Note", id="challenge.note", show=False),
        *(
            Binding(a.key, a.action, a.label, show=a.footer, id=f"challenge.{a.action}")
            for a in STATUS_ACTIONS
        ),
        *(Binding(a.key, a.action, a.label, id=f"challenge.{a.action}") for a in RECORD_ACTIONS),
        Binding("ctrl+r", "reload", "Reload", show=False, id="challenge.reload"),
    ]

    def __init__(self, services: Services, actor: Actor, reference: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.reference = reference
        self.detail: ChallengeDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static("", id="title", markup=False)
            yield Static("", id="state", markup=False)
            yield Static("", id="clock", markup=False)
            yield MessageLine(id="message")
            yield Grid(id="raised")
            yield Static("The two learners", classes="heading", id="sides-heading")
            yield Grid(id="sides")
            yield Static("", id="twins", markup=False)
            yield Static("", id="explanation", markup=False)
            yield Static("Events involved", classes="heading", id="events-heading")
            yield Static("", id="events", markup=False)
            yield Static("Timeline", classes="heading")
            yield Grid(id="timeline", classes="history")
            yield Static("Every challenge on this learner (§6.4)", classes="heading")
            yield Static("", id="history", markup=False)
            yield Static("Record changes made", classes="heading")
            yield Static("", id="changes", markup=False)
            yield Static("What you can do", classes="heading")
            yield Static("", id="actions", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Data challenge {self.reference}"
        self.action_reload()

    # -- what is offered ------------------------------------------------------------------

    def allows(self, move: Move) -> bool:
        return self.detail is not None and move in self.detail.moves

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note":
            # Notes are for analysts, on any challenge they can see (not an action).
            return self.detail is not None and self._may_resolve
        if action == "ao_answer":
            return self.allows(Move.AO_CONFIRMED) or self.allows(Move.AO_DECLINED)
        if action in BY_ACTION:
            return self.allows(BY_ACTION[action].move)
        if action in BY_RECORD_ACTION:
            return self.may_change_records(BY_RECORD_ACTION[action])
        return True

    def may_change_records(self, record: RecordAction) -> bool:
        """A change to learners resolves a challenge this analyst has in progress, of a type
        it answers (the core checks it again, on the locked row)."""
        detail = self.detail
        if detail is None or detail.row.status is not ChallengeStatus.IN_PROGRESS:
            return False
        if not self.allows(Move.RESOLVE) or detail.row.challenge_type not in record.types:
            return False
        if record.asks and detail.row.challenge_type is ChallengeType.EVENT_NOT_BELONGING:
            return detail.event_action in record.asks
        return True

    @property
    def _may_resolve(self) -> bool:
        from lrs_core.permissions import Permission

        return self._actor.may(Permission.RESOLVE_CHALLENGE)

    def offered(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(key, title, action) for everything this operator may do now."""
        found: list[tuple[str, str, Callable[[], object]]] = []
        if self.check_action("note", ()):
            found.append(("n", "Add a note to the timeline", self.action_note))
        for record in RECORD_ACTIONS:
            if self.check_action(record.action, ()):
                found.append((record.key, record.title, getattr(self, f"action_{record.action}")))
        for a in STATUS_ACTIONS:
            if self.check_action(a.action, ()):
                found.append((a.key, a.title, getattr(self, f"action_{a.action}")))
        return found

    def palette_commands(self) -> Iterable[SystemCommand]:
        for key, title, action in self.offered():
            yield SystemCommand(f"Challenge: {title}", f"{self.reference} (key {key})", action)
        yield SystemCommand("Challenge: reload", "Read the challenge again", self.action_reload)

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one(MessageLine).show_busy("Loading…")
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group=LOAD_GROUP)
    def _load(self) -> ChallengeDetail:
        return self._services.challenges.detail(self._actor, self.reference)

    @on(Worker.StateChanged)
    async def _worker_done(self, event: Worker.StateChanged) -> None:
        if not event.worker.is_finished or event.state is WorkerState.CANCELLED:
            return
        if event.worker.group not in (LOAD_GROUP, ACT_GROUP, REOPEN_GROUP, PLR_GROUP):
            return
        line = self.query_one(MessageLine)
        if event.worker.group == PLR_GROUP:
            self._plr_read(event)
            return
        if event.worker.group == REOPEN_GROUP and event.state is WorkerState.SUCCESS:
            line.clear()
            plans = event.worker.result
            assert isinstance(plans, tuple)
            self._reopen_previewed(plans)
            return
        if event.state is not WorkerState.SUCCESS:
            error = event.worker.error
            line.show_error(error_text(error))
            if isinstance(error, STALE) and event.worker.group == ACT_GROUP:
                self._load()
            return
        detail = event.worker.result
        assert isinstance(detail, ChallengeDetail)
        if event.worker.group == LOAD_GROUP and line.has_class("-busy"):
            line.clear()
        await self.show(detail)
        if event.worker.group == ACT_GROUP:
            self._changed()

    async def show(self, detail: ChallengeDetail) -> None:
        row = detail.row
        self.query_one("#title", Static).update(
            shown(f"{row.reference} · {row.learner_name} · {SHORT_STATUSES[row.status]}")
        )
        self.query_one("#state", Static).update(state_words(detail))
        clock = self.query_one("#clock", Static)
        clock.update(clock_words(detail))
        clock.set_class(row.warning or row.breached, "-marked")
        raised = self.query_one("#raised", Grid)
        await raised.remove_children()
        await raised.mount_all(
            widget
            for key, value in raised_rows(detail)
            for widget in (Label(key, classes="key"), Label(value, markup=False))
        )
        await self._show_sides(detail)
        events = self.query_one("#events", Static)
        events.update("\n".join(event_line(e) for e in detail.events) or "none")
        self.query_one("#events-heading").display = bool(detail.events)
        events.display = bool(detail.events)
        timeline = self.query_one("#timeline", Grid)
        await timeline.remove_children()
        await timeline.mount_all(
            Label(text, markup=False, classes=f"history-{column}")
            for entry in detail.timeline
            for column, text in (
                ("when", uk_datetime(entry.at)),
                ("who", shown(entry.who or "the system")),
                ("what", shown(f"{entry.kind}: {entry.text}", multiline=True)),
            )
        )
        self.query_one("#history", Static).update(
            "\n".join(
                shown(
                    f"{h.reference}  {SHORT_TYPES[h.challenge_type]} · "
                    f"{SHORT_STATUSES[h.status]} · raised {display_date(h.raised_at.date())}"
                    + ("  (this one)" if h.reference == row.reference else "")
                )
                for h in detail.history
            )
            or "none"
        )
        self.query_one("#changes", Static).update(
            "\n".join(
                shown(
                    f"change {c.id} · {c.kind} · {uk_datetime(c.performed_at)} by {c.who}"
                    + (f" · reversed by change {c.reversed_by}" if c.reversed_by else "")
                )
                for c in detail.changes
            )
            or "none"
        )
        # Set before the list of actions: check_action reads it.
        self.detail = detail
        lines = [f"{key:>3}  {title}" for key, title, _ in self.offered()]
        if not self._may_resolve:
            lines.append("Otherwise read only: analysts act on data challenges.")
        self.query_one("#actions", Static).update("\n".join(lines))
        self.refresh_bindings()

    async def _show_sides(self, detail: ChallengeDetail) -> None:
        grid = self.query_one("#sides", Grid)
        await grid.remove_children()
        has_other = detail.other is not None
        self.query_one("#sides-heading").display = has_other
        grid.display = has_other
        twins = self.query_one("#twins", Static)
        explanation = self.query_one("#explanation", Static)
        if detail.other is None:
            twins.display = explanation.display = False
            return
        heads = ("", "This learner", "Other learner", "Comparison")
        widgets: list[Label] = [Label(h, classes="side-heading") for h in heads]
        for name, this, other, words, differs in side_rows(detail):
            mark = " -differs" if differs else ""
            widgets += [
                Label(name, classes="key"),
                Label(shown(this), markup=False, classes=f"side{mark}"),
                Label(shown(other), markup=False, classes=f"side{mark}"),
                Label(words, markup=False, classes=f"level{mark}"),
            ]
        await grid.mount_all(widgets)
        comparison = detail.comparison
        sentences = list(comparison.explanation) if comparison else []
        if comparison and comparison.possible_twins:
            first = sentences.pop(0).removeprefix("Possible twins:").strip()
            twins.update("⚠ POSSIBLE TWINS: " + shown(first))
            twins.display = True
        else:
            twins.display = False
        explanation.update("\n".join(shown(s) for s in sentences))
        explanation.display = bool(sentences)

    # -- acting ---------------------------------------------------------------------------

    @property
    def _version(self) -> int | None:
        return self.detail.row.row_version if self.detail else None

    def _run(self, call: Callable[[], ChallengeDetail], busy: str) -> None:
        self.query_one(MessageLine).show_busy(busy)
        self._act(call)

    @work(thread=True, exclusive=True, exit_on_error=False, group=ACT_GROUP)
    def _act(self, call: Callable[[], ChallengeDetail]) -> ChallengeDetail:
        return call()

    def _changed(self) -> None:
        """After a change: the footer's count, and a word in the message line."""
        from lrs_tui.app import LrsDeskApp

        if isinstance(self.app, LrsDeskApp):
            self.app.refresh_challenge_counts()

    def _words(
        self,
        title: str,
        explanation: str,
        label: str,
        button: str,
        act: Callable[[str], ChallengeDetail],
        *,
        required: bool = True,
    ) -> None:
        dialog = WordsDialog(
            f"{title} · {self.reference}", explanation, label, act,
            button=button, required=required,
        )  # fmt: skip
        self.app.push_screen(dialog, callback=self._dialog_done)

    async def _dialog_done(self, result: object) -> None:
        line = self.query_one(MessageLine)
        if isinstance(result, ActionResult):
            await self.show(result.detail)
            done = result.change.summary if result.change else "Done."
            line.show_notice(shown(f"{done} {result.detail.row.reference} is resolved."))
            self._changed()
        elif isinstance(result, ChallengeDetail):
            await self.show(result)
            line.show_notice(shown(f"Saved: {result.row.status_label.lower()}."))
            self._changed()
        elif isinstance(result, LrsError):
            # Someone else acted first: say what changed, and show it as it is now.
            line.show_error(error_text(result))
            self._load()

    def action_claim(self) -> None:
        ref, version = self.reference, self._version
        self._run(lambda: self._services.challenges.claim(self._actor, ref, version), "Claiming…")

    def action_release(self) -> None:
        ref, version = self.reference, self._version
        self._run(
            lambda: self._services.challenges.release(self._actor, ref, version), "Releasing…"
        )

    def action_note(self) -> None:
        ref = self.reference
        self._words(
            "Note", "A note on the challenge's timeline, for the analysts (not an action).",
            "Note", "Add the note",
            lambda text: self._services.challenges.note(self._actor, ref, text),
        )  # fmt: skip

    def action_await_information(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Await information",
            "The clock pauses until the information comes (its support time so far is kept).",
            "What you asked the raiser for", "Await information",
            lambda text: self._services.challenges.await_information(
                self._actor, ref, version, text
            ),
        )  # fmt: skip

    def action_resume(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Resume", "The information came: the clock restarts with the time that was left.",
            "What came", "Resume",
            lambda text: self._services.challenges.resume(self._actor, ref, version, text),
            required=False,
        )  # fmt: skip

    def action_refer(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Refer to the awarding organisation",
            "For a grade or date on the awarding organisation's own data: the clock stops"
            " until they answer, and a correction is applied only once they confirm it.",
            "What you asked them", "Refer",
            lambda text: self._services.challenges.refer(self._actor, ref, version, text),
        )  # fmt: skip

    def action_ao_answer(self) -> None:
        ref, version = self.reference, self._version
        dialog = AoAnswerDialog(
            ref,
            lambda answer, confirmed: self._services.challenges.record_ao_answer(
                self._actor, ref, version, answer, confirmed
            ),
        )
        self.app.push_screen(dialog, callback=self._dialog_done)

    def action_resolve(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Resolve", "The reason is given to the raiser: say what was done.",
            "Reason", "Resolve",
            lambda text: self._services.challenges.resolve(self._actor, ref, version, text),
        )  # fmt: skip

    def action_reject(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Reject", "The reason is given to the raiser: say why nothing will change.",
            "Reason", "Reject",
            lambda text: self._services.challenges.reject(self._actor, ref, version, text),
        )  # fmt: skip

    def action_withdraw(self) -> None:
        ref, version = self.reference, self._version
        self._words(
            "Withdraw", "The raiser withdraws the challenge (User Guide §6.4).",
            "Reason the raiser gave", "Withdraw",
            lambda text: self._services.challenges.withdraw(self._actor, ref, version, text),
        )  # fmt: skip

    def action_reopen(self) -> None:
        """Reopening undoes the challenge's record changes exactly: what it would undo is
        read first (a look, nothing changed) and shown in the dialog that asks why."""
        self.query_one(MessageLine).show_busy("Reading what reopening would undo…")
        self._reopen_preview()

    @work(thread=True, exclusive=True, exit_on_error=False, group=REOPEN_GROUP)
    def _reopen_preview(self) -> tuple[Plan, ...]:
        return self._services.challenges.preview_reopen(self._actor, self.reference)

    def _reopen_previewed(self, plans: tuple[Plan, ...]) -> None:
        ref, version = self.reference, self._version
        undo = [line for plan in plans for line in plan.lines()]  # each through shown()
        explanation = "It becomes yours, in progress; its clock runs again with the time left."
        if undo:
            explanation += " Reopening undoes exactly:\n" + "\n".join(undo)
        self._words(
            "Reopen", explanation, "Reason", "Reopen",
            lambda text: self._services.challenges.reopen(self._actor, ref, version, text),
        )  # fmt: skip

    # -- changes to learners and events: preview, then confirm -----------------------------

    def _preview(self, record: RecordAction, **given: object) -> None:
        ref, version = self.reference, self._version
        act = getattr(self._services.challenges, record.action)

        def preview() -> Plan:
            result: ActionResult = act(self._actor, ref, version, preview=True, **given)
            assert result.plan is not None
            return result.plan

        def apply(plan: Plan, twins_confirmed: bool) -> ActionResult:
            extra = {"confirm_twins": twins_confirmed} if record.action == "merge" else {}
            done: ActionResult = act(self._actor, ref, version, previewed=plan, **given, **extra)
            return done

        dialog = PreviewDialog(f"{record.label} · {ref}", record.confirm, preview, apply)
        self.app.push_screen(dialog, callback=self._dialog_done)

    def action_merge(self) -> None:
        self._preview(BY_RECORD_ACTION["merge"])

    def action_demerge(self) -> None:
        self._preview(BY_RECORD_ACTION["demerge"])

    def action_retire(self) -> None:
        self._preview(BY_RECORD_ACTION["retire"])

    def action_transfer_event(self) -> None:
        self._preview(BY_RECORD_ACTION["transfer_event"])

    def action_correct_event(self) -> None:
        self._preview(BY_RECORD_ACTION["correct_event"])

    def action_remove_event(self) -> None:
        if self.detail is None:
            return
        choose = self.detail.row.challenge_type is ChallengeType.EVENT_DUPLICATED
        dialog = RemovalDialog(self.reference, self.detail.events, choose=choose)
        self.app.push_screen(dialog, callback=self._removal_chosen)

    def _removal_chosen(self, chosen: tuple[str, tuple[int, ...]] | None) -> None:
        if chosen is not None:
            reason, event_ids = chosen
            given: dict[str, object] = {"reason": reason}
            if event_ids:
                given["event_ids"] = event_ids
            self._preview(BY_RECORD_ACTION["remove_event"], **given)

    def action_split_shared_uln(self) -> None:
        """The events to move are chosen from the learner's PLR (desk view: a restricted
        record asks for the reason first, as the PLR does)."""
        self.query_one(MessageLine).show_busy("Reading the learner's events…")
        self._read_plr(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group=PLR_GROUP)
    def _read_plr(self, reason: str | None) -> Plr:
        assert self.detail is not None
        uln = self.detail.row.uln
        return self._services.plr.open(self._actor, uln, PlrView.DESK, reason=reason)

    def _plr_read(self, event: Worker.StateChanged) -> None:
        line = self.query_one(MessageLine)
        if event.state is not WorkerState.SUCCESS:
            error = event.worker.error
            if isinstance(error, ReasonRequired):
                line.show_busy("Waiting for your reason…")
                self.app.push_screen(ReasonScreen(str(error)), callback=self._reason_given)
            else:
                line.show_error(error_text(error))
            return
        line.clear()
        plr = event.worker.result
        assert isinstance(plr, Plr)
        ref, version = self.reference, self._version

        def act(values: Mapping[str, str], event_ids: Sequence[int], **given: Any) -> object:
            split = self._services.challenges.split_shared_uln
            return split(self._actor, ref, version, values, event_ids, **given)

        screen = SplitScreen(
            act, ref, [(e.id, e.subject) for e in plr.events], self._services.learners.today
        )
        self.app.push_screen(screen, callback=self._dialog_done)

    def _reason_given(self, reason: str | None) -> None:
        if reason:
            self._read_plr(reason)
        else:
            self.query_one(MessageLine).show_notice("Not split: the PLR was not opened.")
