"""The footer every screen shows: compact, so the keys a person needs fit in 80 columns.

Textual's default footer pads each key and description; at 80 columns the PLR's own keys
pushed Find, Lock and Sign out off the edge. The compact style fits a screen's keys and the
app's; what does not need a key in sight (Quit, the screen's rarer actions) keeps its key but
is found by name in the command palette (``show=False`` on its binding).

For an analyst with challenges of their own due soon or overdue, the footer's right end says
how many ("2 due soon · 1 OVERDUE": words, never colour alone), in the place of the palette's
key (ctrl+p still opens it, and home names it): 80 columns have room for one of the two.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Footer, Label

WIDE = 110  # from this width the count says whose it is


def challenge_count_text(counts: tuple[int, int], *, wide: bool) -> str:
    """The footer's words for an analyst's own (due soon, breached) challenges; "" for none."""
    due_soon, breached = counts
    parts = []
    if due_soon:
        parts.append(f"{due_soon} due soon" if wide else f"{due_soon} soon")
    if breached:
        parts.append(f"{breached} OVERDUE")
    if not parts:
        return ""
    return ("My challenges: " if wide else "") + " · ".join(parts)


class DeskFooter(Footer):
    DEFAULT_CSS: ClassVar[str] = """
    DeskFooter #my-challenges {
        dock: right;
        width: auto;
        padding: 0 0 0 1;
        text-style: bold;
        border-left: vkey $foreground 20%;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)

    def _counts(self) -> tuple[int, int]:
        return getattr(self.app, "my_challenges", (0, 0))

    def compose(self) -> ComposeResult:
        text = challenge_count_text(self._counts(), wide=self.app.size.width >= WIDE)
        self.show_command_palette = not text
        yield from super().compose()
        if text and self._bindings_ready:
            yield Label(text, id="my-challenges", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        signal = getattr(self.app, "my_challenges_changed", None)
        if signal is not None:
            signal.subscribe(self, self._counts_changed)

    def on_unmount(self) -> None:
        super().on_unmount()
        signal = getattr(self.app, "my_challenges_changed", None)
        if signal is not None:
            signal.unsubscribe(self)

    def _counts_changed(self, _counts: tuple[int, int]) -> None:
        if self.is_attached:
            self.call_after_refresh(self.recompose)
