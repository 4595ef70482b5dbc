"""An Input whose editing keys keep their place among the characters typed around them, and
the one rule for Enter in every form of LRS Desk.

Textual's Input inserts a printed character as soon as its key arrives, but runs a bound
key (backspace, the arrows, ctrl+u, enter...) only after the key has bubbled up to the app.
When keys arrive together (a fast typist over SSH, a busy moment, a password manager),
"Smtih<backspace><backspace>ith" is edited out of order (Textual issue #6605). Running the
input's own bindings as each key is read keeps the order; what runs is what the app would
have run, since the focused input is the first place the app looks for a binding.

**Enter in a form** (``enter_target``): a form is the fields inside a container with the
``FORM`` class (or, where a screen has one form, the whole screen). Enter in one of its
inputs moves to the next required field that is still empty; it submits the form (the
input's own Enter: ``Input.Submitted``, which the screen answers with its search, save,
sign-in or confirm) from the form's last field, or when no required field is empty. The
form's own key (ctrl+s, a button) submits whatever is filled. The app's priority Enter
binding applies the rule as the key is read, for the same reason as above.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input

FORM = "form"  # the class of a container holding one form's fields


class FormField:
    """A field of a form (an input or a code list): whether the form needs it, and whether
    it holds anything yet."""

    required: bool = False

    @property
    def filled(self) -> bool:
        """Its text holds more than spaces (a code list says whether a code is chosen)."""
        return bool(str(getattr(self, "value", "")).strip())


class OrderedInput(FormField, Input):
    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for key in event.aliases:
                bindings = self._bindings.key_to_bindings.get(key)
                # An action that skips (copy with nothing selected...) leaves the key to
                # bubble on to the screen and the app, as Textual would.
                if bindings and await self.app.run_action(bindings[0].action, self):
                    event.stop()
                    event.prevent_default()
                    self._restart_blink()
                    return
        # Otherwise Textual goes on to Input._on_key itself (handlers run down the MRO).


def form_of(field: Widget) -> DOMNode:
    """The form ``field`` belongs to: its nearest container with the FORM class, else its
    screen."""
    for node in field.ancestors:
        if isinstance(node, Widget) and node.has_class(FORM):
            return node
    return field.screen


def form_fields(field: Widget) -> list[Widget]:
    """The fields of ``field``'s form that can take the focus now, in focus order."""
    form = form_of(field)
    return [
        widget
        for widget in field.screen.focus_chain
        if isinstance(widget, FormField) and (form is widget.screen or form in widget.ancestors)
    ]


def enter_target(field: Widget) -> Widget | None:
    """Where Enter in ``field`` goes: the next empty required field of its form (after it,
    else the first before it), or None when Enter submits: from the form's last field, or
    when no other required field is empty."""
    fields = form_fields(field)
    if field not in fields or field is fields[-1]:
        return None
    empty = [
        w for w in fields if w is not field and isinstance(w, FormField) and w.required
        if not w.filled
    ]  # fmt: skip
    if not empty:
        return None
    here = fields.index(field)
    after = [w for w in empty if fields.index(w) > here]
    return (after or empty)[0]
