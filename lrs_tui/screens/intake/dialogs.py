"""Small dialogs over an intake case: words for an action (a close reason, a note on a ladder
step), who sent it (a portal username or a UKPRN), which ladder step to confirm. Each calls
the core in a worker and stays open on a refusal it can fix here (the message line names the
field and the rule); a case or incident changed meanwhile closes it with the core's words,
so the screen under it says so and reads it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from lrs_core.domain.breaches import LADDER
from lrs_core.domain.kinds import LadderStep
from lrs_core.domain.text import shown
from lrs_core.services.breach_incidents import StaleIncident
from lrs_core.services.intake import NewFileNeeded, StaleIntake
from lrs_tui.screens.challenge_dialogs import WordsDialog, _Dialog
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput

LADDER_WORDS: dict[LadderStep, str] = dict(LADDER)


def is_stale(error: BaseException | None) -> bool:
    """A refusal meaning the screen underneath is out of date: the case or incident changed
    (the core's ``expected_version``), or the case now needs a new file."""
    return isinstance(error, (StaleIntake, NewFileNeeded, StaleIncident))


class IntakeWordsDialog(WordsDialog):
    """WordsDialog for the intake: a stale case or incident closes it with the refusal."""

    def _failed(self, error: BaseException | None) -> None:
        if is_stale(error):
            self.dismiss(error)
            return
        super()._failed(error)


class SenderDialog(_Dialog):
    """Set or correct who sent the message: a portal user by username (and so their
    organisation), or an organisation alone by UKPRN. ``act(username, ukprn)`` is the core's
    ``set_sender``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-sender.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    SenderDialog { align: center middle; }
    SenderDialog #dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    SenderDialog #explanation { color: $text-muted; }
    SenderDialog .row { height: auto; }
    SenderDialog .row Label { width: 18; }
    SenderDialog .row Input { width: 1fr; }
    SenderDialog #buttons { height: auto; margin-top: 1; }
    SenderDialog Button { margin-right: 2; }
    """

    def __init__(
        self,
        reference: str,
        now_known: str,
        act: Callable[[str | None, str | None], object],
    ) -> None:
        super().__init__()
        self._reference = reference
        self._now_known = now_known
        self._act = act

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Who sent it · {self._reference}"
            yield Static(
                shown(
                    f"Now: {self._now_known}. Give the sender's portal username (their "
                    "organisation follows), or only the organisation's UKPRN when the "
                    "sender is not a portal user."
                ),
                id="explanation",
                markup=False,
            )
            with Horizontal(classes="row"):
                yield Label("Portal username")
                yield OrderedInput(id="username", max_length=64, compact=True)
            with Horizontal(classes="row"):
                yield Label("or UKPRN")
                yield OrderedInput(id="ukprn", max_length=8, compact=True,
                                   restrict=r"[0-9]*", placeholder="8 digits")  # fmt: skip
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Set the sender", id="act", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#act")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip() or None
        ukprn = self.query_one("#ukprn", Input).value.strip() or None
        if username is None and ukprn is None:
            self.query_one(MessageLine).show_error(
                "Sender: type the portal username, or the organisation's UKPRN."
            )
            return
        self._busy("Saving…")
        self._call(lambda: self._act(username, ukprn))

    def _failed(self, error: BaseException | None) -> None:
        if is_stale(error):
            self.dismiss(error)
            return
        super()._failed(error)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class StepDialog(_Dialog):
    """Confirm a step of §1.4's ladder: the proposed one is chosen already; another step may
    be chosen, with a note saying why (the core refuses it without one). ``act(step, note)``
    is the core's ``confirm_step``; ``effects`` says what a step does beyond recording it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-step.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    StepDialog { align: center middle; }
    StepDialog #dialog {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; padding: 0 1;
    }
    StepDialog #why, StepDialog #effect { color: $text-muted; }
    StepDialog Select { width: 1fr; }
    StepDialog #buttons { height: auto; margin-top: 1; }
    StepDialog Button { margin-right: 2; }
    """

    EFFECTS: ClassVar[dict[LadderStep, str]] = {
        LadderStep.CONTACT: "Recorded: you contact the user and the organisation's super users.",
        LadderStep.USER_DISABLED: "The sender's portal user is SUSPENDED now (recorded on the"
        " organisation as the desk's security action).",
        LadderStep.ORGANISATION_DISABLED: "The organisation's portal permissions are DISABLED"
        " now (recorded on the organisation as the desk's security action).",
        LadderStep.DPO_AND_SENIOR_MANAGEMENT: "Recorded: you escalate to the Data Protection"
        " Officer and senior management.",
        LadderStep.ICO: "Recorded: you report it to the Information Commissioner's Office.",
    }

    def __init__(
        self,
        reference: str,
        steps: list[LadderStep],
        proposed: LadderStep | None,
        why: str,
        act: Callable[[LadderStep, str], object],
    ) -> None:
        super().__init__()
        self._reference = reference
        self._steps = steps
        self._proposed = proposed
        self._why = why
        self._act = act

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        chosen = self._proposed if self._proposed in self._steps else self._steps[0]
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Confirm a ladder step · {self._reference}"
            yield Static(shown(f"Proposed: {self._why}"), id="why", markup=False)
            yield Label("Step (§1.4)")
            yield Select(
                [(self._choice(s), str(s)) for s in self._steps],
                value=str(chosen),
                allow_blank=False,
                id="step",
                compact=True,
            )
            yield Static("", id="effect", markup=False)
            yield Label("Note", id="note-label")
            yield OrderedInput(id="note", max_length=2000)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Confirm the step", id="act", variant="warning")

    def _choice(self, step: LadderStep) -> str:
        number = [s for s, _ in LADDER].index(step) + 1
        mark = " (PROPOSED)" if step is self._proposed else ""
        return f"{number}. {LADDER_WORDS[step]}{mark}"

    def on_mount(self) -> None:
        self._explain()
        self.query_one("#note", Input).focus()

    @property
    def step(self) -> LadderStep:
        value = self.query_one("#step", Select).value
        return LadderStep(str(value))

    @on(Select.Changed, "#step")
    def _explain(self) -> None:
        step = self.step
        self.query_one("#effect", Static).update(self.EFFECTS[step])
        other = step is not self._proposed
        label = "Note: why this step, not the proposed one" if other else "Note (optional)"
        self.query_one("#note-label", Label).update(label)

    @on(Input.Submitted, "#note")
    @on(Button.Pressed, "#act")
    def _submit(self) -> None:
        step, note = self.step, self.query_one("#note", Input).value
        self._busy("Confirming…")
        self._call(lambda: self._act(step, note))

    def _failed(self, error: BaseException | None) -> None:
        if is_stale(error):
            self.dismiss(error)
            return
        super()._failed(error)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AddMessageDialog(_Dialog):
    """A message added by hand (issue 13 item 1): a saved ``.eml`` file, with the sender's
    address when the file does not say it. ``act(path, sender)`` reads the file and gives it
    to the core's ``receive``; the dialog closes with the new case."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="intake-add.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    AddMessageDialog { align: center middle; }
    AddMessageDialog #dialog {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    AddMessageDialog #explanation { color: $text-muted; }
    AddMessageDialog #buttons { height: auto; margin-top: 1; }
    AddMessageDialog Button { margin-right: 2; }
    """

    def __init__(self, act: Callable[[str, str | None], object]) -> None:
        super().__init__()
        self._act = act

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Add a message"
            yield Static(
                "A message saved from the desk's mailbox (.eml). The breach checks run on it"
                " before anyone opens anything.",
                id="explanation",
                markup=False,
            )
            yield Label("File")
            yield OrderedInput(id="path", required=True, placeholder="path to the .eml file")
            yield Label("Sender's address (only when the file does not give it)")
            yield OrderedInput(id="sender", max_length=254)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Add it", id="act", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#act")
    def _submit(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        sender = self.query_one("#sender", Input).value.strip() or None
        if not path:
            self.query_one(MessageLine).show_error("File: name the message's file.")
            return
        self._busy("Receiving: the breach checks run…")
        self._call(lambda: self._act(path, sender))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
