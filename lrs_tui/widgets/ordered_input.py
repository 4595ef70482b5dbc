"""An Input whose editing keys keep their place among the characters typed around them.

Textual's Input inserts a printed character as soon as its key arrives, but runs a bound
key (backspace, the arrows, ctrl+u, enter...) only after the key has bubbled up to the app.
When keys arrive together (a fast typist over SSH, a busy moment, a password manager),
"Smtih<backspace><backspace>ith" is edited out of order (Textual issue #6605). Running the
input's own bindings as each key is read keeps the order; what runs is what the app would
have run, since the focused input is the first place the app looks for a binding.

An input made with ``enter_moves_on=True`` passes the focus on at Enter, as Tab does; the
app's priority Enter binding does that as the key is read, for the same reason.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    def __init__(self, *args: Any, enter_moves_on: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enter_moves_on = enter_moves_on

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
