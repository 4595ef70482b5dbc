"""The one-line status under a form: errors in the theme's error colour, notices plainly."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import Static

from lrs_core.domain.text import shown


class MessageLine(Static):
    """Shows the latest outcome of a form (e.g. "Wrong password (2 tries left).").

    Hidden while empty so it takes no space; errors are bold as well as coloured, so they
    stand out on monochrome terminals too.
    """

    DEFAULT_CSS: ClassVar[str] = """
    MessageLine {
        width: 1fr;
        height: auto;
        display: none;
        color: $text;
    }
    MessageLine.-shown { display: block; }
    MessageLine.-error { color: $text-error; text-style: bold; }
    MessageLine.-busy { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        # markup off: messages may quote what the operator typed, brackets and all.
        super().__init__("", markup=False, id=id)

    def show_error(self, text: str) -> None:
        self._show(text, "-error")

    def show_notice(self, text: str) -> None:
        self._show(text, "")

    def show_busy(self, text: str) -> None:
        self._show(text, "-busy")

    def clear(self) -> None:
        self.update("")
        self.remove_class("-shown", "-error", "-busy")

    @property
    def text(self) -> str:
        return str(self.content)

    def _show(self, text: str, kind: str) -> None:
        # Messages quote what was typed or stored: made visible, never obeyed by the terminal.
        # Line feeds stay: several errors are listed one a line (a quoted value has none, as
        # the text rule refuses them before any message quotes it).
        self.update(shown(text, multiline=True))
        self.remove_class("-error", "-busy")
        self.add_class("-shown")
        if kind:
            self.add_class(kind)
