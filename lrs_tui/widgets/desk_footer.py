"""The footer every screen shows: compact, so the keys a person needs fit in 80 columns.

Textual's default footer pads each key and description; at 80 columns the PLR's own keys
pushed Find, Lock and Sign out off the edge. The compact style fits a screen's keys and the
app's; what does not need a key in sight (Quit, the screen's rarer actions) keeps its key but
is found by name in the command palette (``show=False`` on its binding).
"""

from __future__ import annotations

from textual.widgets import Footer


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
