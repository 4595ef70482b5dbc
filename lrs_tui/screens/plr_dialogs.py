"""Dialogs over the PLR screen: the reason for opening a restricted record, one event's
details, and the PLR report (choose events, choose the file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.plr import PlrEvent
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date, validate_uln
from lrs_core.errors import ValidationError
from lrs_core.services.plr import REASON_MIN, Plr, PlrService, ReportResult, check_reason
from lrs_tui.formatting import error_text
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput
from lrs_tui.widgets.ticks import TickList


class ReasonScreen(ModalScreen[str | None]):
    """Why the operator needs a restricted record; the answer is audited with the look."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Organisation view instead", id="reason.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    ReasonScreen { align: center middle; }
    ReasonScreen #dialog {
        width: 76; max-width: 100%; height: auto; border: thick $warning; padding: 0 1;
    }
    ReasonScreen #buttons { height: auto; margin-top: 1; }
    ReasonScreen Button { margin-right: 2; }
    """

    def __init__(self, explanation: str) -> None:
        super().__init__()
        self._explanation = explanation

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Restricted record"
            yield Static(shown(self._explanation), markup=False)
            yield Label(f"Reason (at least {REASON_MIN} characters)")
            yield OrderedInput(id="reason", max_length=500, required=True)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Open the record", id="open", variant="warning")
                yield Button("Organisation view instead", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#open")
    def _open(self) -> None:
        try:
            reason = check_reason(self.query_one("#reason", Input).value)
        except ValidationError as error:
            self.query_one(MessageLine).show_error(f"{error.field}: {error.message}.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _day(value: date | None) -> str:
    return display_date(value) if value else "(no date)"


def event_rows(event: PlrEvent) -> list[tuple[str, str]]:
    """Every learning-event field (DOMAIN.md "Learning event fields"), blank ones left out."""

    def day(value: date | None) -> str:
        return display_date(value) if value else ""

    rows = [
        ("Subject", event.subject),
        ("Subject code", event.subject_code or ""),
        ("Qualification type", event.qualification_type or ""),
        ("Level", event.level or ""),
        ("Grade", event.grade or ""),
        ("Credit", "" if event.credits is None else str(event.credits)),
        ("Source", event.source),
        ("Start date", day(event.start_date)),
        ("End date", day(event.end_date)),
        ("Award date", day(event.award_date)),
        ("Awarding organisation", event.awarding_organisation_name or ""),
        ("Awarding org. UKPRN", event.awarding_organisation_ukprn or ""),
        ("Provider", event.provider_name or ""),
        ("Provider UKPRN", event.provider_ukprn or ""),
        ("Date loaded", day(event.date_loaded)),
        ("Status", event.status),
        ("Language for assessment", event.language_for_assessment or ""),
        ("Collection", event.collection_type or ""),
        ("Return number", event.return_number or ""),
        ("Restriction", event.restriction or ""),
        ("Sensitive", "yes: hidden from organisations" if event.sensitive else ""),
    ]
    if event.challenge:
        rows.append(("Data challenge", f"{event.challenge.reference} ({event.challenge.status})"))
    return [(k, v) for k, v in rows if v]


class EventDetailsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="event.close"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    EventDetailsScreen { align: center middle; }
    EventDetailsScreen #dialog {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; padding: 0 1;
    }
    EventDetailsScreen Grid { grid-size: 2; grid-columns: 24 1fr; height: auto; }
    EventDetailsScreen .key { color: $text-muted; }
    """

    def __init__(self, event: PlrEvent) -> None:
        super().__init__()
        self._event = event

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = "Learning event"
            dialog.border_subtitle = "Esc to close"
            with Grid():
                for key, value in event_rows(self._event):
                    yield Label(key, classes="key")
                    yield Label(shown(value), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class ReportScreen(ModalScreen[str | None]):
    """Every event ticked; the operator unticks what should not appear, names the file, and
    the core writes it (never over an existing file)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="report.cancel"),
        Binding("ctrl+a", "tick_all", "Tick all", id="report.tick_all"),
        Binding("ctrl+n", "untick_all", "Untick all", id="report.untick_all"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    ReportScreen { align: center middle; }
    ReportScreen #dialog {
        width: 90; max-width: 100%; height: 90%; border: thick $primary; padding: 0 1;
    }
    ReportScreen SelectionList { height: 1fr; }
    ReportScreen #buttons { height: auto; }
    ReportScreen Button { margin-right: 2; }
    """

    def __init__(self, plr: PlrService, actor: Actor, record: Plr, reason: str | None) -> None:
        super().__init__()
        self._service = plr
        self._actor = actor
        self._record = record
        self._reason = reason

    def compose(self) -> ComposeResult:
        default = self._service.default_report_path(self._record.uln, self._service.clock())
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"PLR report · ULN {self._record.uln}"
            yield Label("Events to include (space ticks or unticks):")
            # A TickList: an unticked event shows an empty box (16 colours cannot tell
            # Textual's ticked from unticked, which differ by colour alone).
            yield TickList(
                *(
                    Selection(
                        # A str prompt is markup: stored text goes in as Content, shown().
                        Content(shown(f"{_day(e.date):<11}  {e.subject}")),
                        e.id,
                        True,
                    )
                    for e in self._record.events
                ),
                id="events",
            )
            yield Label("Save as")
            yield OrderedInput(str(default), id="path", required=True)
            yield MessageLine(id="message")
            with Horizontal(id="buttons"):
                yield Button("Write report", id="write", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_file_name)

    def _show_file_name(self) -> None:
        """Scroll the path to its end, once the input has a width: the file name matters."""
        path = self.query_one("#path", Input)
        path.cursor_position = 0
        path.cursor_position = len(path.value)

    @on(Button.Pressed, "#write")
    @on(Input.Submitted, "#path")
    def _write(self) -> None:
        ticked = set(self.query_one("#events", SelectionList).selected)
        exclude = [e.id for e in self._record.events if e.id not in ticked]
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        self.query_one("#write", Button).disabled = True
        self.query_one(MessageLine).show_busy("Writing the report…")
        self._produce(path, exclude)

    @work(thread=True, exclusive=True, exit_on_error=False, group="plr-report")
    def _produce(self, path: Path, exclude: list[int]) -> ReportResult:
        return self._service.report(
            self._actor, self._record.uln, out=path, exclude=exclude, reason=self._reason
        )

    @on(Worker.StateChanged)
    def _produced(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "plr-report" or not event.worker.is_finished:
            return
        self.query_one("#write", Button).disabled = False
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, ReportResult)
            n = result.events
            self.dismiss(f"Report written: {result.path} ({n} event{'s' if n != 1 else ''}).")
        else:
            self.query_one(MessageLine).show_error(error_text(event.worker.error))

    def action_tick_all(self) -> None:
        self.query_one("#events", SelectionList).select_all()

    def action_untick_all(self) -> None:
        self.query_one("#events", SelectionList).deselect_all()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenPlrScreen(ModalScreen[str | None]):
    """Ask for a ULN to open its PLR directly (the palette's "Open a PLR by ULN")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="open-plr.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    OpenPlrScreen { align: center middle; }
    OpenPlrScreen #dialog {
        width: 50; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Open a PLR"
            yield Label("ULN (10 digits)")
            yield OrderedInput(id="uln", max_length=10, restrict=r"[0-9 ]*", required=True)
            yield MessageLine(id="message")

    def on_mount(self) -> None:
        self.query_one("#uln", Input).focus()

    @on(Input.Submitted, "#uln")
    def _open(self) -> None:
        try:
            uln = validate_uln(self.query_one("#uln", Input).value)
        except ValidationError as error:
            self.query_one(MessageLine).show_error(f"{error.field}: {error.message}.")
            return
        self.dismiss(uln)

    def action_cancel(self) -> None:
        self.dismiss(None)
