"""Register a learner (§4.2.2) or edit one (Appendix C): every field, checked as it is typed.

Registering runs the possible-match check first: matches are shown with the §4.2.4 warning and
need an explicit "Register learner"; identical key data is refused (WSRC0021). Editing saves
only the fields the operator changed, over the record the profile showed: if someone changed
the learner meanwhile the core refuses, the form keeps every edit and lists what changed, and
ctrl+r reloads the learner with the edits kept on top.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.text import shown
from lrs_core.domain.values import OutcomeCode
from lrs_core.errors import IdenticalLearner, InvalidFields, StaleLearner, ValidationError
from lrs_core.services.learners import LearnerRecord, LearnerService, RegisterResult
from lrs_tui.formatting import error_text
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.learner_fields import LearnerFields, in_form_order, record_texts
from lrs_tui.widgets.message_line import MessageLine

WORKER_GROUP = "learner-form"


class LearnerFormScreen(Screen[LearnerRecord | None]):
    """Dismissed with the learner as saved (or registered), or None when cancelled."""

    CSS_PATH = "learner_form.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="learner-form.cancel"),
        # One key, named for what it does here: check_action shows the one that applies.
        Binding("ctrl+s", "register", "Register", id="learner-form.register"),
        Binding("ctrl+s", "save", "Save", id="learner-form.save"),
        # Out of the footer (no room at 80 columns): the stale-save message names the key.
        Binding("ctrl+r", "reload", "Reload", id="learner-form.reload", show=False),
    ]

    def __init__(
        self,
        learners: LearnerService,
        actor: Actor,
        *,
        values: Mapping[str, str],
        original: LearnerRecord | None,
    ) -> None:
        super().__init__()
        self._learners = learners
        self._actor = actor
        self._values = dict(values)
        self.original = original  # None when registering
        self._stale = False
        self._new_learner: LearnerRecord | None = None
        self._leaving = ""  # the key pressed once to leave with unsaved changes

    @classmethod
    def register(
        cls, learners: LearnerService, actor: Actor, prefill: Mapping[str, str]
    ) -> LearnerFormScreen:
        return cls(learners, actor, values=prefill, original=None)

    @classmethod
    def edit(
        cls, learners: LearnerService, actor: Actor, record: LearnerRecord
    ) -> LearnerFormScreen:
        return cls(learners, actor, values=record_texts(record), original=record)

    @property
    def registering(self) -> bool:
        return self.original is None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._intro(), id="intro", markup=False)
        yield LearnerFields(self._learners.today, self._values, id="fields")
        yield MessageLine(id="message")
        with Vertical(id="conflict") as conflict:
            conflict.border_title = "Changed since you opened it"
            yield Static("", id="conflict-text", markup=False)
            yield Grid(id="changes")
        with Horizontal(id="buttons"):
            label = "Register learner" if self.registering else "Save changes"
            yield Button(label, id="submit", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)
        yield DeskFooter()

    def _intro(self) -> str:
        record = self.original
        who = "a new learner" if record is None else f"{record.given_name} {record.family_name}"
        return f"{'Register' if record is None else 'Edit'} {who}: * marks a mandatory field."

    def on_mount(self) -> None:
        record = self.original
        self.sub_title = "Register a learner" if record is None else f"Edit learner {record.uln}"
        self.query_one("#conflict").display = False
        self.query_one(LearnerFields).focus_first()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            return self._stale
        if action == "register":
            return self.registering
        if action == "save":
            return not self.registering
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.registering:
            yield SystemCommand(
                "Register this learner",
                "Check for possible matches, then register",
                self.action_submit,
            )
        else:
            yield SystemCommand(
                "Save this learner", "Save the fields you changed", self.action_submit
            )
        if self._stale:
            yield SystemCommand(
                "Reload the learner",
                "Load the learner as it is now, keeping your edits",
                self.action_reload,
            )
        yield SystemCommand("Cancel", "Leave without saving", self.action_cancel)

    @property
    def fields(self) -> LearnerFields:
        return self.query_one(LearnerFields)

    # -- submitting -------------------------------------------------------------------------

    def action_register(self) -> None:
        self.action_submit()

    def action_save(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#submit")
    @on(Input.Submitted)  # Enter, from the last field or with every required one filled
    def action_submit(self) -> None:
        button = self.query_one("#submit", Button)
        if button.disabled:
            return
        self.fields.clear_errors()
        if self.original is None:
            self._busy("Checking for possible matches…")
            self._register(self.fields.values(), None)
            return
        edits = self.fields.edits()
        if not edits:
            self.query_one(MessageLine).show_notice(
                "Nothing has changed: there is nothing to save."
            )
            return
        self._busy("Saving…")
        self._update(self.original, edits)

    def _busy(self, text: str) -> None:
        self.query_one("#submit", Button).disabled = True
        self.query_one(MessageLine).show_busy(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP, name="register")
    def _register(self, raw: dict[str, str], confirmed: set[str] | None) -> RegisterResult:
        return self._learners.register(self._actor, raw, confirmed_ulns=confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP, name="update")
    def _update(self, original: LearnerRecord, raw: dict[str, str]) -> LearnerRecord:
        return self._learners.update(self._actor, original, raw)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP, name="reload")
    def _read(self, uln: str) -> LearnerRecord:
        return self._learners.show(self._actor, uln)

    @on(Worker.StateChanged)
    async def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        self.query_one("#submit", Button).disabled = False
        if event.state is WorkerState.ERROR:
            await self._show_error(event.worker.error)
            return
        if event.state is not WorkerState.SUCCESS:
            return
        result = event.worker.result
        if isinstance(result, RegisterResult):
            self._registered(result)
        elif event.worker.name == "reload" and isinstance(result, LearnerRecord):
            self._reloaded(result)
        elif isinstance(result, LearnerRecord):
            self.dismiss(result)

    # -- registering -------------------------------------------------------------------------

    def _registered(self, result: RegisterResult) -> None:
        line = self.query_one(MessageLine)
        if result.learner is not None:
            from lrs_tui.screens.registered import RegisteredScreen

            line.show_notice(result.message)
            self._new_learner = result.learner
            self.app.push_screen(RegisteredScreen(result.learner.uln), callback=self._leave)
        elif result.outcome is OutcomeCode.POSSIBLE_MATCH:
            from lrs_tui.screens.possible_matches import PossibleMatchesScreen

            line.show_notice(f"{result.outcome} {result.outcome.meaning}: confirm or cancel.")
            shown = {c.uln for c in result.possible_matches}
            self.app.push_screen(
                PossibleMatchesScreen(result),
                callback=lambda confirmed: self._confirmed(bool(confirmed), shown),
            )
        else:  # WSRC0021: identical key data, refused
            line.show_error(f"{result.outcome} {result.message}")

    def _leave(self, open_profile: bool | None) -> None:
        # Not a lambda: a callback that returned dismiss()'s awaitable would be awaited
        # inside this screen's own message handler, which Textual refuses.
        self.dismiss(self._new_learner if open_profile else None)

    def _confirmed(self, confirmed: bool, shown: set[str]) -> None:
        if not confirmed:
            self.query_one(MessageLine).show_notice(
                "Not registered: review the possible matches (find them on the find screen)."
            )
            return
        self._busy("Registering…")
        self._register(self.fields.values(), shown)

    # -- errors and conflicts ------------------------------------------------------------------

    async def _show_error(self, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if isinstance(error, ValidationError):
            # Listed and focused top to bottom, as the operator reads the form.
            errors = in_form_order(error.errors if isinstance(error, InvalidFields) else [error])
            elsewhere = self.fields.show_errors(errors)
            count = len(errors)
            summary = f"{count} field{'s' if count != 1 else ''} to correct: " + ", ".join(
                e.field for e in errors
            )
            line.show_error("\n".join([summary, *(f"{e.field}: {e.message}." for e in elsewhere)]))
        elif isinstance(error, StaleLearner):
            self._stale = True
            self.refresh_bindings()
            line.show_error(f"{error} Press ctrl+r to reload the learner with your edits kept.")
            await self._show_changes(error.changes)
        elif isinstance(error, IdenticalLearner):
            line.show_error(f"{error.code} {error} Identical to ULN {error.uln}.")
        else:
            line.show_error(error_text(error))

    async def _show_changes(self, changes: Iterable[object]) -> None:
        panel = self.query_one("#conflict")
        panel.display = True
        self.query_one("#conflict-text", Static).update(
            "Another operator changed these fields after you opened the learner:"
        )
        grid = self.query_one("#changes", Grid)
        await grid.remove_children()
        headings = [Label(h, classes="change-heading") for h in ("Field", "Was", "Now")]
        cells = [
            Label(shown(str(cell)), markup=False)
            for change in changes
            for cell in (
                getattr(change, "field", ""),
                getattr(change, "before", "") or "—",
                getattr(change, "after", "") or "—",
            )
        ]
        await grid.mount_all([*headings, *cells])

    def action_reload(self) -> None:
        if self.original is None or not self._stale:
            return
        self._busy("Reloading the learner…")
        self._read(self.original.uln)

    def _reloaded(self, record: LearnerRecord) -> None:
        edits = self.fields.edits()
        self.original = record
        self.fields.load(record_texts(record), keep=edits)
        self._stale = False
        self.refresh_bindings()
        self.query_one(
            "#conflict", Vertical
        ).border_title = "Changed since you opened it (now loaded)"
        self.query_one(MessageLine).show_notice(
            "Reloaded: the form shows the learner as it is now, with your edits on top."
            " Check them and save again."
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.may_leave("escape"):
            self.dismiss(None)

    def may_leave(self, key: str) -> bool:
        """A long form is easy to lose with one stray key: with unsaved changes, the first
        press of ``key`` only warns; a second one leaves without them."""
        if self._new_learner is None and self.fields.edits() and self._leaving != key:
            self._leaving = key
            self.query_one(MessageLine).show_error(
                f"You have changes that are not saved: press {key} again to leave without them."
            )
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        if event.key != self._leaving:
            self._leaving = ""  # any other key cancels the "press escape again"

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        self._leaving = ""  # so does an edit (an input's editing keys never reach on_key)
