"""A super-user reinstatement case, prepared by an admin (issue 12 item 3; User Guide §3.6):
a stepped form that fits 80x24 and always says what is still missing
(``SuperUserCaseView.missing``).

1. The case: the organisation, §3.6's reason, the date the Change of Super User form arrived
   and the telephone number the form gives (``open``: refused while the organisation has a
   super user who can act, named, or when the reason does not fit the data).
2. The signatory: name, job title, manager status or above, whether they signed the
   Organisation Agreement, and the signature: by hand, or typed (refused) (``record_signatory``).
3. The new super user (§3.5.3): title, names, email, telephone, verification provided (never
   the security answer); the core's username shown once saved (``set_new_super_user``).
4. The call-back, the step that defeats a forged form, last because it confirms steps 2 and 3:
   the number to dial is the REGISTER's, shown large, beside what to ask the person on the
   phone to confirm (the signatory and the new super user); the admin types the number dialled
   and who confirmed; the time is now (``record_callback``). Changing step 2 or 3 afterwards
   clears it (the core's rule): the form goes back to it.

Each refusal is the core's message on the message line, with its field focused and every
value kept. Reopening a prepared case goes on from the first step still missing. A second
admin approves (``case_review.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Input, Label, Static

from lrs_core.actor import Actor
from lrs_core.domain.accounts import TITLES
from lrs_core.domain.kinds import SuperUserCaseStatus, SuperUserLossReason
from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date
from lrs_core.errors import ValidationError
from lrs_core.services import Services
from lrs_core.services.accounts_view import OrganisationSummary, SuperUserCaseView
from lrs_tui.formatting import error_text
from lrs_tui.screens.accounts.shared import CoreCalls, person, reason_label, status_words
from lrs_tui.widgets.desk_footer import DeskFooter
from lrs_tui.widgets.fields import DATE_PLACEHOLDER, FieldInput, FieldSelect
from lrs_tui.widgets.message_line import MessageLine
from lrs_tui.widgets.ordered_input import FORM
from lrs_tui.widgets.ticks import TickBox

STEPS = ("case", "signatory", "new super user", "call-back")
STEP_TITLES = (
    "The case: organisation, reason, form",
    "The signatory and the signature",
    "The new super user (§3.5.3)",
    "The call-back on the register's number",
)
HAND, TYPED = "hand", "typed"


@dataclass(frozen=True)
class Choice:
    """A choice of a FieldSelect, shown as "label (value)"."""

    value: str
    label: str


REASONS = [Choice(str(r), reason_label(r)) for r in SuperUserLossReason]
SIGNATURES = [Choice(HAND, "Signed by hand"), Choice(TYPED, "Typed or pasted name")]

# The field the core names in a refusal -> the widget to focus (by words it contains).
FIELD_WIDGETS: tuple[tuple[str, str], ...] = (
    ("call-back time", "dialled"),
    ("call-back", "dialled"),
    ("confirmed", "confirmed-by"),
    ("job title", "sig-title"),
    ("signature", "signature"),
    ("agreement", "agreement"),
    ("verification", "verification"),
    ("given", "given"),
    ("family", "family"),
    ("email", "email"),
    ("username", "given"),
    ("form tel", "form-phone"),
    ("form phone", "form-phone"),
    ("lost super user", "old"),
    ("new super user", "email"),
    ("reason", "reason"),
    ("date", "received"),
    ("received", "received"),
    ("arrived", "received"),
    ("ukprn", "ukprn"),
    ("organisation", "ukprn"),
    ("telephone", "phone"),
    ("title", "title"),
)
STEP_OF_WIDGET = {
    **dict.fromkeys(("ukprn", "reason", "old", "received", "form-phone"), 0),
    **dict.fromkeys(("sig-name", "sig-title", "manager", "agreement", "signature"), 1),
    **dict.fromkeys(("title", "given", "family", "email", "phone", "verification"), 2),
    **dict.fromkeys(("dialled", "confirmed-by"), 3),
}


class Tick(TickBox):
    """A TickBox drawn "[X]" / "[ ]" in the terminal's own colours (case_form.tcss)."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "] "


def widget_for(error: ValidationError, step: int) -> str | None:
    """The widget of ``step`` the core's refusal is about, if it names one."""
    field = error.field.casefold()
    if field == "signatory":
        return "manager" if "manager" in error.message else "sig-name"
    for words, widget in FIELD_WIDGETS:
        if words in field and STEP_OF_WIDGET[widget] == step:
            return widget
    return None


def confirm_text(view: SuperUserCaseView) -> str:
    """What the person on the phone confirms (§3.6): the signatory and the new super user as
    recorded, so the call-back confirms who gets the account."""
    signatory = view.signatory
    new = view.new_user
    who = f"{signatory.name}, {signatory.job_title}" if signatory else "(record step 2 first)"
    named = (
        f"{new.given_name} {new.family_name} ({view.new_username})"
        if new is not None
        else "(record step 3 first)"
    )
    return (
        shown(f"Ask them to confirm: the form signed by {who};")
        + "\n"
        + shown(f"and the new super user, {named}.")
    )


class CaseFormScreen(CoreCalls, Screen[None]):
    CSS_PATH = "case_form.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="case-form.back"),
        Binding("ctrl+s", "save", "Save", id="case-form.save"),
        Binding("ctrl+b", "step(-1)", "Prev", id="case-form.previous"),
        Binding("ctrl+n", "step(1)", "Next", id="case-form.next"),
    ]

    def __init__(
        self,
        services: Services,
        actor: Actor,
        *,
        organisation: OrganisationSummary | None = None,
        reference: str | None = None,
    ) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self._organisation = organisation
        self.reference = reference
        self.view: SuperUserCaseView | None = None
        self.step = 0

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="top"):
            yield Static("", id="steps", markup=False)
            yield Static("", id="missing", markup=False)
            yield MessageLine(id="message")
        with VerticalScroll(id="fields"):
            with Vertical(id="step-0", classes=f"{FORM} step"):
                yield Static("", id="case-facts", markup=False)
                with Vertical(id="open-fields"):
                    yield Label("Organisation (UKPRN)", classes="field-label")
                    ukprn = self._organisation.ukprn if self._organisation else ""
                    yield FieldInput(ukprn, id="ukprn", required=True)
                    yield Label("Reason on the form (§3.6): the only super user…",
                                classes="field-label")  # fmt: skip
                    yield FieldSelect(REASONS, id="reason", required=True)  # type: ignore[arg-type]
                    yield Label("Date the form arrived", classes="field-label")
                    yield FieldInput(id="received", placeholder=DATE_PLACEHOLDER, required=True)
                    yield Label("The super user the form is about (username, if it names one)",
                                classes="field-label")  # fmt: skip
                    yield FieldInput(id="old", placeholder="optional: found from the reason")
                    yield Label("Telephone number on the form", classes="field-label")
                    yield FieldInput(id="form-phone", placeholder="optional: never dialled")
            with Vertical(id="step-1", classes=f"{FORM} step"):
                yield Label("Signatory's name", classes="field-label")
                yield FieldInput(id="sig-name", required=True)
                yield Label("Job title", classes="field-label")
                yield FieldInput(id="sig-title", required=True)
                yield Tick("Of manager status or above", id="manager", compact=True)
                yield Tick("Signed the Organisation Agreement", id="agreement", compact=True)
                yield Label("Signature (§3.6: the form must be signed by hand)",
                            classes="field-label")  # fmt: skip
                yield FieldSelect(SIGNATURES, id="signature", required=True)  # type: ignore[arg-type]
                yield Static("", id="agreement-note", markup=False, classes="hint")
            with Vertical(id="step-2", classes=f"{FORM} step"):
                yield Label("Title", classes="field-label")
                yield FieldInput(id="title", placeholder=f"optional: {', '.join(TITLES)}")
                yield Label("Given name", classes="field-label")
                yield FieldInput(id="given", required=True)
                yield Label("Family name", classes="field-label")
                yield FieldInput(id="family", required=True)
                yield Label("Email", classes="field-label")
                yield FieldInput(id="email", required=True)
                yield Label("Telephone", classes="field-label")
                yield FieldInput(id="phone", placeholder="highly recommended (§3.5.3)")
                yield Label("Verification provided", classes="field-label")
                yield FieldInput(
                    id="verification", required=True, placeholder="e.g. a staff ID; never a secret"
                )
                yield Static("", id="username", markup=False)
            with Vertical(id="step-3", classes=f"{FORM} step"):
                yield Static("", id="dial", markup=False)
                yield Static("", id="confirm", markup=False)
                yield Static("", id="not-form", markup=False, classes="hint")
                yield Static("", id="caution", markup=False)
                yield Label("Number you dialled", classes="field-label")
                yield FieldInput(id="dialled", required=True)
                yield Label("Who confirmed the request (name and job title)",
                            classes="field-label")  # fmt: skip
                yield FieldInput(id="confirmed-by", required=True)
                yield Static("Time: recorded as now, when you save.", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.sub_title = "Super-user case (§3.6)"
        if self.reference is not None:
            self.query_one(MessageLine).show_busy("Loading the case…")
            reference = self.reference
            self.call("load", lambda: self._services.super_user_cases.show(self._actor, reference))
        self._show_step(0)

    # -- steps ----------------------------------------------------------------------------

    @property
    def missing(self) -> tuple[str, ...]:
        """What the case still lacks; before it is opened, the case itself too."""
        if self.view is None:
            return STEPS
        return self.view.missing

    def _show_step(self, step: int, *, focus: bool = True) -> None:
        self.step = step
        for n in range(len(STEPS)):
            self.query_one(f"#step-{n}").display = n == step
        marks = []
        for n, name in enumerate(STEPS):
            done = name not in self.missing
            marks.append(f"{'›' if n == step else ' '}{n + 1} {name}{' ✓' if done else ''}")
        self.query_one("#steps", Static).update(
            f"Step {step + 1} of 4: {STEP_TITLES[step]}\n" + "  ".join(marks)
        )
        missing = self.query_one("#missing", Static)
        if self.view is not None and self.view.status is not SuperUserCaseStatus.PREPARED:
            missing.update(f"This case is {self.view.status}: nothing more is recorded here.")
        elif self.missing:
            missing.update("Still missing: " + ", ".join(self.missing))
        else:
            missing.update(
                "Nothing missing: a second admin can now review and approve it"
                " (palette: Super-user cases awaiting approval)."
            )
        self.query_one("#fields", VerticalScroll).scroll_home(animate=False)
        if focus:
            self._focus_first_empty()
        self.refresh_bindings()

    def _step_fields(self) -> list[Widget]:
        return [
            w
            for w in self.query_one(f"#step-{self.step}").query("FieldInput, FieldSelect, TickBox")
            if w.display and w.parent is not None and w.parent.display
        ]

    def _focus_first_empty(self) -> None:
        fields = self._step_fields()
        for w in fields:
            if getattr(w, "required", False) and not getattr(w, "filled", True):
                w.focus()
                return
        if fields:
            fields[0].focus()

    def action_step(self, by: int) -> None:
        target = self.step + by
        if not 0 <= target < len(STEPS):
            return
        if self.view is None and target > 0:
            self.query_one(MessageLine).show_error("Save step 1 first: the case is not open yet.")
            return
        self._show_step(target)

    # -- saving ---------------------------------------------------------------------------

    def _text(self, selector: str) -> str:
        widget = self.query_one(f"#{selector}")
        if isinstance(widget, FieldSelect):
            return widget.text
        assert isinstance(widget, Input)
        return widget.value

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        cases, actor, view = self._services.super_user_cases, self._actor, self.view
        line = self.query_one(MessageLine)
        if self.step == 0:
            if view is not None:
                line.show_notice("The case is open: go on with ctrl+n.")
                return
            ukprn, reason = self._text("ukprn").strip(), self._text("reason")
            received, old = self._text("received"), self._text("old").strip()
            phone = self._text("form-phone").strip()
            line.show_busy("Opening the case…")
            self.call("saved", lambda: cases.open(actor, ukprn, reason, received,
                                                  old_username=old or None,
                                                  form_phone=phone or None))  # fmt: skip
            return
        assert view is not None
        reference, version = view.reference, view.version
        if self.step == 1:
            name, title = self._text("sig-name"), self._text("sig-title")
            manager = self.query_one("#manager", TickBox).value
            agreement = self.query_one("#agreement", TickBox).value
            hand = self._text("signature") == HAND
            line.show_busy("Recording the signatory…")
            self.call("saved", lambda: cases.record_signatory(
                actor, reference, name=name, job_title=title, is_manager=manager,
                signed_agreement=agreement, hand_signed=hand, expected_version=version,
            ))  # fmt: skip
        elif self.step == 3:
            dialled, confirmed = self._text("dialled"), self._text("confirmed-by")
            line.show_busy("Recording the call-back…")
            self.call("saved", lambda: cases.record_callback(
                actor, reference, dialled=dialled, confirmed_by=confirmed,
                expected_version=version,
            ))  # fmt: skip
        else:
            values = {k: self._text(k) for k in
                      ("title", "given", "family", "email", "phone", "verification")}  # fmt: skip
            line.show_busy("Recording the new super user…")
            self.call("saved", lambda: cases.set_new_super_user(
                actor, reference, title=values["title"], given_name=values["given"],
                family_name=values["family"], email=values["email"], phone=values["phone"],
                verification_provided=values["verification"], expected_version=version,
            ))  # fmt: skip

    def done_saved(self, view: SuperUserCaseView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            self._focus_refused(error)
            return
        saved = STEPS[self.step]
        cleared = (
            saved != "call-back" and bool(view.timeline) and (view.timeline[-1].step == "call-back")
        )  # the core cleared the call-back: what it confirmed has changed
        self.show(view)
        if cleared:
            line.show_notice(
                f"{view.reference}: {saved} recorded; it changed what the call-back confirmed:"
                " make the call-back again."
            )
        else:
            line.show_notice(f"{view.reference}: {saved} recorded.")

    def done_load(self, view: SuperUserCaseView | None, error: BaseException | None) -> None:
        line = self.query_one(MessageLine)
        if view is None:
            line.show_error(error_text(error))
            return
        line.clear()
        self.show(view, fill=True)

    def _focus_refused(self, error: BaseException | None) -> None:
        """The field the refusal names, marked and focused; nothing typed is lost."""
        widget_id = widget_for(error, self.step) if isinstance(error, ValidationError) else None
        if widget_id is None:
            return
        try:
            widget = self.query_one(f"#{widget_id}")
        except NoMatches:
            return
        widget.add_class("-invalid")
        widget.focus()

    # -- showing the case -------------------------------------------------------------------

    def show(self, view: SuperUserCaseView, *, fill: bool = False) -> None:
        self.view = view
        self.reference = view.reference
        self.sub_title = f"Super-user case {view.reference} · {view.status}"
        old = view.old_super_user
        facts = [
            f"{view.reference} · {view.status} · prepared by {view.prepared_by}",
            shown(f"{view.organisation.name} · UKPRN {view.organisation.ukprn}"),
            f"Reason: the only super user {reason_label(view.reason)}",
            f"Form arrived {display_date(view.form_received_on)}"
            + (shown(f" · form's telephone {view.form_phone}") if view.form_phone else ""),
            (f"Super user: {person(old)} · {status_words(old)} · approval: {view.old_account_fate}"
             if old else "Super user: none named"),
        ]  # fmt: skip
        self.query_one("#case-facts", Static).update("\n".join(facts))
        self.query_one("#case-facts").display = True
        self.query_one("#open-fields").display = False
        register = view.register_phone or "NONE ON THE REGISTER: the call-back cannot be made"
        self.query_one("#dial", Static).update(
            f"Call the organisation on the REGISTER's number\n\n    {register}"
        )
        self.query_one("#confirm", Static).update(confirm_text(view))
        self.query_one("#not-form", Static).update(
            shown(f"Never the number on the form ({view.form_phone}): a forged form gives its own.")
            if view.form_phone
            else "Never a number from the form: a forged form gives its own."
        )
        self.query_one("#agreement-note", Static).update(shown(view.agreement_note or ""))
        caution = self.query_one("#caution", Static)
        caution.update(shown(f"Ask on the call-back: {view.caution}") if view.caution else "")
        caution.display = bool(view.caution)
        username = self.query_one("#username", Static)
        username.update(
            shown(f"Username: {view.new_username} (made by the portal's rule, §3.5.3)")
            if view.new_username
            else ""
        )
        if fill:
            self._fill(view)
        missing = [STEPS.index(m) for m in view.missing if m in STEPS]
        if self.step == 0 or fill or missing:
            self._show_step(missing[0] if missing else len(STEPS) - 1)
        else:
            self._show_step(self.step)

    def _fill(self, view: SuperUserCaseView) -> None:
        """A reopened case: what was recorded, in its fields."""

        def put(selector: str, value: str | None) -> None:
            if value:
                self.query_one(f"#{selector}", Input).value = value

        if view.signatory is not None:
            put("sig-name", view.signatory.name)
            put("sig-title", view.signatory.job_title)
            self.query_one("#manager", TickBox).value = view.signatory.is_manager
            self.query_one("#agreement", TickBox).value = view.signatory.signed_agreement
            self.query_one("#signature", FieldSelect).set_text(
                HAND if view.signatory.hand_signed else TYPED
            )
        put("dialled", view.callback_phone)
        put("confirmed-by", view.callback_confirmed_by)
        new = view.new_user
        if new is not None:
            put("title", new.title)
            put("given", new.given_name)
            put("family", new.family_name)
            put("email", new.email)
            put("phone", new.phone)
            put("verification", new.verification_provided)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            by = parameters[0] if parameters else 0
            target = self.step + (by if isinstance(by, int) else 0)
            return 0 <= target < len(STEPS) and (self.view is not None or target == 0)
        if action == "save":
            return self.view is None or self.view.status is SuperUserCaseStatus.PREPARED
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Case: save this step", "Record it (the core checks it)",
                            self.action_save)  # fmt: skip
        if self.view is not None:
            for n, name in enumerate(STEPS):
                yield SystemCommand(f"Case: step {n + 1}, {name}", STEP_TITLES[n],
                                    lambda n=n: self._show_step(n))  # type: ignore[misc]  # fmt: skip
