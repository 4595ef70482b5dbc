"""The Personal Learning Record (User Guide §5): the eight portal columns, sortable over every
event, filtered by source, level and text; event details; the organisation / desk view toggle;
the restricted-record reason prompt; the PLR report.

The table is a RowTable (lrs_tui.widgets.row_table), which renders only the rows on screen,
so a PLR of thousands of events opens, sorts and scrolls without a stall. Sorting and
filtering run on the core's pure functions over all events, never just the visible page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Select, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.plr import COLUMNS, PlrEvent, PlrView, filter_events, levels_of, sort_events
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date
from lrs_core.permissions import Permission
from lrs_core.services.plr import Plr, PlrService, ReasonRequired
from lrs_tui.formatting import error_text
from lrs_tui.screens.plr_dialogs import EventDetailsScreen, ReasonScreen, ReportScreen
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import OrderedInput
from lrs_tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from lrs_tui.screens.raise_challenge import RaiseResult

WORKER_GROUP = "plr"
_SOURCES = (("All sources", ""), ("NPD", "NPD"), ("ILR", "ILR"), ("AO", "AO"))
# Column widths hold each column's longest usual value ("Distinction*", "Entry", 240, NPD)
# and its heading with a sort arrow; dates are in the house style ("30 Sep 2026") at every
# width; the subject takes the rest. Below 110 columns the headings are short and the end
# date (in the event's details, and a sort key still) gives its room to the subject: the
# event details name every field in full.
_FIXED = {"level": 5, "grade": 12, "credits": 3, "source": 3}
_NARROW_HEADINGS = {
    "level": "Lvl",
    "credits": "Cr",
    "source": "Src",
    "start_date": "Start",
    "end_date": "End",
    "award_date": "Award",
}
_NARROW_HIDDEN = frozenset({"end_date"})
_WIDE = 110  # from this width every column shows, its heading in full
DATE_WIDTH = len("30 Sep 2026")  # the house style's widest date


def _level(level: str | None) -> str:
    """ "Level 3" and "3" both as L3; Entry as it is."""
    text = (level or "").strip()
    digits = text.removeprefix("Level").strip()
    return f"L{digits}" if digits.isdigit() else text


def _cell(event: PlrEvent, key: str) -> str:
    value = getattr(event, key)
    if value is None:
        return ""
    if key.endswith("_date"):
        return display_date(value)
    if key == "level":
        return _level(value)
    if key == "subject":
        return _marks(event) + str(value)
    return str(value)


# Marks at the start of the subject, as shapes (not colour alone: 16 colours, or none), and
# explained under the table whenever a shown event carries one.
SENSITIVE_MARK = "✱"  # a sensitive event: organisations never see it (Appendix E)
CHALLENGE_MARK = "⚑"  # under a data challenge (details show its reference and status)
MARK_LEGEND = ((SENSITIVE_MARK, "sensitive"), (CHALLENGE_MARK, "data challenge"))


def _marks(event: PlrEvent) -> str:
    sensitive = f"{SENSITIVE_MARK} " if event.sensitive else ""
    return sensitive + (f"{CHALLENGE_MARK} " if event.challenge else "")


def mark_legend(events: list[PlrEvent]) -> str:
    """What the marks in the table mean, for those the shown events carry ("" for none)."""
    marks = "".join(_marks(e) for e in events)
    return "  ".join(f"{mark} {meaning}" for mark, meaning in MARK_LEGEND if mark in marks)


SUBJECT_MIN = 16  # below this the subject gives way no further: the grade shrinks first


def shown_columns(screen_width: int) -> list[tuple[str, str]]:
    """The PLR's columns the table shows at this width (key, full heading)."""
    if screen_width >= _WIDE:
        return list(COLUMNS)
    return [(key, heading) for key, heading in COLUMNS if key not in _NARROW_HIDDEN]


def column_widths(screen_width: int) -> dict[str, int]:
    """Each column as wide as its values and its heading with a sort arrow; the subject gets
    what is left. Where that leaves the subject under SUBJECT_MIN, the grade (the one long
    fixed column) gives up the difference, never below its heading and arrow; the event's
    details show every value whole."""
    columns = shown_columns(screen_width)
    shown = dict(zip((key for key, _ in columns), headings(screen_width, None), strict=True))
    widths = {
        key: max(_FIXED.get(key, DATE_WIDTH), len(shown[key]) + 1)
        for key in shown
        if key != "subject"
    }
    # A cell of space between columns and at each end, a border each side, a scrollbar.
    spare = screen_width - RowTable.gaps(len(columns)) - 3 - sum(widths.values())
    if spare < SUBJECT_MIN:
        give = min(SUBJECT_MIN - spare, widths["grade"] - (len(shown["grade"]) + 1))
        widths["grade"] -= give
        spare += give
    return {"subject": max(SUBJECT_MIN, spare)} | widths


def headings(screen_width: int, sort: tuple[str, bool] | None) -> list[str]:
    """The column headings for this width, the sorted one with its arrow."""
    wide = screen_width >= _WIDE
    shown_headings = []
    for key, heading in shown_columns(screen_width):
        arrow = ""
        if sort and sort[0] == key:
            arrow = "▼" if sort[1] else "▲"
        shown_headings.append((heading if wide else _NARROW_HEADINGS.get(key, heading)) + arrow)
    return shown_headings


class PlrScreen(Screen[None]):
    CSS_PATH = "plr.tcss"
    AUTO_FOCUS = "#events"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="plr.back"),
        Binding("v", "toggle_view", "View", id="plr.toggle_view"),
        Binding("s", "next_sort", "Sort", id="plr.sort"),
        Binding("slash", "focus_filter", "Filter", id="plr.filter"),
        Binding("r", "report", "Report", id="plr.report"),
        # Out of the footer (no room at 80 columns): the palette lists it by name.
        Binding("d", "raise_challenge", "Challenge", id="plr.raise-challenge", show=False),
    ]

    def __init__(
        self, plr: PlrService, actor: Actor, uln: str, view: PlrView = PlrView.DESK
    ) -> None:
        super().__init__()
        self._service = plr
        self._actor = actor
        self._uln = uln
        self._view = view
        self._reason: str | None = None  # given once per screen for a restricted record
        self._plr: Plr | None = None
        self._sort: tuple[str, bool] | None = None  # (column, descending)
        self._shown: list[PlrEvent] = []
        self._cells: dict[tuple[int, bool], list[str]] = {}  # formatted once per event

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="learner", markup=False)
            yield Static("", id="explanation", markup=False)
            with Horizontal(id="filters"):
                yield Select(_SOURCES, value="", allow_blank=False, id="source", compact=True)
                yield Select(
                    [("All levels", "")], value="", allow_blank=False, id="level", compact=True
                )
                yield OrderedInput(
                    placeholder="/ filter subjects, grades, providers, dates…",
                    id="text",
                    compact=True,
                )
            yield MessageLine(id="message")
        yield RowTable(id="events")
        yield DeskFooter()

    def on_mount(self) -> None:
        self._load()

    def on_resize(self) -> None:
        self._refresh_table()

    # -- loading ------------------------------------------------------------------------

    def _load(self) -> None:
        self.query_one(MessageLine).show_busy("Opening the PLR…")
        self._open(self._view, self._reason)

    @work(thread=True, exclusive=True, exit_on_error=False, group=WORKER_GROUP)
    def _open(self, view: PlrView, reason: str | None) -> Plr:
        return self._service.open(self._actor, self._uln, view, reason=reason)

    @on(Worker.StateChanged)
    def _opened(self, event: Worker.StateChanged) -> None:
        if event.worker.group != WORKER_GROUP or not event.worker.is_finished:
            return
        line = self.query_one(MessageLine)
        if event.state is not WorkerState.SUCCESS:
            error = event.worker.error
            if isinstance(error, ReasonRequired):
                line.show_busy("Waiting for your reason…")
                self.app.push_screen(ReasonScreen(str(error)), callback=self._reason_given)
            else:
                line.show_error(error_text(error))
            return
        plr = event.worker.result
        assert isinstance(plr, Plr)
        self._plr = plr
        self._cells.clear()
        line.clear()
        self.sub_title = f"PLR · {plr.view.label}"
        self.query_one("#learner", Static).update(
            f"ULN {plr.uln}  {shown(plr.given_name)} {shown(plr.family_name)}"
            f"  born {display_date(plr.date_of_birth)}"
            f"  ·  {plr.view.label}"
        )
        notes = [n for n in (plr.notice, plr.empty_message or plr.explanation) if n]
        self.query_one("#explanation", Static).update(shown("  ".join(notes)))
        # A str prompt is markup: stored levels go in as Content, shown().
        levels: list[tuple[str | Content, str]] = [("All levels", "")]
        levels += [(Content(shown(level)), level) for level in levels_of(plr.events)]
        level_select = self.query_one("#level", Select)
        level_select.set_options(levels)
        self._refresh_table()

    def _reason_given(self, reason: str | None) -> None:
        if reason:
            self._reason = reason
            self._load()
        else:
            # No reason: show what an organisation would see instead, which needs none.
            self._view = PlrView.ORGANISATION
            self._load()

    # -- table --------------------------------------------------------------------------

    def _refresh_table(self) -> None:
        if self._plr is None:
            return
        source = self.query_one("#source", Select).value
        level = self.query_one("#level", Select).value
        events = filter_events(
            self._plr.events,
            source=source if isinstance(source, str) and source else None,
            level=level if isinstance(level, str) and level else None,
            text=self.query_one("#text", Input).value,
            today=self._service.clock().date(),
        )
        if self._sort:
            events = sort_events(events, self._sort[0], descending=self._sort[1])
        self._shown = events
        widths = column_widths(self.size.width)
        wide = self.size.width >= _WIDE
        headers = headings(self.size.width, self._sort)
        keys = [key for key, _ in shown_columns(self.size.width)]
        cells = self._cells
        for e in events:
            if (e.id, wide) not in cells:
                cells[e.id, wide] = [_cell(e, k) for k in keys]
        table = self.query_one("#events", RowTable)
        table.set_rows(headers, [widths[k] for k in keys], [cells[e.id, wide] for e in events])
        total = len(self._plr.events)
        count = f"{len(events)} of {total} events" if len(events) != total else f"{total} events"
        hidden = self._sort and self._sort[0] not in keys  # the end date below 110 columns
        if hidden and self._sort:
            heading = dict(COLUMNS)[self._sort[0]]
            count += f", sorted by {heading} {'▼' if self._sort[1] else '▲'}"
        table.border_title = count
        table.border_subtitle = mark_legend(events)

    def sort_by(self, column: str) -> None:
        """Ascending first, then descending, then ascending again (§5.2)."""
        descending = bool(self._sort and self._sort[0] == column and not self._sort[1])
        self._sort = (column, descending)
        self._refresh_table()

    @on(RowTable.HeaderChosen)
    def _header_clicked(self, event: RowTable.HeaderChosen) -> None:
        self.sort_by(shown_columns(self.size.width)[event.column][0])

    @on(Select.Changed)
    @on(Input.Changed, "#text")
    def _filters_changed(self) -> None:
        self._refresh_table()

    @on(Input.Submitted, "#text")
    def _filter_done(self) -> None:
        self.query_one("#events", RowTable).focus()

    @on(RowTable.RowChosen)
    def _row_chosen(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self._shown):
            self.app.push_screen(EventDetailsScreen(self._shown[event.index]))

    # -- actions ------------------------------------------------------------------------

    def action_next_sort(self) -> None:
        """Keyboard sorting: each press moves the sort to the next column, both directions."""
        keys = [key for key, _ in COLUMNS]
        if self._sort is None:
            self.sort_by(keys[0])
        elif not self._sort[1]:
            self.sort_by(self._sort[0])
        else:
            self.sort_by(keys[(keys.index(self._sort[0]) + 1) % len(keys)])

    def action_toggle_view(self) -> None:
        self._view = PlrView.DESK if self._view is PlrView.ORGANISATION else PlrView.ORGANISATION
        self._load()

    def action_focus_filter(self) -> None:
        self.query_one("#text", Input).focus()

    def action_report(self) -> None:
        if self._plr is None or self._plr.view is not PlrView.DESK:
            self.query_one(MessageLine).show_error(
                "The report is made from the desk view: press v to switch to it first."
            )
            return
        self.app.push_screen(
            ReportScreen(self._service, self._actor, self._plr, self._reason),
            callback=self._reported,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "raise_challenge":
            # Agents and above (User Guide §6.3); the core checks the events chosen.
            return self._plr is not None and self._actor.may(Permission.RAISE_CHALLENGE)
        return True

    def action_raise_challenge(self) -> None:
        """A problem with the events the cursor is on (ticked in the form, with the rest)."""
        from lrs_tui.screens.raise_challenge import RaiseChallengeScreen, challenges_service

        challenges = challenges_service(self.app)
        if self._plr is None or challenges is None:
            return
        cursor = self.query_one("#events", RowTable).cursor
        ticked = [self._shown[cursor].id] if 0 <= cursor < len(self._shown) else []
        screen = RaiseChallengeScreen.for_events(
            challenges,
            self._actor,
            uln=self._plr.uln,
            name=f"{self._plr.given_name} {self._plr.family_name}",
            events=self._plr.events,
            ticked=ticked,
        )
        self.app.push_screen(screen, callback=self._challenge_raised)

    def _challenge_raised(self, result: RaiseResult | None) -> None:
        if result is not None and result.reference:
            # Read again: the event now carries its ⚑ mark.
            self._load()
            self.notify(
                f"Data challenge {result.reference} raised.", title="Challenge", markup=False
            )

    def _reported(self, message: str | None) -> None:
        if message:
            self.query_one(MessageLine).show_notice(message)

    def palette_commands(self) -> list[SystemCommand]:
        commands = [
            SystemCommand("PLR: organisation / desk view", "Switch whose view of the PLR you see",
                          self.action_toggle_view),
            SystemCommand("PLR: report (PDF)", "Choose events and write the PLR report",
                          self.action_report),
        ]  # fmt: skip
        if self.check_action("raise_challenge", ()):
            commands.append(
                SystemCommand(
                    "Raise an event challenge",
                    "Report a problem with the selected qualification(s) (User Guide §6.3)",
                    self.action_raise_challenge,
                )
            )
        commands += [
            SystemCommand(
                f"PLR: sort by {heading}", "Again to reverse", lambda k=key: self.sort_by(k)
            )
            for key, heading in COLUMNS
        ]
        return commands
