"""A breach incident (issue 13 item 2; User Guide §1.4): what was found, on which
organisation and sender, and §1.4's escalation ladder, five steps in its own words, each
with who confirmed it, when and the note; the step proposed next is marked PROPOSED (in
words and reverse video, never colour alone) with why (the organisation's breach history).

``a`` or Enter confirms a step (the proposed one, or another with a note saying why: the
core refuses it without one); the two steps that act suspend the sender's portal user or
disable the organisation's portal permissions, through the organisation directory, in the
core's transaction. ``c`` closes the incident (a note); ``g`` opens the organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.breaches import LADDER
from lrs_core.domain.kinds import IncidentStatus, LadderStep
from lrs_core.domain.text import shown
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.breach_incidents import IncidentView, LadderRow
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.screens.accounts.shared import CoreCalls
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

STEP_NUMBER: dict[LadderStep, int] = {step: n for n, (step, _) in enumerate(LADDER, start=1)}


def step_state(row: LadderRow) -> str:
    """Done (when, by whom, the note), proposed, or not done, in words."""
    if row.done_at is not None:
        did = f" ({row.action})" if row.action else ""
        note = f": {row.note}" if row.note else ""
        who = row.done_by or "the system"
        return shown(f"done {uk_datetime(row.done_at)} by {who}{did}{note}")
    return "PROPOSED NEXT" if row.proposed else "not done"


def ladder_cells(view: IncidentView) -> list[tuple[str, str, str, bool]]:
    """(number, §1.4's words, state, proposed) for each of the five steps, in order."""
    return [
        (f"{STEP_NUMBER[r.step]}.", shown(r.wording), step_state(r), r.proposed)
        for r in view.ladder
    ]


class IncidentScreen(CoreCalls, Screen[None]):
    CSS_PATH = "incident.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="incident.back"),
        Binding("a", "confirm_step", "Confirm step", id="incident.confirm"),
        Binding("enter", "confirm_step", "Confirm step", show=False, id="incident.enter"),
        Binding("c", "close_incident", "Close incident", id="incident.close"),
        Binding("g", "organisation", "Organisation", show=False, id="incident.organisation"),
        Binding("r", "reload", "Reload", show=False, id="incident.reload"),
    ]

    def __init__(self, services: Services, actor: Actor, reference: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.reference = reference
        self.view: IncidentView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield MessageLine(id="message")
        with VerticalScroll(id="body"):
            yield Static("", id="title", markup=False)
            yield Static("What was found (§1.4)", classes="heading")
            yield Static("", id="findings", markup=False)
            yield Static("The escalation ladder (§1.4)", classes="heading")
            with Grid(id="ladder"):
                for n in range(1, len(LADDER) + 1):
                    yield Label(f"{n}.", id=f"number-{n}", classes="number")
                    yield Label("", id=f"step-{n}", markup=False, classes="step")
            yield Static("", id="why", markup=False)
            with Grid(id="facts"):
                for key, label in (
                    ("organisation", "Organisation"),
                    ("user", "Sender"),
                    ("case", "Intake case"),
                    ("opened", "Opened"),
                    ("status", "Status"),
                    ("closed", "Closed"),
                ):
                    yield Label(label, classes="key", id=f"key-{key}")
                    yield Label("", id=f"fact-{key}", markup=False)
            yield Static("The organisation's other breaches in the window", classes="heading")
            yield Static("", id="history", markup=False)
            yield Static("What you can do", classes="heading")
            yield Static("", id="actions", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Breach incident {self.reference}"
        self.action_reload()

    # -- what is offered ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.view is not None and self.view.status is IncidentStatus.OPEN

    def open_steps(self) -> list[LadderStep]:
        """The steps not yet done, in order."""
        if self.view is None:
            return []
        return [r.step for r in self.view.ladder if r.done_at is None]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm_step":
            return self.is_open and bool(self.open_steps())
        if action == "close_incident":
            return self.is_open
        if action == "organisation":
            return (
                self.view is not None
                and self.view.ukprn is not None
                and self._actor.may(Permission.VIEW_ORGANISATIONS)
            )
        return True

    def offered(self) -> list[tuple[str, str, Callable[[], object]]]:
        every = [
            ("a", "Confirm the proposed step (or another, with a note)", "confirm_step"),
            ("c", "Close the incident (a note)", "close_incident"),
            ("g", "Open the organisation", "organisation"),
        ]
        return [
            (key, title, getattr(self, f"action_{action}"))
            for key, title, action in every
            if self.check_action(action, ())
        ]

    def palette_commands(self) -> Iterable[SystemCommand]:
        for key, title, action in self.offered():
            yield SystemCommand(f"Incident: {title}", f"{self.reference} (key {key})", action)
        yield SystemCommand("Incident: reload", "Read it again", self.action_reload)

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.view is None:
            self.query_one(MessageLine).show_busy("Reading the incident…")
        incidents, actor, reference = self._services.breach_incidents, self._actor, self.reference
        self.call("load", lambda: incidents.show(actor, reference))

    def done_load(self, view: IncidentView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        self.show(view)

    def show(self, view: IncidentView) -> None:
        self.view = view
        status = "OPEN" if view.status is IncidentStatus.OPEN else "closed"
        self.query_one("#title", Static).update(
            shown(f"Breach incident {view.reference} · {status} · "
                  f"{view.organisation or 'organisation not known'}")
        )  # fmt: skip

        def fact(key: str, text: str) -> None:
            self.query_one(f"#fact-{key}", Label).update(shown(text))

        fact("organisation", view.organisation or "not known: set the case's sender first")
        fact("user", view.portal_user or "not known to the directory")
        fact("case", view.case_reference)
        fact("opened", uk_datetime(view.opened_at))
        fact("status", status)
        closed = ""
        if view.closed_at is not None:
            note = f": {view.close_note}" if view.close_note else ""
            closed = f"{uk_datetime(view.closed_at)} by {view.closed_by or 'the system'}{note}"
        fact("closed", closed)
        self.query_one("#fact-closed").display = bool(closed)
        self.query_one("#key-closed").display = bool(closed)
        self.query_one("#findings", Static).update(
            "\n".join(shown(f"• {f}") for f in view.findings) or "none"
        )
        self._show_ladder(view)
        why = self.query_one("#why", Static)
        why.update(shown(f"Why proposed: {view.why}") if view.why else "")
        why.display = bool(view.why)
        self.query_one("#history", Static).update(
            shown(", ".join(view.history)) if view.history else "none"
        )
        lines = [f"{key:>3}  {title}" for key, title, _ in self.offered()]
        self.query_one("#actions", Static).update("\n".join(lines) or "nothing: read only")
        self.refresh_bindings()

    def _show_ladder(self, view: IncidentView) -> None:
        """Each step in §1.4's words, and under it whether it is done (when, by whom, the
        note), PROPOSED NEXT, or not done."""
        for n, (_, words, state, proposed) in enumerate(ladder_cells(view), start=1):
            label = self.query_one(f"#step-{n}", Label)
            label.update(f"{words}\n{state}")
            label.set_class(proposed, "-proposed")
            self.query_one(f"#number-{n}", Label).set_class(proposed, "-proposed")

    # -- acting ---------------------------------------------------------------------------

    def action_confirm_step(self) -> None:
        from lrs_tui.screens.intake.dialogs import StepDialog

        view = self.view
        steps = self.open_steps()
        if view is None or not steps or not self.is_open:
            return
        incidents, actor, ref, version = (
            self._services.breach_incidents, self._actor, self.reference, view.row_version,
        )  # fmt: skip
        dialog = StepDialog(
            ref,
            steps,
            view.proposed,
            view.why,
            lambda step, note: incidents.confirm_step(
                actor, ref, step, note, expected_version=version
            ),
        )
        self.app.push_screen(dialog, callback=self._changed)

    def action_close_incident(self) -> None:
        from lrs_tui.screens.intake.dialogs import IntakeWordsDialog

        view = self.view
        if view is None:
            return
        incidents, actor, ref, version = (
            self._services.breach_incidents, self._actor, self.reference, view.row_version,
        )  # fmt: skip
        dialog = IntakeWordsDialog(
            f"Close the incident · {ref}",
            "Closed once the steps taken are enough. It stays in the organisation's breach"
            " history, which the ladder reads for the next breach.",
            "Note",
            lambda note: incidents.close(actor, ref, note, expected_version=version),
            button="Close the incident",
        )
        self.app.push_screen(dialog, callback=self._changed)

    def _changed(self, result: object) -> None:
        line = self.query_one(MessageLine)
        if isinstance(result, IncidentView):
            self.show(result)
            line.show_notice("Saved." if result.status is IncidentStatus.OPEN else
                             f"Incident {result.reference} is closed.")  # fmt: skip
        elif isinstance(result, BaseException):
            line.show_error(error_text(result))
            self.action_reload()

    def action_organisation(self) -> None:
        from lrs_tui.screens.accounts.organisation_view import OrganisationViewScreen

        if self.view is not None and self.view.ukprn:
            screen = OrganisationViewScreen(self._services, self._actor, self.view.ukprn)
            self.app.push_screen(screen)
