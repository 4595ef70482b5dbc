"""A learner's profile: every field, when it was created and last amended and by whom, linked
ULNs or the master ULN (§4.2.3), the change history from the audit trail, and what the
operator's role may do with the learner. Opening it is an audited look."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.learner_fields import FIELDS, field_text
from lrs_core.domain.text import shown
from lrs_core.domain.values import AbilityToShare, Gender, VerificationType, display_date
from lrs_core.permissions import Permission
from lrs_core.services.learners import (
    HistoryEntry,
    LearnerProfile,
    LearnerRecord,
    LearnerService,
    ProfileAction,
)
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from lrs_tui.screens.raise_challenge import RaiseResult

WORKER_GROUP = "learner-profile"
CODE_LABELS = {
    "gender": lambda code: Gender(code).label,
    "ability_to_share": lambda code: AbilityToShare(code).label,
    "verification_type": lambda code: VerificationType(code).label,
}


def record_rows(record: LearnerRecord) -> list[tuple[str, str]]:
    """(label, text): who the learner is and the record's life first, then every field."""
    amended = (
        f"{uk_datetime(record.amended_at)} by {shown(record.amended_by or 'unknown')}"
        if record.amended_at
        else "never"
    )
    rows = [
        ("ULN", record.uln),
        ("Status", str(record.status)),
        ("Created", f"{uk_datetime(record.created_at)} by {shown(record.created_by)}"),
        ("Last amended", amended),
    ]
    if record.master_uln:
        rows.append(("Master ULN", f"{record.master_uln} (this ULN was merged into it)"))
    rows.append(("Linked ULNs", ", ".join(record.linked_ulns) or "none"))
    for spec in FIELDS:
        value = getattr(record, spec.name)
        if isinstance(value, date):
            text = display_date(value)
        elif spec.name in CODE_LABELS and value is not None:
            text = f"{CODE_LABELS[spec.name](value)} ({value})"
        else:
            # Notes may hold line feeds: shown as lines; anything else is made visible.
            text = shown(field_text(value), multiline=spec.multiline)
        rows.append((spec.label, text or "—"))
    return rows


def history_text(entry: HistoryEntry) -> str:
    """A change says what changed; a look says what was done, and how it ended if not ok."""
    if entry.is_change:
        return entry.summary
    text = entry.action.replace("-", " ")
    if entry.outcome != "ok":
        text += f" ({entry.outcome})"
    return f"{text}: {entry.summary}" if entry.summary else text


class LearnerProfileScreen(Screen[None]):
    CSS_PATH = "learner_profile.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="learner-profile.back"),
        Binding("e", "edit", "Edit", id="learner-profile.edit"),
        Binding("p", "plr", "PLR", id="learner-profile.plr"),
        Binding("d", "raise_challenge", "Challenge", id="learner-profile.raise-challenge"),
        Binding("c", "copy_uln", "Copy ULN", id="learner-profile.copy-uln", show=False),
        Binding("r", "reload", "Reload", id="learner-profile.reload", show=False),
    ]

    def __init__(self, learners: LearnerService, actor: Actor, uln: str) -> None:
        super().__init__()
        self._learners = learners
        self._actor = actor
        self.uln = uln
        self.profile: LearnerProfile | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static("", id="title", markup=False)
            yield MessageLine(id="message")
            yield Grid(id="fields")
            yield Static("Changes", classes="heading")
            yield Grid(id="changes", classes="history")
            yield Static("Latest looks and refusals", classes="heading")
            yield Grid(id="looks", classes="history")
            yield Static("What you can do", classes="heading")
            yield Static("", id="actions", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Learner {self.uln}"
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            # The core says what this operator may do with this learner.
            return self.profile is not None and ProfileAction.EDIT in self.profile.actions
        if action == "plr":
            return self.profile is not None and ProfileAction.VIEW_PLR in self.profile.actions
        if action == "copy_uln":
            return self.profile is not None
        if action == "raise_challenge":
            # Agents and above; the core refuses what this learner's status does not allow.
            return self.profile is not None and self._actor.may(Permission.RAISE_CHALLENGE)
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.check_action("edit", ()):
            yield SystemCommand(
                "Edit this learner", "Change the learner's details", self.action_edit
            )
        if self.check_action("plr", ()):
            yield SystemCommand(
                "View this learner's PLR", "The Personal Learning Record", self.action_plr
            )
        if self.check_action("raise_challenge", ()):
            yield SystemCommand(
                "Raise a ULN challenge",
                "Report a problem with this learner's ULN (User Guide §6.2)",
                self.action_raise_challenge,
            )
        if self.check_action("copy_uln", ()):
            yield SystemCommand(
                "Copy the ULN", f"Copy {self.uln} to the clipboard", self.action_copy_uln
            )
        yield SystemCommand("Reload this learner", "Read the learner again", self.action_reload)

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one(MessageLine).show_busy("Loading…")
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _load(self) -> LearnerProfile:
        return self._learners.profile(self._actor, self.uln)

    @on(Worker.StateChanged)
    async def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        line = self.query_one(MessageLine)
        if event.state is not WorkerState.SUCCESS:
            line.show_error(error_text(event.worker.error))
            return
        profile = event.worker.result
        assert isinstance(profile, LearnerProfile)
        line.clear()
        await self.show(profile)

    async def show(self, profile: LearnerProfile) -> None:
        record = profile.record
        self.query_one("#title", Static).update(
            f"{shown(record.given_name)} {shown(record.family_name)} · ULN {record.uln}"
        )
        fields = self.query_one("#fields", Grid)
        await fields.remove_children()
        await fields.mount_all(
            widget
            for key, value in record_rows(record)
            for widget in (Label(key, classes="key"), Label(value, markup=False))
        )
        await self._show_history("#changes", profile.changes, "none since it was created")
        await self._show_history("#looks", profile.looks, "none")
        self.query_one("#actions", Static).update(
            "\n".join(f"• {action}" for action in profile.actions)
        )
        # Set last: a loaded profile means every part of the page is on screen.
        self.profile = profile
        self.refresh_bindings()

    async def _show_history(
        self, selector: str, entries: Sequence[HistoryEntry], none: str
    ) -> None:
        grid = self.query_one(selector, Grid)
        await grid.remove_children()
        if not entries:
            await grid.mount(Label(none, classes="history-none"))
            return
        await grid.mount_all(
            Label(text, markup=False, classes=f"history-{column}")
            for entry in entries
            for column, text in (
                ("when", uk_datetime(entry.occurred_at)),
                ("who", shown(entry.actor)),
                ("what", shown(history_text(entry))),
            )
        )

    # -- actions --------------------------------------------------------------------------

    def action_edit(self) -> None:
        if self.profile is None:
            return
        from lrs_tui.screens.learner_form import LearnerFormScreen

        screen = LearnerFormScreen.edit(self._learners, self._actor, self.profile.record)
        self.app.push_screen(screen, callback=self._edited)

    def _edited(self, learner: LearnerRecord | None) -> None:
        if learner is not None:
            self.notify(f"Learner {learner.uln} saved.", title="Saved")
            self.action_reload()

    def action_plr(self) -> None:
        from lrs_tui.app import LrsDeskApp

        if isinstance(self.app, LrsDeskApp):
            self.app.open_plr(self.uln)

    def action_raise_challenge(self) -> None:
        from lrs_tui.screens.raise_challenge import RaiseChallengeScreen, challenges_service

        challenges = challenges_service(self.app)
        if self.profile is None or challenges is None:
            return
        screen = RaiseChallengeScreen.for_learner(
            challenges,
            self._actor,
            self.profile.record,
            may_edit=ProfileAction.EDIT in self.profile.actions,
        )
        self.app.push_screen(screen, callback=self._challenge_raised)

    def _challenge_raised(self, result: RaiseResult | None) -> None:
        if result is None:
            return
        if result.edit_learner:
            self.action_edit()  # not a challenge: the desk corrects the learner itself
        elif result.reference:
            self.notify(
                f"Data challenge {result.reference} raised.", title="Challenge", markup=False
            )
            self.action_reload()

    def action_copy_uln(self) -> None:
        self.app.copy_to_clipboard(self.uln)
        self.notify(f"ULN {self.uln} copied (if your terminal allows copying).", title="Copy ULN")
