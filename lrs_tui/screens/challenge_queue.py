"""The data-challenge queue (issue 11 item 2; DOMAIN.md "Data challenges", "Service levels"):
all open work, one row per challenge, sorted by its support-hour due time; filters, sort,
Enter for the detail, ``c`` to claim.

Due soon and overdue rows say so in words ("SOON", "OVERDUE") and are bold, so they read
in 16 colours and in none. The queue is live: a thread of its own waits on the core's
:class:`~lrs_core.services.challenge_watch.ChallengeWatcher` (PostgreSQL LISTEN/NOTIFY,
SQLite polling) and reloads the table when another operator claims, resolves or raises
(within 2 seconds); the thread stops when the screen goes (it is not one of Textual's
workers, which ``Keys.settle`` and the app's shutdown wait for, since it never ends by itself).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from lrs_core.actor import Actor
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType
from lrs_core.domain.support_hours import LONDON
from lrs_core.domain.text import shown
from lrs_core.errors import LrsError
from lrs_core.permissions import Permission
from lrs_core.services import Services
from lrs_core.services.challenges import (
    ChallengeClaimed,
    ChallengeDetail,
    ChallengeRow,
    QueueFilter,
    QueuePage,
    QueueSort,
    StaleChallenge,
)
from lrs_tui.formatting import error_text
from lrs_tui.widgets.desk_footer import DeskFooter, challenge_count_text
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

LOAD_GROUP = "challenge-queue"
CLAIM_GROUP = "challenge-queue-claim"
COUNT_GROUP = "challenge-queue-counts"
WIDE = 110  # from this width the ULN and organisation columns show, and the due day
LIVE_WAIT = 1.0  # seconds the watcher waits before checking whether the screen has gone

SHORT_TYPES: dict[ChallengeType, str] = {
    ChallengeType.DUPLICATE_ULN: "Duplicate ULN",
    ChallengeType.FICTITIOUS_ULN: "Fictitious ULN",
    ChallengeType.INCORRECTLY_MERGED: "Wrong merge",
    ChallengeType.SHARED_ULN: "Shared ULN",
    ChallengeType.DECEASED: "Deceased",
    ChallengeType.USING_ANOTHER_ULN: "Using other ULN",
    ChallengeType.OTHER_ULN: "Other ULN",
    ChallengeType.EVENT_INFORMATION_WRONG: "Event info wrong",
    ChallengeType.EVENT_NOT_BELONGING: "Event not theirs",
    ChallengeType.EVENT_DUPLICATED: "Event twice",
}
SHORT_STATUSES: dict[ChallengeStatus, str] = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.IN_PROGRESS: "In progress",
    ChallengeStatus.AWAITING_INFORMATION: "Awaiting info",
    ChallengeStatus.REFERRED: "Referred (AO)",
    ChallengeStatus.RESOLVED: "Resolved",
    ChallengeStatus.REJECTED: "Rejected",
    ChallengeStatus.WITHDRAWN: "Withdrawn",
}
SORT_WORDS: dict[QueueSort, str] = {
    QueueSort.DUE: "due time",
    QueueSort.RAISED: "date raised",
    QueueSort.STATUS: "status",
    QueueSort.REFERENCE: "reference",
}
SORT_HEADINGS = {QueueSort.DUE: "due", QueueSort.REFERENCE: "reference", QueueSort.STATUS: "status"}


def _hours(seconds: int) -> str:
    """Support time, short: whole hours, minutes under an hour."""
    seconds = abs(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def _day(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b}"


def due_cell(row: ChallengeRow, *, wide: bool) -> str:
    """The clock in a cell: support hours left (or over) and, when wide, the day it is due.
    Words mark what matters (SOON, OVERDUE), never colour alone; the detail says it in full
    (``describe``)."""
    state = row.clock
    if row.status in (ChallengeStatus.RESOLVED, ChallengeStatus.REJECTED):
        return "closed"
    if row.status is ChallengeStatus.WITHDRAWN:
        return "closed"
    if row.status is ChallengeStatus.REFERRED:
        return "stopped: with the AO" if wide else "with the AO"
    if state.paused:
        if state.remaining_seconds < 0:
            return f"paused, OVERDUE {_hours(state.remaining_seconds)}"
        return (
            f"paused: {_hours(state.remaining_seconds)} left"
            if wide
            else (f"paused {_hours(state.remaining_seconds)}")
        )
    when = f" · {_day(state.due_at)}" if wide and state.due_at is not None else ""
    if state.breached:
        return f"OVERDUE {_hours(state.remaining_seconds)}{when}"
    if state.warning:
        return f"SOON {_hours(state.remaining_seconds)} left{when}"
    return f"{_hours(state.remaining_seconds)} left{when}"


# (key, heading, width) — a width of 0 takes what is left.
_WIDE_COLUMNS = (
    ("due", "Due (support h)", 27),
    ("reference", "Reference", 18),
    ("type", "Type", 16),
    ("status", "Status", 13),
    ("uln", "ULN", 10),
    ("organisation", "Organisation", 0),
    ("assignee", "Assignee", 12),
)
_NARROW_COLUMNS = (
    ("due", "Due (sup. h)", 14),
    ("reference", "Reference", 18),
    ("type", "Type", 16),
    ("status", "Status", 13),
    ("assignee", "Assignee", 0),
)
ORGANISATION_MIN = 12


def columns(width: int) -> list[tuple[str, str, int]]:
    """The queue's columns at this screen width, each as wide as it needs; the one with width
    0 takes the rest (organisation when wide, the assignee below 110 columns)."""
    chosen = _WIDE_COLUMNS if width >= WIDE else _NARROW_COLUMNS
    fixed = sum(w for _, _, w in chosen)
    spare = width - RowTable.gaps(len(chosen)) - 3 - fixed  # border each side, a scrollbar
    least = ORGANISATION_MIN if width >= WIDE else len("Assignee")
    return [(k, h, w or max(least, spare)) for k, h, w in chosen]


def cells(row: ChallengeRow, *, wide: bool) -> list[str]:
    """One row's cells (stored text: the table shows it through ``shown``)."""
    values = {
        "due": due_cell(row, wide=wide),
        "reference": row.reference,
        "type": SHORT_TYPES[row.challenge_type],
        "status": SHORT_STATUSES[row.status],
        "uln": row.uln,
        "organisation": row.organisation or "—",
        "assignee": row.assignee or "—",
    }
    return [values[key] for key, _, _ in (_WIDE_COLUMNS if wide else _NARROW_COLUMNS)]


def filter_words(filters: QueueFilter) -> str:
    """What the queue is showing, in words (the line over the table)."""
    if filters.statuses is None:
        what = ["open work"]
    else:
        chosen = [SHORT_STATUSES[s].lower() for s in ChallengeStatus if s in filters.statuses]
        what = [" or ".join(chosen)]
    if filters.kind is not None:
        what.append(f"{filters.kind} challenges")
    if filters.challenge_type is not None:
        what.append(SHORT_TYPES[filters.challenge_type].lower())
    if filters.organisation.strip():
        what.append(f"organisation “{filters.organisation.strip()}”")
    if filters.assignee == "mine":
        what.append("claimed by me")
    elif filters.assignee == "unassigned":
        what.append("unclaimed")
    elif filters.assignee:
        what.append(f"claimed by {filters.assignee}")
    if filters.older_than_days is not None:
        what.append(f"raised over {filters.older_than_days} days ago")
    return shown(", ".join(what)) + f" · sorted by {SORT_WORDS[filters.sort]} (s: sort)"


class QueueTable(RowTable):
    """The RowTable with due-soon and overdue rows in bold (their words say it too)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marked: Sequence[bool] = ()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = round(self.scroll_y) + y - 1
        if y > 0 and 0 <= index < len(self.marked) and self.marked[index]:
            return strip.apply_style(Style(bold=True))
        return strip


class ChallengesChanged(Message):
    """The watcher heard that a challenge changed (posted from its thread)."""


class _Live:
    """The thread that waits on the core's watcher and tells the screen when to reload."""

    def __init__(self, services: Services, screen: ChallengeQueueScreen) -> None:
        self._services = services
        self._screen = screen
        self._stop = threading.Event()
        self._watcher: object | None = None
        self._thread = threading.Thread(target=self._run, name="challenge-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from lrs_core.services.challenge_watch import ChallengeWatcher

        try:
            watcher = ChallengeWatcher(self._services.db)
        except LrsError:
            return  # no live updates (the screen's r still reloads); nothing to show here
        with watcher:
            self._watcher = watcher
            while not self._stop.is_set():
                if watcher.wait(LIVE_WAIT) and not self._stop.is_set():
                    # post_message is thread-safe and never waits for the screen.
                    self._screen.post_message(ChallengesChanged())

    def stop(self) -> None:
        self._stop.set()
        watcher = self._watcher
        close = getattr(watcher, "close", None)
        if callable(close):
            close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


class ChallengeQueueScreen(Screen[None]):
    CSS_PATH = "challenge_queue.tcss"
    AUTO_FOCUS = "#queue"
    LIVE: ClassVar[bool] = True  # the watcher thread (tests of other things may turn it off)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="queue.back"),
        Binding("c", "claim", "Claim", id="queue.claim"),
        # Sort is named on the line over the table (and in the palette), not in the footer:
        # 80 columns keep Back, Claim, Filter, Find, Lock, Sign out and the analyst's count.
        Binding("s", "next_sort", "Sort", id="queue.sort", show=False),
        Binding("slash", "filter", "Filter", id="queue.filter"),
        Binding("m", "mine", "Mine", id="queue.mine", show=False),
        Binding("r", "reload", "Reload", id="queue.reload", show=False),
    ]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.filters = QueueFilter()
        self.page: QueuePage | None = None
        self.rows: tuple[ChallengeRow, ...] = ()
        self.counts: tuple[int, int] = (0, 0)
        self._live: _Live | None = None
        self._keep: str | None = None  # the reference under the cursor, kept across reloads

    @property
    def analyst(self) -> bool:
        return self._actor.may(Permission.RESOLVE_CHALLENGE)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="showing", markup=False)
            yield Static("", id="mine", markup=False)
            yield MessageLine(id="message")
        yield QueueTable(id="queue")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Data challenges"
        self.action_reload()
        if self.LIVE:
            self._live = _Live(self._services, self)
            self._live.start()

    def on_unmount(self) -> None:
        if self._live is not None:
            self._live.stop()

    def on_resize(self) -> None:
        self._show_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "claim":
            return self.analyst
        if action == "mine":
            return self.analyst
        return True

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.page is None:
            self.query_one(MessageLine).show_busy("Loading the queue…")
        self._load(self.filters)

    @work(thread=True, exclusive=True, exit_on_error=False, group=LOAD_GROUP)
    def _load(self, filters: QueueFilter) -> tuple[QueuePage, tuple[int, int]]:
        page = self._services.challenges.queue(self._actor, filters)
        counts = self._services.challenges.my_counts(self._actor) if self.analyst else (0, 0)
        return page, counts

    @on(ChallengesChanged)
    def _changed_elsewhere(self) -> None:
        self._load(self.filters)
        from lrs_tui.app import LrsDeskApp

        if isinstance(self.app, LrsDeskApp):
            self.app.refresh_challenge_counts()

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if not event.worker.is_finished or event.state is WorkerState.CANCELLED:
            return
        if event.worker.group == LOAD_GROUP:
            self._loaded(event)
        elif event.worker.group == CLAIM_GROUP:
            self._claimed(event)

    def _loaded(self, event: Worker.StateChanged) -> None:
        line = self.query_one(MessageLine)
        if event.state is not WorkerState.SUCCESS:
            line.show_error(error_text(event.worker.error))
            return
        result = event.worker.result
        assert result is not None
        page, counts = result
        if line.has_class("-busy"):
            line.clear()
        self.page = page
        self.rows = page.rows
        self.counts = counts
        self._show_rows()

    def _show_rows(self) -> None:
        if self.page is None:
            return
        width = self.size.width
        wide = width >= WIDE
        shown_columns = columns(width)
        sort_key = SORT_HEADINGS.get(self.filters.sort)
        headings = [h + ("▲" if k == sort_key else "") for k, h, _ in shown_columns]
        table = self.query_one(QueueTable)
        keep = self._keep or (self.rows_shown_reference(table.cursor))
        table.marked = [r.warning or r.breached for r in self.rows]
        table.set_rows(headings, [w for _, _, w in shown_columns],
                       [cells(r, wide=wide) for r in self.rows])  # fmt: skip
        refs = [r.reference for r in self.rows]
        if keep in refs:
            table.cursor = refs.index(keep)
        self._keep = None
        total = self.page.total
        n = len(self.rows)
        table.border_title = f"{n} challenge{'s' if n != 1 else ''}" + (
            f" of {total}" if total != n else ""
        )
        table.border_subtitle = "bold: due soon or overdue" if any(table.marked) else ""
        self.query_one("#showing", Static).update("Showing " + filter_words(self.filters))
        mine = challenge_count_text(self.counts, wide=True)
        none = "My challenges: none due soon or overdue" if self.analyst else ""
        mine_line = mine or none
        self.query_one("#mine", Static).update(mine_line)
        self.sub_title = "Data challenges" + (f" · {mine}" if mine else "")
        self.query_one("#mine", Static).display = bool(mine_line)

    def rows_shown_reference(self, index: int) -> str | None:
        return self.rows[index].reference if 0 <= index < len(self.rows) else None

    @property
    def current(self) -> ChallengeRow | None:
        table = self.query_one(QueueTable)
        if 0 <= table.cursor < len(self.rows):
            return self.rows[table.cursor]
        return None

    # -- actions --------------------------------------------------------------------------

    @on(RowTable.RowChosen)
    def _open(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self.rows):
            self.open_detail(self.rows[event.index].reference)

    def open_detail(self, reference: str) -> None:
        from lrs_tui.screens.challenge_detail import ChallengeDetailScreen

        self._keep = reference
        screen = ChallengeDetailScreen(self._services, self._actor, reference)
        self.app.push_screen(screen, callback=self._back_from_detail)

    def _back_from_detail(self, _result: None) -> None:
        self._load(self.filters)

    def action_claim(self) -> None:
        row = self.current
        if row is None:
            return
        self._keep = row.reference
        self.query_one(MessageLine).show_busy(f"Claiming {row.reference}…")
        self._claim(row.reference, row.row_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group=CLAIM_GROUP)
    def _claim(self, reference: str, version: int) -> ChallengeDetail:
        return self._services.challenges.claim(self._actor, reference, version)

    def _claimed(self, event: Worker.StateChanged) -> None:
        line = self.query_one(MessageLine)
        if event.state is WorkerState.SUCCESS:
            detail = event.worker.result
            assert isinstance(detail, ChallengeDetail)
            line.show_notice(f"{detail.row.reference} is yours: Enter opens it.")
        else:
            error = event.worker.error
            # Claimed by someone else (who), or changed since the list was read (what): say
            # so, and show the queue as it is now.
            line.show_error(error_text(error))
            if not isinstance(error, (ChallengeClaimed, StaleChallenge)):
                return
        self._load(self.filters)
        from lrs_tui.app import LrsDeskApp

        if isinstance(self.app, LrsDeskApp):
            self.app.refresh_challenge_counts()

    def action_next_sort(self) -> None:
        order = list(QueueSort)
        following = order[(order.index(self.filters.sort) + 1) % len(order)]
        self.set_filters(dataclasses.replace(self.filters, sort=following))

    def action_mine(self) -> None:
        mine = "" if self.filters.assignee == "mine" else "mine"
        self.set_filters(dataclasses.replace(self.filters, assignee=mine))

    def action_filter(self) -> None:
        from lrs_tui.screens.challenge_dialogs import QueueFilterScreen

        self.app.push_screen(
            QueueFilterScreen(self.filters, analyst=self.analyst), callback=self._filtered
        )

    def _filtered(self, filters: QueueFilter | None) -> None:
        if filters is not None:
            self.set_filters(filters)

    def set_filters(self, filters: QueueFilter) -> None:
        self.filters = filters
        self._keep = self.rows_shown_reference(self.query_one(QueueTable).cursor)
        self.query_one(MessageLine).show_busy("Loading the queue…")
        self._load(filters)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Queue: filter", "By kind, type, status, organisation, assignee, age",
                            self.action_filter)  # fmt: skip
        yield SystemCommand("Queue: next sort", "Due time, date raised, status, reference",
                            self.action_next_sort)  # fmt: skip
        if self.analyst:
            yield SystemCommand("Queue: mine only / everyone's", "Toggle the challenges you "
                                "have claimed", self.action_mine)  # fmt: skip
            yield SystemCommand("Queue: claim the selected challenge", "It becomes yours",
                                self.action_claim)  # fmt: skip
        yield SystemCommand("Queue: reload", "Read the queue again", self.action_reload)
