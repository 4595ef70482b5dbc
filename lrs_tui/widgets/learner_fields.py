"""Every field of a learner record, in lrs_core's FIELDS order, checked as the operator types.

The rules are the core's (``validate_field``); this widget only shows what they say under
the field concerned. Values go in and out as the text the core takes (column name -> str).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from lrs_core.domain.learner_fields import (
    BY_NAME,
    FIELDS,
    display_text,
    validate_field,
    validate_learner_fields,
)
from lrs_core.domain.text import shown
from lrs_core.domain.values import UNKNOWN_POSTCODE, AbilityToShare, Gender, VerificationType
from lrs_core.errors import InvalidFields, ValidationError
from lrs_core.services.learners import LearnerRecord
from lrs_tui.widgets.fields import DATE_PLACEHOLDER, Coded, FieldInput, FieldSelect

CODE_LISTS: dict[str, Iterable[Coded]] = {
    "gender": Gender,
    "ability_to_share": AbilityToShare,
    "verification_type": VerificationType,
}
PLACEHOLDERS = {
    "date_of_birth": DATE_PLACEHOLDER,
    "date_of_address_capture": DATE_PLACEHOLDER,
    "postcode": f"{UNKNOWN_POSTCODE} if unknown",
}
# Headings that break the form into what an operator asks a caller about, in turn.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Name",
        (
            "title",
            "given_name",
            "preferred_given_name",
            "middle_other_name",
            "family_name",
            "previous_family_name",
            "family_name_at_16",
        ),
    ),
    ("Birth and contact", ("date_of_birth", "gender", "place_of_birth", "nationality", "email")),
    (
        "Last known address",
        (
            "address_line1",
            "address_line2",
            "address_town",
            "address_county_or_city",
            "postcode",
            "date_of_address_capture",
        ),
    ),
    (
        "Verification and sharing",
        ("verification_type", "other_verification_description", "ability_to_share"),
    ),
    (
        "School and identifiers",
        ("school_at_16", "upn", "uci", "scottish_candidate_number", "mis_identifier"),
    ),
    ("Notes", ("notes",)),
)
# Checked together by the core: the description depends on the type.
VERIFICATION = ("verification_type", "other_verification_description")
BY_LABEL = {spec.label: spec.name for spec in FIELDS}
FORM_ORDER = {name: i for i, name in enumerate(n for _, names in SECTIONS for n in names)}


def in_form_order(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Errors top to bottom as the form shows the fields (errors about no field last)."""
    return sorted(errors, key=lambda e: FORM_ORDER.get(BY_LABEL.get(e.field, ""), len(FORM_ORDER)))


def record_texts(record: LearnerRecord) -> dict[str, str]:
    """The record as the form's fields hold it: dates in the house style, as they are shown."""
    return {spec.name: display_text(getattr(record, spec.name)) for spec in FIELDS}


class LearnerFields(VerticalScroll):
    """A scrolling column of label, field and (when there is one) the rule it breaks."""

    DEFAULT_CSS: ClassVar[str] = """
    LearnerFields {
        height: 1fr;
        padding: 0 1;
        & .learner-field { height: auto; }
        & .field-line { height: auto; }
        & .field-label { width: 31; color: $text-muted; }
        & .field-label.-required { color: $text; }
        & FieldInput, & FieldSelect { width: 1fr; }
        & .field-error {
            display: none;
            padding-left: 32;
            color: $text-error;
            text-style: bold;
        }
        & .field-error.-shown { display: block; }
        & .section { margin-top: 1; text-style: bold; color: $text-primary; }
        & .section:first-of-type { margin-top: 0; }
    }
    """

    def __init__(
        self,
        today: Callable[[], date],
        values: Mapping[str, str] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, can_focus=False)
        self._today = today
        # What each field held when loaded: only text the operator changed is checked
        # as they type (a stored record may predate a rule).
        self._loaded = {spec.name: "" for spec in FIELDS} | dict(values or {})

    def compose(self) -> ComposeResult:
        for heading, names in SECTIONS:
            yield Static(heading, classes="section")
            for name in names:
                yield from self._field(name)

    def _field(self, name: str) -> ComposeResult:
        spec = BY_NAME[name]
        value = self._loaded.get(name, "")
        with Vertical(classes="learner-field", id=f"row-{name}"):
            with Horizontal(classes="field-line"):
                label = Label(
                    f"{spec.label} *" if spec.required else spec.label, classes="field-label"
                )
                label.set_class(spec.required, "-required")
                yield label
                if name in CODE_LISTS:
                    yield FieldSelect(
                        CODE_LISTS[name], id=f"f-{name}", value=value, required=spec.required
                    )
                else:
                    placeholder = PLACEHOLDERS.get(name, "")
                    # Enter moves to the next empty required field, or saves (ordered_input).
                    yield FieldInput(
                        value, id=f"f-{name}", placeholder=placeholder, required=spec.required
                    )
            yield Static("", classes="field-error", id=f"error-{name}", markup=False)

    # -- values ------------------------------------------------------------------------

    def widget_for(self, name: str) -> FieldInput | FieldSelect:
        widget = self.query_one(f"#f-{name}")
        assert isinstance(widget, (FieldInput, FieldSelect))
        return widget

    def value_of(self, name: str) -> str:
        widget = self.widget_for(name)
        return widget.text if isinstance(widget, FieldSelect) else widget.value

    def values(self) -> dict[str, str]:
        return {spec.name: self.value_of(spec.name) for spec in FIELDS}

    def edits(self) -> dict[str, str]:
        """The fields whose text differs from what was loaded."""
        return {
            name: text for name, text in self.values().items() if text != self._loaded.get(name)
        }

    def load(self, values: Mapping[str, str], keep: Mapping[str, str] | None = None) -> None:
        """Show ``values`` as the loaded state, with ``keep`` (the operator's edits) on top."""
        self._loaded = {spec.name: "" for spec in FIELDS} | dict(values)
        for spec in FIELDS:
            text = (keep or {}).get(spec.name, self._loaded[spec.name])
            widget = self.widget_for(spec.name)
            if isinstance(widget, FieldSelect):
                widget.set_text(text)
            else:
                widget.value = text
            self._set_error(spec.name, None)

    # -- checks as the operator types -----------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        widget_id = event.control.id or ""
        if not widget_id.startswith("f-"):
            return
        name = widget_id.removeprefix("f-")
        if self.value_of(name) == self._loaded.get(name):
            self._set_error(name, None)
            return
        self.check(name)

    def check(self, name: str) -> bool:
        """Show the core's verdict on one field; True when it is acceptable."""
        if name in VERIFICATION:
            return self._check_verification()
        try:
            validate_field(name, self.value_of(name), self._today())
        except ValidationError as error:
            self._set_error(name, error.message)
            return False
        self._set_error(name, None)
        return True

    def _check_verification(self) -> bool:
        raw = {name: self.value_of(name) for name in VERIFICATION}
        for name in VERIFICATION:
            self._set_error(name, None)
        try:
            validate_learner_fields(raw, self._today(), complete=False)
        except InvalidFields as errors:
            self.show_errors(errors.errors, focus=False)
            return False
        return True

    def show_errors(
        self, errors: Iterable[ValidationError], *, focus: bool = True
    ) -> list[ValidationError]:
        """Put each error under its field (focusing the first); return those about no field."""
        elsewhere: list[ValidationError] = []
        first: str | None = None
        for error in errors:
            name = BY_LABEL.get(error.field)
            if name is None:
                elsewhere.append(error)
                continue
            self._set_error(name, error.message)
            first = first or name
        if focus and first is not None:
            self.reveal(first)
        return elsewhere

    def reveal(self, name: str) -> None:
        """Focus a field and scroll so that it and the message under it are in sight.

        After the next refresh: the message line under the field has only just been shown
        (and the form may just have been shortened by a message under it), so the row's
        place and height are known only then. Scrolling the field alone left its message
        below the bottom edge at 80x24."""
        widget = self.widget_for(name)
        widget.focus(scroll_visible=False)
        row = self.query_one(f"#row-{name}")
        self.call_after_refresh(self.scroll_to_widget, row, animate=False, top=False)

    def clear_errors(self) -> None:
        for spec in FIELDS:
            self._set_error(spec.name, None)

    def _set_error(self, name: str, message: str | None) -> None:
        line = self.query_one(f"#error-{name}", Static)
        label = BY_NAME[name].label
        line.update(shown(f"{label}: {message}.") if message else "")
        line.set_class(bool(message), "-shown")
        self.widget_for(name).set_class(bool(message), "-invalid")

    def focus_first(self) -> None:
        self.widget_for(SECTIONS[0][1][0]).focus()
