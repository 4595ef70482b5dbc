"""The second admin's side of a super-user case (issue 12 item 3; User Guide §3.6): the list
of cases awaiting approval, and one case's review, every recorded check laid out: the reason
against the data, the old super user and what approval does to them, the signatory and the
signature, the number dialled against the register's, who confirmed and when, the new super
user and their username, and the timeline.

``a`` approves (a confirmation, Cancel focused), ``r`` rejects with a reason. When the core
says the operator may not approve (they prepared it, a step is missing...), its reason is
shown and approval is not offered; the core refuses it anyway. Approval shows the new
account's one-time password once (``one_time_password.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.kinds import SuperUserCaseStatus
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date
from lrs_core.services import Services
from lrs_core.services.accounts_view import (
    Approval,
    CaseSummary,
    SuperUserCaseView,
    phone_shown,
)
from lrs_tui.formatting import error_text
from lrs_tui.screens.accounts.shared import (
    CoreCalls,
    person,
    reason_label,
    reason_short,
    status_words,
    when,
)
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.row_table import RowTable

WIDE = 110


def _digits(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def callback_words(view: SuperUserCaseView) -> str:
    """The number dialled against the register's, in words (never colour alone)."""
    if not view.callback_phone:
        return "not yet made"
    dialled = phone_shown(view.callback_phone) or view.callback_phone
    if _digits(view.callback_phone) == _digits(view.register_phone):
        return f"{dialled}: the register's number"
    return f"{dialled}: NOT the register's number ({view.register_phone or 'none'})"


def review_lines(view: SuperUserCaseView) -> list[tuple[str, str]]:
    """(label, value) for every recorded check, in the order a reviewer reads them."""
    org = view.organisation
    old = view.old_super_user
    rows: list[tuple[str, str]] = [
        ("Organisation", f"{org.name} · UKPRN {org.ukprn}"),
        ("Active super users", f"{org.active_super_users}"
         + (f" ({org.super_user_warning})" if org.super_user_warning else "")),
        ("Reason on the form", f"the only super user {reason_label(view.reason)}"),
        ("Super user named", f"{person(old)} · now {status_words(old)}" if old else "none"),
        ("Approval does to them", view.old_account_fate),
        *([("CAUTION", view.caution)] if view.caution else []),
        ("Form arrived", display_date(view.form_received_on)),
        ("Form's telephone", view.form_phone or "none given"),
    ]  # fmt: skip
    sig = view.signatory
    if sig is None:
        rows.append(("Signatory", "NOT RECORDED"))
    else:
        rows += [
            ("Signatory", f"{sig.name} · {sig.job_title}"),
            ("Manager or above", "yes" if sig.is_manager else "NO"),
            ("Signed the Agreement", "yes" if sig.signed_agreement else "no"),
            ("Signature", "by hand" if sig.hand_signed else "TYPED"),
        ]
        if view.agreement_note:
            rows.append(("Register says", view.agreement_note))
    new = view.new_user
    if new is None:
        rows.append(("New super user", "NOT RECORDED"))
    else:
        title = f"{new.title} " if new.title else ""
        rows += [
            ("New super user", f"{title}{new.given_name} {new.family_name}"),
            ("Email", new.email),
            ("Telephone", phone_shown(new.phone) or "none given"),
            ("Verification", new.verification_provided),
            ("Username", view.new_username or "—"),
        ]
    # §3.6: last, as recorded: it confirms the signatory and the new super user above.
    rows += [
        ("Register's number", view.register_phone or "none"),
        ("Number dialled", callback_words(view)),
        ("Confirmed by", view.callback_confirmed_by or "NOT RECORDED"),
        ("Call-back made", when(view.callback_at, never="not yet")
         + (f" by {view.callback_by}" if view.callback_by else "")),
    ]  # fmt: skip
    rows.append(("Prepared", f"by {view.prepared_by}, {when(view.prepared_at)}"))
    if view.decided_by:
        decided = "Rejected" if view.status is SuperUserCaseStatus.REJECTED else "Approved"
        rows.append((decided, f"by {view.decided_by}, {when(view.decided_at)}"
                     + (f": {view.decision_reason}" if view.decision_reason else "")))  # fmt: skip
    if view.completed_by:
        rows.append(("Password handed over", f"by {view.completed_by},"
                     f" {when(view.completed_at)}"))  # fmt: skip
    return [(label, shown(value)) for label, value in rows]


class ApproveDialog(ModalScreen[bool]):
    """Approve, asked once more: what approval does, Cancel focused."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="approve.cancel"),
    ]
    DEFAULT_CSS: ClassVar[str] = """
    ApproveDialog { align: center middle; }
    ApproveDialog #dialog {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; padding: 0 1;
    }
    ApproveDialog #buttons { height: auto; margin-top: 1; }
    ApproveDialog .line { margin-bottom: 1; }
    ApproveDialog Button { margin-right: 2; }
    """

    def __init__(self, view: SuperUserCaseView) -> None:
        super().__init__()
        self._view = view

    def compose(self) -> ComposeResult:
        view = self._view
        new = view.new_user
        name = f"{new.given_name} {new.family_name}" if new else "the new super user"
        old = view.old_super_user
        lines = [
            f"Approving creates the super-user account {view.new_username or ''} for {name}"
            f" at {view.organisation.name}: it can read and change every learner the"
            " organisation handles.",
            (f"The old super user, {old.name}: {view.old_account_fate}." if old else ""),
            "A one-time password is shown once, to read out on the register's number.",
        ]
        yield DeskFooter()
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"Approve {view.reference}?"
            for line in lines:  # one Static each: shown() shows a line break as ␊
                if line:
                    yield Static(shown(line), markup=False, classes="line")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Approve", id="approve", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class CaseReviewScreen(CoreCalls, Screen[None]):
    CSS_PATH = "case_review.tcss"
    AUTO_FOCUS = "#body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="case-review.back"),
        Binding("a", "approve", "Approve", id="case-review.approve"),
        Binding("r", "reject", "Reject", id="case-review.reject"),
        Binding("e", "continue_form", "Checks", id="case-review.form"),
        Binding("d", "complete", "Handed over", id="case-review.complete"),
    ]

    def __init__(self, services: Services, actor: Actor, reference: str) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.reference = reference
        self.view: SuperUserCaseView | None = None
        self._opened = False  # the checks' form opened from here: read again on coming back

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="verdict", markup=False)
            yield MessageLine(id="message")
        with VerticalScroll(id="body"):
            yield Grid(id="checks")
            yield Static("Timeline", classes="heading")
            yield Static("", id="timeline", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Super-user case {self.reference}"
        self.action_reload()

    def on_screen_resume(self) -> None:
        # Back from the checks' form (escape pops without a result): read it again.
        if self._opened and self.view is not None:
            self._opened = False
            self.action_reload()

    @property
    def prepared(self) -> bool:
        return self.view is not None and self.view.status is SuperUserCaseStatus.PREPARED

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "approve":
            return self.prepared and self.view is not None and self.view.approvable
        if action == "reject":
            return self.prepared
        if action == "complete":
            return self.view is not None and self.view.status is SuperUserCaseStatus.APPROVED
        if action == "continue_form":
            # For the admin preparing it: the one approving reviews, and records nothing.
            return self.prepared and self.view is not None and not self.view.approvable
        return True

    def action_reload(self) -> None:
        if self.view is None:
            self.query_one(MessageLine).show_busy("Loading the case…")
        reference = self.reference
        self.call("load", lambda: self._services.super_user_cases.show(self._actor, reference))

    def done_load(self, view: SuperUserCaseView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        if line.has_class("-busy"):
            line.clear()
        self.show(view)

    def show(self, view: SuperUserCaseView) -> None:
        self.view = view
        self.sub_title = f"Super-user case {view.reference} · {view.status}"
        verdict = self.query_one("#verdict", Static)
        if view.status is not SuperUserCaseStatus.PREPARED:
            verdict.update(f"{view.reference} is {str(view.status).upper()}.")
        elif view.approvable:
            verdict.update(f"{view.reference}: every check recorded. a approves, r rejects.")
        else:
            because = view.not_approvable_because or "the core does not allow it"
            verdict.update(shown(f"You cannot approve {view.reference}: {because}"))
        verdict.set_class(view.status is SuperUserCaseStatus.PREPARED and not view.approvable,
                          "-refused")  # fmt: skip
        grid = self.query_one("#checks", Grid)
        grid.remove_children()
        widgets = []
        for label, value in review_lines(view):
            widgets.append(Label(label, classes="key"))
            alert = value in ("NO", "TYPED") or value.startswith("NOT ") or ": NOT " in value
            alert = alert or label == "CAUTION"
            widgets.append(Label(value, markup=False, classes="-alert" if alert else ""))
        grid.mount_all(widgets)
        steps = [
            shown(f"{when(s.at)} · {s.step} · {s.operator}" + (f" · {s.text}" if s.text else ""))
            for s in view.timeline
        ]
        self.query_one("#timeline", Static).update("\n".join(steps) or "—")
        self.refresh_bindings()

    # -- approve and reject ------------------------------------------------------------------

    def action_approve(self) -> None:
        """Asked once more; the core decides (a refusal is its message on the line)."""
        if self.view is None:
            return
        self.app.push_screen(ApproveDialog(self.view), callback=self._approve_answered)

    def _approve_answered(self, approve: bool | None) -> None:
        if not approve or self.view is None:
            return
        cases, actor = self._services.super_user_cases, self._actor
        reference, version = self.view.reference, self.view.version
        self.query_one(MessageLine).show_busy("Approving…")
        self.call("approved", lambda: cases.approve(actor, reference, expected_version=version))

    def done_approved(self, approval: Approval | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if approval is None:
            line.show_error(error_text(error))
            self.action_reload()
            return
        from lrs_tui.screens.accounts.one_time_password import OneTimePasswordScreen

        line.show_notice(shown(f"{approval.case.reference} approved: {approval.username} created."))
        self.show(approval.case)
        # The password goes to the modal alone, and is dropped with it.
        self.app.push_screen(OneTimePasswordScreen(approval))

    def action_reject(self) -> None:
        from lrs_tui.screens.challenge_dialogs import WordsDialog

        if self.view is None:
            return
        cases, actor = self._services.super_user_cases, self._actor
        reference, version = self.view.reference, self.view.version
        dialog = WordsDialog(
            f"Reject {reference}",
            "The case is closed and no account is made. The reason is recorded on the case,"
            " for the organisation to be told.",
            "Reason",
            lambda reason: cases.reject(actor, reference, reason, expected_version=version),
            button="Reject",
        )
        self.app.push_screen(dialog, callback=self._rejected)

    def _rejected(self, result: object) -> None:
        if isinstance(result, SuperUserCaseView):
            self.show(result)
            self.query_one(MessageLine).show_notice(f"{result.reference} rejected.")
        elif isinstance(result, BaseException):
            self.query_one(MessageLine).show_error(error_text(result))

    def action_complete(self) -> None:
        """The one-time password reached the new super user (read out on the register's
        number): the case is completed."""
        from lrs_tui.screens.challenge_dialogs import WordsDialog

        if self.view is None:
            return
        cases, actor = self._services.super_user_cases, self._actor
        reference, version = self.view.reference, self.view.version
        dialog = WordsDialog(
            f"Password handed over · {reference}",
            "Record that the one-time password was read out to the new super user, on a call"
            " to the register's number. The case is then completed.",
            "Who took it (name)",
            lambda who: cases.complete(actor, reference, who, expected_version=version),
            button="Completed",
        )
        self.app.push_screen(dialog, callback=self._completed)

    def _completed(self, result: object) -> None:
        if isinstance(result, SuperUserCaseView):
            self.show(result)
            self.query_one(MessageLine).show_notice(f"{result.reference} completed.")
        elif isinstance(result, BaseException):
            self.query_one(MessageLine).show_error(error_text(result))

    def action_continue_form(self) -> None:
        from lrs_tui.screens.accounts.case_form import CaseFormScreen

        self._opened = True
        self.app.push_screen(CaseFormScreen(self._services, self._actor, reference=self.reference))

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.prepared and self.view is not None and self.view.approvable:
            yield SystemCommand("Case: approve", "Creates the account; its one-time password "
                                "is shown once", self.action_approve)  # fmt: skip
        if self.prepared:
            yield SystemCommand("Case: reject", "With a reason", self.action_reject)
        if self.prepared and self.view is not None and not self.view.approvable:
            yield SystemCommand("Case: the checks' form", "Record or correct a step",
                                self.action_continue_form)  # fmt: skip
        if self.view is not None and self.view.status is SuperUserCaseStatus.APPROVED:
            yield SystemCommand("Case: password handed over", "The new super user has it: "
                                "complete the case", self.action_complete)  # fmt: skip
        yield SystemCommand("Case: reload", "Read it again", self.action_reload)


def list_columns(width: int) -> list[tuple[str, int]]:
    fixed = [("Reference", 16), ("Reason", 15), ("Prepared by", 14), ("Missing", 14)]
    spare = width - RowTable.gaps(len(fixed) + 1) - 3 - sum(w for _, w in fixed)
    return [fixed[0], ("Organisation", max(10, spare)), *fixed[1:]]


def list_cells(case: CaseSummary) -> list[str]:
    return [
        case.reference,
        case.organisation_name,
        reason_short(case.reason),
        case.prepared_by,
        ", ".join(case.missing) or "ready",
    ]


class CaseListScreen(CoreCalls, Screen[None]):
    """The cases prepared and waiting for a second admin (palette: Super-user cases
    awaiting approval); Enter opens one."""

    CSS_PATH = "case_review.tcss"
    AUTO_FOCUS = "#cases"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="case-list.back"),
        Binding("r", "reload", "Reload", id="case-list.reload"),
    ]

    def __init__(self, services: Services, actor: Actor) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.cases: tuple[CaseSummary, ...] = ()
        self._opened = False  # a case opened from here: read the list again on coming back

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield MessageLine(id="message")
        yield RowTable(id="cases")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Super-user cases awaiting approval"
        self.action_reload()

    def on_resize(self) -> None:
        self._show_rows()

    def on_screen_resume(self) -> None:
        if self._opened:
            self._opened = False
            self.action_reload()

    def action_reload(self) -> None:
        self.query_one(MessageLine).show_busy("Loading the cases…")
        self.call("load", lambda: self._services.super_user_cases.list(
            self._actor, status=SuperUserCaseStatus.PREPARED))  # fmt: skip

    def done_load(self, cases: tuple[CaseSummary, ...] | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if cases is None:
            line.show_error(error_text(error))
            return
        self.cases = cases
        if cases:
            line.clear()
        else:
            line.show_notice("No super-user case is waiting for approval.")
        self._show_rows()

    def _show_rows(self) -> None:
        table = self.query_one(RowTable)
        chosen = list_columns(self.size.width)
        table.set_rows([h for h, _ in chosen], [w for _, w in chosen],
                       [list_cells(c) for c in self.cases])  # fmt: skip
        n = len(self.cases)
        table.border_title = f"{n} case{'s' if n != 1 else ''} prepared"
        table.border_subtitle = "Enter: review"

    @on(RowTable.RowChosen)
    def _chosen(self, event: RowTable.RowChosen) -> None:
        if 0 <= event.index < len(self.cases):
            reference = self.cases[event.index].reference
            self._opened = True
            self.app.push_screen(CaseReviewScreen(self._services, self._actor, reference))
