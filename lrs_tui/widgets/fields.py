"""One-line form fields that stay visible in a 16-colour terminal.

Textual's compact Input and Select draw no border and, in the ANSI themes, no background
either, so an empty field and its focus would be invisible. These give every field a
background and the focused one a different colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Protocol

from textual import on
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from lrs_tui.widgets.ordered_input import FormField, OrderedInput, enter_target

# Any of the core's DATE_FORMS is accepted; the placeholder shows the one most people type.
DATE_PLACEHOLDER = "e.g. 3/8/1977"


class Coded(Protocol):
    """A member of one of lrs_core's code lists (Gender, VerificationType, AbilityToShare)."""

    @property
    def value(self) -> int: ...

    @property
    def label(self) -> str: ...


class FieldInput(OrderedInput):
    DEFAULT_CSS: ClassVar[str] = """
    FieldInput, FieldInput:ansi {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        &:focus { background: $primary 40%; }
        &.-invalid { background: $error 30%; }
        &.-invalid:focus { background: $error 50%; }
    }
    FieldInput:ansi {
        background: ansi_bright_black;
        color: ansi_bright_white;
        &:focus { background: ansi_blue; }
        &.-invalid { background: ansi_red; }
        &.-invalid:focus { background: ansi_magenta; }
        &>.input--placeholder { color: ansi_white; text-style: none; }
    }
    """

    def __init__(
        self,
        value: str = "",
        *,
        id: str | None = None,
        placeholder: str = "",
        required: bool = False,
    ) -> None:
        # validate_on=[]: the core's rules decide what is invalid, never Textual's.
        super().__init__(
            value,
            placeholder=placeholder,
            id=id,
            compact=True,
            validate_on=[],
            required=required,
        )


class FieldSelect(FormField, Select[str]):
    """A code list (gender, verification type, ...) shown as "label (code)"."""

    DEFAULT_CSS: ClassVar[str] = """
    FieldSelect, FieldSelect:ansi {
        /* A long choice ("Privacy Notice not seen: ...") wraps rather than being cut. */
        & > SelectCurrent {
            height: auto;
            padding: 0 1;
            background: $boost;
        }
        &:focus > SelectCurrent { background: $primary 40%; }
        &.-invalid > SelectCurrent { background: $error 30%; }
    }
    FieldSelect:ansi {
        & > SelectCurrent { background: ansi_bright_black; color: ansi_bright_white; }
        & > SelectCurrent Static#label { color: ansi_bright_white; }
        &:focus > SelectCurrent { background: ansi_blue; }
        &.-invalid > SelectCurrent { background: ansi_red; }
    }
    """

    def __init__(
        self,
        codes: Iterable[Coded],
        *,
        id: str | None = None,
        value: str = "",
        required: bool = False,
    ) -> None:
        options = [(f"{code.label} ({code.value})", str(code.value)) for code in codes]
        known = {v for _, v in options}
        self._codes = known
        super().__init__(
            options,
            prompt="Choose…",
            value=value if value in known else Select.NULL,
            id=id,
            compact=True,
        )
        self.required = required

    @property
    def filled(self) -> bool:
        return self.value is not Select.NULL

    @property
    def text(self) -> str:
        """The chosen code as the core takes it, "" when none is chosen."""
        return "" if self.value is Select.NULL else str(self.value)

    def set_text(self, code: str) -> None:
        self.value = code if code in self._codes else Select.NULL

    @on(SelectOverlay.UpdateSelection)
    def _chosen(self, _event: SelectOverlay.UpdateSelection) -> None:
        # A choice made from the open list moves on, as Enter does in a text field: to the
        # next empty required field of the form. After the refresh, so after Select has put
        # the focus back here; not when the value is set by code (an edit form loading).
        self.call_after_refresh(self._move_on)

    def _move_on(self) -> None:
        target = enter_target(self) if self.has_focus else None
        if target is not None:
            self.screen.set_focus(target)
