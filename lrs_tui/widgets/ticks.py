"""A tick list and a tick box whose unticked state is visibly empty, in 16 colours too.

Textual's SelectionList and Checkbox always draw an "X" in their button and tell ticked from
unticked by its colour alone; in the desk's ANSI theme (every text in the terminal's own
foreground) both look ticked. These draw the "X" only when ticked, so the shape says it, and
a ticked one is bold as well.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

EMPTY = " "


class TickList(SelectionList[int]):
    """A SelectionList of ids that shows an empty box for what is not ticked."""

    DEFAULT_CSS: ClassVar[str] = """
    TickList > .selection-list--button-selected,
    TickList > .selection-list--button-selected-highlighted { text-style: bold; }
    """

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        _, scroll_y = self.scroll_offset
        try:
            option = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:
            return strip
        if option.value in self._selected:
            return strip
        segments = list(strip)
        if len(segments) < 2:
            return strip
        inner = segments[1]
        segments[1] = Segment(EMPTY * len(inner.text), inner.style, inner.control)
        return Strip(segments, strip.cell_length)


class TickBox(Checkbox):
    """A Checkbox whose box is empty until it is ticked."""

    DEFAULT_CSS: ClassVar[str] = """
    TickBox.-on > .toggle--button { text-style: bold; }
    """

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        inner = self.BUTTON_INNER if self.value else EMPTY
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            (inner, button_style),
            (self.BUTTON_RIGHT, side_style),
        )
