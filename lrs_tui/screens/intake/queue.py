"""The intake queue (issue 13 item 8; User Guide §1.4): every emailed case, newest first,
with its reference, when it was received (UK time), who sent it, its subject (the core has
masked any learner data in it), its status in words and BREACH in words and bold when the
checks on receipt found one. Filter keys show new, awaiting passphrase, breach, open or
closed cases; Enter opens a case; ``r`` reads the queue again; the palette scans the mailbox
now (``IntakeService.scan``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Static

from lrs_core.actor import Actor
from lrs_core.domain.kinds import IntakeStatus
from lrs_core.domain.text import shown
from lrs_core.files import FileRefused, check_path, reason
from lrs_core.services import Services
from lrs_core.services.intake import IntakeCaseView, IntakeRow, ScanResult
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.screens.accounts.shared import CoreCalls
from lrs_tui.screens.challenge_queue import QueueTable
from lrs_tui.screens.intake.words import (
    STATUS_WORDS,
    breach_cell,
    received_short,
    sender_cell,
)
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

WIDE = 110  # from this width the sender has a column and the received time is in full


@dataclass(frozen=True)
class Showing:
    """One of the queue's filters: its key, its name on the keys line, what it shows in
    words, the statuses it asks the core for (None: every status) and whether only cases
    with breach findings."""

    key: str
    label: str
    words: str
    statuses: tuple[IntakeStatus, ...] | None
    breach: bool | None = None


SHOWINGS: tuple[Showing, ...] = (
    Showing("a", "all", "every case", None),
    Showing("n", "new", "new cases", (IntakeStatus.NEW,)),
    Showing("w", "awaiting passphrase", "cases awaiting a passphrase or a new file",
            (IntakeStatus.AWAITING_PASSPHRASE, IntakeStatus.NEW_FILE_NEEDED)),
    Showing("b", "breach", "cases with a BREACH found", None, breach=True),
    Showing("o", "open", "open cases", (IntakeStatus.OPEN,)),
    Showing("c", "closed", "closed and disposed cases",
            (IntakeStatus.CLOSED, IntakeStatus.DISPOSED)),
)  # fmt: skip
BY_KEY = {s.key: s for s in SHOWINGS}
KEYS_LINE = " · ".join(f"{s.key} {s.label}" for s in SHOWINGS)


def columns(width: int, reference_width: int) -> list[tuple[str, str, int]]:
    """(key, heading, width); the subject takes what is left."""
    chosen: list[tuple[str, str, int]] = [
        ("reference", "Reference", max(9, reference_width)),
        ("received", "Received (UK)", 22 if width >= WIDE else 13),
        ("status", "Status", 19),
        ("breach", "Breach", 6),
    ]
    if width >= WIDE:
        chosen.append(("sender", "From", 28))
    fixed = sum(w for _, _, w in chosen)
    spare = width - RowTable.gaps(len(chosen) + 1) - 3 - fixed  # borders and a scrollbar
    return [*chosen, ("subject", "Subject", max(12, spare))]


WIDE_KEYS = ("reference", "received", "status", "breach", "sender", "subject")
NARROW_KEYS = ("reference", "received", "status", "breach", "subject")


def cells(row: IntakeRow, *, wide: bool) -> list[str]:
    """One case's cells (the table shows each through ``shown``)."""
    values = {
        "reference": row.reference,
        "received": uk_datetime(row.received_at) if wide else received_short(row.received_at),
        "status": STATUS_WORDS[row.status],
        "breach": breach_cell(row),
        "sender": sender_cell(row),
        "subject": row.subject or "(no subject)",
    }
    return [values[key] for key in (WIDE_KEYS if wide else NARROW_KEYS)]


def scan_words(result: ScanResult) -> str:
    """What a mailbox scan did, in one message."""
    added = len(result.added)
    parts = [f"{added} new case{'s' if added != 1 else ''}"]
    if result.added:
        parts[0] += f" ({', '.join(result.added)})"
    if result.already:
        parts.append(f"{result.already} already received")
    for name, why in result.refused:
        parts.append(f"refused {name}: {why}")
    return shown("Mailbox scanned: " + "; ".join(parts) + ".")


class IntakeQueueScreen(CoreCalls, Screen[None]):
    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#cases"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="intake-queue.back"),
        Binding("f", "next_filter", "Filter", id="intake-queue.filter"),
        Binding("r", "reload", "Refresh", id="intake-queue.reload"),
        *(
            Binding(s.key, f"show('{s.key}')", s.label, show=False, id=f"intake-queue.{s.key}")
            for s in SHOWINGS
        ),
    ]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.showing = SHOWINGS[0]
        self.rows: tuple[IntakeRow, ...] | None = None
        self._keep: str | None = None  # the reference under the cursor, kept across reads

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="showing", markup=False)
            yield Static("", id="current", markup=False)
            yield MessageLine(id="message")
        yield QueueTable(id="cases")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Encrypted intake"
        self.watch(self.query_one(QueueTable), "cursor", self._show_current, init=False)
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.rows is not None:
            self._read()  # back from a case: its status may have changed

    def on_resize(self) -> None:
        self._show_rows()

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one(MessageLine).show_busy("Reading the queue…")
        self._read()

    def _read(self) -> None:
        intake, actor, showing = self._services.intake, self._actor, self.showing

        def read() -> tuple[IntakeRow, ...]:
            if showing.statuses is None:
                found = intake.queue(actor, None, breach=showing.breach)
            else:
                found = tuple(
                    row
                    for status in showing.statuses
                    for row in intake.queue(actor, status, breach=showing.breach)
                )
            return tuple(sorted(found, key=lambda r: (r.received_at, r.reference), reverse=True))

        self.call("load", read)

    def done_load(self, rows: tuple[IntakeRow, ...] | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if rows is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        if self._keep is None:
            self._keep = self.current_reference
        self.rows = rows
        self._show_rows()

    def _show_rows(self) -> None:
        rows = self.rows
        if rows is None:
            return
        width = self.size.width
        wide = width >= WIDE
        chosen = columns(width, max((len(r.reference) for r in rows), default=0))
        table = self.query_one(QueueTable)
        table.marked = [r.breach for r in rows]
        table.set_rows([h for _, h, _ in chosen], [w for _, _, w in chosen],
                       [cells(r, wide=wide) for r in rows])  # fmt: skip
        references = [r.reference for r in rows]
        if self._keep in references:
            table.cursor = references.index(self._keep)
        self._keep = None
        n = len(rows)
        table.border_title = f"{n} case{'s' if n != 1 else ''}"
        table.border_subtitle = "bold: BREACH found" if any(table.marked) else ""
        self.query_one("#showing", Static).update(f"Showing {self.showing.words} · {KEYS_LINE}")
        self._show_current()

    def _show_current(self) -> None:
        """Below 110 columns the sender has no column: the line above the table names the
        sender of the case under the cursor."""
        current = self.query_one("#current", Static)
        row = self.current
        wide = self.size.width >= WIDE
        current.display = row is not None and not wide
        if row is not None and not wide:
            current.update(shown(f"{row.reference} from {sender_cell(row)}"))

    @property
    def current(self) -> IntakeRow | None:
        table = self.query_one(QueueTable)
        if self.rows and 0 <= table.cursor < len(self.rows):
            return self.rows[table.cursor]
        return None

    @property
    def current_reference(self) -> str | None:
        row = self.current
        return row.reference if row is not None else None

    # -- acting ---------------------------------------------------------------------------

    @on(RowTable.RowChosen)
    def _chosen(self, event: RowTable.RowChosen) -> None:
        if self.rows and 0 <= event.index < len(self.rows):
            self.open_case(self.rows[event.index].reference)

    def open_case(self, reference: str) -> None:
        from lrs_tui.screens.intake.case_view import IntakeCaseScreen

        self._keep = reference
        self.app.push_screen(IntakeCaseScreen(self._services, self._actor, reference))

    def action_show(self, key: str) -> None:
        self.showing = BY_KEY[key]
        self._keep = self.current_reference
        self.action_reload()

    def action_next_filter(self) -> None:
        following = SHOWINGS[(SHOWINGS.index(self.showing) + 1) % len(SHOWINGS)]
        self.action_show(following.key)

    def action_scan(self) -> None:
        self.query_one(MessageLine).show_busy("Scanning the mailbox…")
        intake, actor = self._services.intake, self._actor
        self.call("scan", lambda: intake.scan(actor))

    def done_scan(self, result: ScanResult | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if result is None:
            line.show_error(error_text(error))
            return
        line.show_notice(scan_words(result))
        self._read()

    def action_add(self) -> None:
        from lrs_tui.screens.intake.dialogs import AddMessageDialog

        intake, actor = self._services.intake, self._actor

        def add(path: str, sender: str | None) -> IntakeCaseView:
            file = check_path(Path(path).expanduser(), "File")
            try:
                raw = file.read_bytes()
            except OSError as error:
                raise FileRefused(f"cannot read {file}: {reason(error)}") from None
            return intake.receive(actor, raw, sender_email=sender, source=file.name)

        self.app.push_screen(AddMessageDialog(add), callback=self._added)

    def _added(self, view: IntakeCaseView | None) -> None:
        if view is None:
            return
        breach = " BREACH found: the case shows what." if view.findings else ""
        self.query_one(MessageLine).show_notice(
            f"Received as {view.row.reference}.{breach} Enter opens it."
        )
        self._keep = view.row.reference
        self._read()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Intake: add a message file",
                            "A message saved from the mailbox (.eml), with the sender's "
                            "address when the file has none", self.action_add)  # fmt: skip
        yield SystemCommand("Intake: scan the mailbox now",
                            "Receive every message waiting in the desk's mailbox folder",
                            self.action_scan)  # fmt: skip
        for showing in SHOWINGS:
            yield SystemCommand(
                f"Intake: show {showing.words}",
                f"Filter the queue (key {showing.key})",
                lambda key=showing.key: self.action_show(key),
            )
        yield SystemCommand("Intake: refresh", "Read the queue again", self.action_reload)
