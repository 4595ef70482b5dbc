"""One intake case (issue 13 item 8; User Guide §1.4): the breach findings FIRST, boxed, in
§1.4's words with where each was found and what kind of data (never the data); then who
sent it (``s`` sets or corrects it), the attachments (name, size, kind in words: ZipCrypto
marked WEAK), the message with learner data masked by the core, the status, the passphrase's
tries left and whether it met the guidance, the rows' outcome counts and the incident
(``i``, or Enter when the case is not open, opens it).

Keys, as the status allows: ``p`` the passphrase prompt, ``o`` (or Enter) the rows when the
case is open, ``x`` the export for the sender, ``c`` close (with a reason). The core checks
each again; a case changed by someone else meanwhile says so and is read again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.kinds import IntakeStatus
from lrs_core.domain.text import shown
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.intake import (
    ENCRYPTED,
    FindingView,
    IntakeCaseView,
    OpenResult,
    Progress,
    WrongPassphraseTries,
)
from lrs_tui.formatting import error_text, uk_datetime
from lrs_tui.screens.accounts.shared import CoreCalls
from lrs_tui.screens.intake.words import (
    STATUS_NEXT,
    STATUS_WORDS,
    attachment_line,
    guidance_words,
    outcome_words,
    sender_words,
)
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine

LIVE = (IntakeStatus.NEW, IntakeStatus.AWAITING_PASSPHRASE, IntakeStatus.NEW_FILE_NEEDED,
        IntakeStatus.OPEN)  # fmt: skip


def finding_lines(findings: tuple[FindingView, ...]) -> str:
    """Each finding in §1.4's words, then where and what kind (never the data itself)."""
    lines = []
    for n, finding in enumerate(findings, start=1):
        lines.append(shown(f"{n}. {finding.wording}"))
        found = (
            f"found by {finding.found_by}, {uk_datetime(finding.found_at)}"
            if finding.found_by
            else "found on receipt"
        )
        lines.append(
            "\u00a0\u00a0\u00a0"
            + shown(f"where: {finding.location} · what: {finding.summary} · {found}")
        )
    return "\n".join(lines)


FACTS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("from", "From"),
    ("organisation", "Organisation"),
    ("portal-user", "Portal user"),
    ("sent", "Sent"),
    ("received", "Received"),
    ("passphrase", "Passphrase"),
    ("guidance", "Guidance"),
    ("rows", "Rows"),
    ("opened", "Opened"),
    ("closed", "Closed"),
    ("disposal", "Disposal"),
)


def facts(view: IntakeCaseView) -> dict[str, str]:
    """The case's facts by key (see FACTS); "" leaves a fact out. Outside text through
    shown()."""
    row = view.row
    left = view.tries_left
    portal = shown(view.portal_user or "not known")
    if view.sender_set_by:
        portal += shown(f" (set by {view.sender_set_by})")
    elif view.portal_user:
        portal += " (matched by email)"
    closed = ""
    if view.closed_at:
        reason = f": {view.close_reason}" if view.close_reason else ""
        closed = shown(f"{uk_datetime(view.closed_at)} by {view.closed_by}{reason}")
    disposal = ""
    if view.disposed_at:
        disposal = f"disposed {uk_datetime(view.disposed_at)}"
    elif view.dispose_after:
        disposal = f"after {uk_datetime(view.dispose_after)}"
    # A plain email has no file to open: no passphrase to ask for, no rows.
    plain = not any(a.kind in ENCRYPTED for a in view.attachments)
    return {
        "status": f"{STATUS_WORDS[row.status]}: {STATUS_NEXT[row.status]}",
        "from": sender_words(view),
        "organisation": shown(row.organisation or "not known to the directory: s sets it"),
        "portal-user": portal,
        "sent": uk_datetime(view.sent_at) if view.sent_at else "not stated",
        "received": uk_datetime(row.received_at),
        "passphrase": ""
        if plain
        else f"{view.passphrase_tries} wrong so far, {left} tr{'y' if left == 1 else 'ies'} left",
        "guidance": "" if plain else guidance_words(view.passphrase_guidance_met),
        "rows": "none: nothing encrypted to open" if plain else _rows_words(view),
        "opened": shown(f"{uk_datetime(view.opened_at)} by {view.opened_by}")
        if view.opened_at
        else "",
        "closed": closed,
        "disposal": disposal,
    }


def _rows_words(view: IntakeCaseView) -> str:
    counts = outcome_words(view.outcome_counts)
    n = view.row.row_count
    if n is None:
        return "not read yet (the passphrase opens the file)"
    return f"{n} row{'s' if n != 1 else ''}" + (f": {counts}" if counts else "")


class IntakeCaseScreen(CoreCalls, Screen[None]):
    CSS_PATH = "case_view.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="intake-case.back"),
        Binding("p", "passphrase", "Passphrase", id="intake-case.passphrase"),
        Binding("o", "rows", "Rows", id="intake-case.rows"),
        Binding("enter", "enter", "Open", show=False, id="intake-case.enter"),
        Binding("i", "incident", "Incident", id="intake-case.incident"),
        Binding("x", "export", "Export", id="intake-case.export"),
        Binding("c", "close_case", "Close", id="intake-case.close"),
        Binding("s", "sender", "Sender", show=False, id="intake-case.sender"),
        Binding("r", "reload", "Reload", show=False, id="intake-case.reload"),
    ]

    def __init__(self, services: Services, actor: Actor, reference: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.reference = reference
        self.view: IntakeCaseView | None = None
        self._away = False  # a screen opened from here: read the case again on coming back

    def compose(self) -> ComposeResult:
        yield Header()
        yield MessageLine(id="message")
        with VerticalScroll(id="body"):
            yield Static("", id="title", markup=False)
            with Vertical(id="findings"):
                yield Static("", id="findings-text", markup=False)
            yield Static("", id="no-findings", markup=False)
            yield Static("", id="incident", markup=False)
            with Grid(id="facts"):
                for key, label in FACTS:
                    yield Label(label, classes="key", id=f"key-{key}")
                    yield Label("", id=f"fact-{key}", markup=False)
            yield Static("Attachments", classes="heading")
            yield Static("", id="attachments", markup=False)
            yield Static("The message (learner data masked)", classes="heading")
            yield Static("", id="message-body", markup=False)
            yield Static("What you can do", classes="heading")
            yield Static("", id="actions", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Intake {self.reference}"
        self.query_one("#findings").display = False
        self.action_reload()

    # -- what is offered ------------------------------------------------------------------

    @property
    def status(self) -> IntakeStatus | None:
        return self.view.row.status if self.view is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.status
        if action == "passphrase":
            return status is IntakeStatus.AWAITING_PASSPHRASE
        if action in ("rows", "export"):
            return status is IntakeStatus.OPEN
        if action == "incident":
            return self.view is not None and self.view.incident is not None
        if action == "enter":
            return self.check_action("rows", ()) or self.check_action("incident", ())
        if action in ("close_case", "sender"):
            return status in LIVE
        return True

    def offered(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(key, title, action) for everything this case allows now."""
        every = [
            ("p", "Enter the passphrase the sender telephoned", "passphrase"),
            ("o", "The rows and their outcomes (Enter too)", "rows"),
            ("i", "The breach incident and its ladder", "incident"),
            ("x", "Export the results for the sender (encrypted)", "export"),
            ("s", "Set or correct who sent it", "sender"),
            ("c", "Close the case (a reason is asked)", "close_case"),
        ]
        return [
            (key, title, getattr(self, f"action_{action}"))
            for key, title, action in every
            if self.check_action(action, ())
        ]

    def palette_commands(self) -> Iterable[SystemCommand]:
        for key, title, action in self.offered():
            yield SystemCommand(f"Intake: {title}", f"{self.reference} (key {key})", action)
        yield SystemCommand("Intake: reload the case", "Read it again", self.action_reload)

    # -- loading --------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.view is None:
            self.query_one(MessageLine).show_busy("Reading the case…")
        intake, actor, reference = self._services.intake, self._actor, self.reference
        self.call("load", lambda: intake.show(actor, reference))

    def done_load(self, view: IntakeCaseView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        self.show(view)

    def on_screen_resume(self) -> None:
        # Back from the rows or the incident: read it again (not after the palette or the
        # lock: each read is an audited look; the dialogs hand back the case as it is).
        if self._away and self.view is not None:
            self._away = False
            self.action_reload()

    def _push(self, screen: Screen[None]) -> None:
        self._away = True
        self.app.push_screen(screen)

    def show(self, view: IntakeCaseView) -> None:
        self.view = view
        row = view.row
        self.query_one("#title", Static).update(
            shown(f"{row.reference} · {STATUS_WORDS[row.status]} · {row.subject or '(no subject)'}")
        )
        box = self.query_one("#findings", Vertical)
        box.display = bool(view.findings)
        n = len(view.findings)
        box.border_title = f"BREACH · {n} finding{'s' if n != 1 else ''} (User Guide §1.4)"
        self.query_one("#findings-text", Static).update(finding_lines(view.findings))
        none = self.query_one("#no-findings", Static)
        none.display = not view.findings
        none.update("No breach found by the checks on receipt (User Guide §1.4).")
        incident = self.query_one("#incident", Static)
        incident.display = view.incident is not None
        if view.incident is not None:
            incident.update(shown(f"Incident {view.incident} on the organisation: i opens it"))
        for key, text in facts(view).items():
            self.query_one(f"#key-{key}", Label).display = bool(text)
            fact = self.query_one(f"#fact-{key}", Label)
            fact.update(text)
            fact.display = bool(text)
        self.query_one("#attachments", Static).update(
            "\n".join(attachment_line(a) for a in view.attachments) or "none"
        )
        self.query_one("#message-body", Static).update(
            shown(view.body, multiline=True) or "(no text)"
        )
        lines = [f"{key:>3}  {title}" for key, title, _ in self.offered()]
        self.query_one("#actions", Static).update("\n".join(lines) or "nothing: read only")
        self.refresh_bindings()

    # -- the passphrase and the rows --------------------------------------------------------

    def action_passphrase(self) -> None:
        from lrs_tui.screens.intake.passphrase import PassphraseScreen

        view = self.view
        if view is None:
            return
        intake, actor, ref = self._services.intake, self._actor, self.reference
        seen = {"version": view.row.row_version}
        show = self.show

        def opener(passphrase: Passphrase, progress: Progress) -> OpenResult:
            try:
                return intake.open(actor, ref, passphrase, progress=progress,
                                   expected_version=seen["version"])  # fmt: skip
            except WrongPassphraseTries:
                # Counted by the core: the case (its tries left, its version) read again, so
                # the next try is checked against it and this screen shows it.
                again = intake.show(actor, ref)
                seen["version"] = again.row.row_version
                self.app.call_from_thread(show, again)
                raise

        prompt = PassphraseScreen(ref, view.tries_left, opener)
        self.app.push_screen(prompt, callback=self._opened)

    def _opened(self, result: OpenResult | BaseException | None) -> None:
        if isinstance(result, BaseException):
            self.query_one(MessageLine).show_error(error_text(result))
            self.action_reload()
        elif isinstance(result, OpenResult):
            self.show(result.view)
            self._rows_screen(result)

    def _rows_screen(self, result: OpenResult | None = None) -> None:
        from lrs_tui.screens.intake.rows import IntakeRowsScreen

        screen = IntakeRowsScreen(
            self._services,
            self._actor,
            self.reference,
            rows=result.rows if result else None,
            advice=result.advice if result else (),
        )
        self._push(screen)

    def action_rows(self) -> None:
        if self.check_action("rows", ()):
            self._rows_screen()

    def action_enter(self) -> None:
        if self.check_action("rows", ()):
            self.action_rows()
        elif self.check_action("incident", ()):
            self.action_incident()

    def action_incident(self) -> None:
        from lrs_tui.screens.intake.incident import IncidentScreen

        if self.view is not None and self.view.incident is not None:
            self._push(IncidentScreen(self._services, self._actor, self.view.incident))

    # -- changes ----------------------------------------------------------------------------

    def action_sender(self) -> None:
        from lrs_tui.screens.intake.dialogs import SenderDialog

        view = self.view
        if view is None:
            return
        intake, actor, ref, version = (
            self._services.intake, self._actor, self.reference, view.row.row_version,
        )  # fmt: skip
        now_known = view.portal_user or view.row.organisation or "not known to the directory"
        dialog = SenderDialog(
            ref,
            now_known,
            lambda username, ukprn: intake.set_sender(
                actor, ref, ukprn=ukprn, username=username, expected_version=version
            ),
        )
        self.app.push_screen(dialog, callback=self._changed)

    def action_close_case(self) -> None:
        from lrs_tui.screens.intake.dialogs import IntakeWordsDialog

        view = self.view
        if view is None:
            return
        intake, actor, ref, version = (
            self._services.intake, self._actor, self.reference, view.row.row_version,
        )  # fmt: skip
        days = self._services.settings.intake.retention_days
        dialog = IntakeWordsDialog(
            f"Close · {ref}",
            f"Whatever was decrypted is deleted now. The message is kept, sealed, for {days}"
            " days, then disposed of. The reason is recorded on the case.",
            "Reason",
            lambda reason: intake.close(actor, ref, reason, expected_version=version),
            button="Close the case",
        )
        self.app.push_screen(dialog, callback=self._changed)

    def _changed(self, result: object) -> None:
        line = self.query_one(MessageLine)
        if isinstance(result, IntakeCaseView):
            self.show(result)
            if result.row.status is IntakeStatus.CLOSED:
                line.show_notice(f"{result.row.reference} is closed: what was decrypted is "
                                 "deleted.")  # fmt: skip
            else:
                line.show_notice("Saved.")
        elif isinstance(result, BaseException):
            line.show_error(error_text(result))
            self.action_reload()

    def action_export(self) -> None:
        from lrs_tui.screens.intake.export import start_export

        if self.check_action("export", ()):
            start_export(self, self._services, self._actor, self.reference)
