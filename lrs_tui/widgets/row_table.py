"""A read-only table that draws only the rows on screen (Textual's Line API).

DataTable keeps a widget-like record per row and measures them all on every change: about a
second for 2,000 rows here. A PLR can hold thousands of events, so this table keeps plain
tuples of text and renders the visible lines alone; replacing every row (a sort, a filter) is
a list assignment. The header stays at the top; the cursor row is highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from lrs_core.domain.text import shown


def _fit(text: str, width: int) -> str:
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


class RowTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-table--header",
        "row-table--cursor",
        "row-table--even",
    }
    DEFAULT_CSS: ClassVar[str] = """
    RowTable { height: 1fr; }
    RowTable > .row-table--header { text-style: bold; background: $panel; }
    RowTable > .row-table--even { background: $surface; }
    /* The theme's cursor style too: lrs-ansi draws cursors in reverse video (bold when
       focused, underlined when not), since its cursor colours are the terminal's own. */
    RowTable > .row-table--cursor {
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    RowTable:focus > .row-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "move_to(0)", show=False),
        Binding("end", "move_to(-1)", show=False),
        Binding("enter", "choose", "Details", show=False),
    ]

    cursor = reactive(0)

    class RowChosen(Message):
        """Enter or a click on a row: ``index`` into the rows as last set."""

        def __init__(self, table: RowTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    class HeaderChosen(Message):
        def __init__(self, table: RowTable, column: int) -> None:
            super().__init__()
            self.table = table
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.headers: list[str] = []
        self.widths: list[int] = []
        self.rows: Sequence[Sequence[str]] = ()

    @staticmethod
    def gaps(columns: int) -> int:
        """The cells of space around ``columns`` columns: one between each and at each end."""
        return columns + 1

    def set_rows(
        self, headers: list[str], widths: list[int], rows: Sequence[Sequence[str]]
    ) -> None:
        """Replace everything shown; the cursor goes back to the first row."""
        self.headers, self.widths, self.rows = headers, widths, rows
        self.virtual_size = Size(sum(widths) + self.gaps(len(widths)), len(rows) + 1)
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def watch_cursor(self) -> None:
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.page_rows:
            self.scroll_to(y=self.cursor - self.page_rows + 1, animate=False)
        self.refresh()

    def _line(self, cells: Sequence[str], style: Style) -> Strip:
        # Cells hold stored text (subjects, grades...): shown() makes any control visible.
        fitted = (_fit(shown(c), w) for c, w in zip(cells, self.widths, strict=False))
        text = f" {' '.join(fitted)} "
        scroll_x = round(self.scroll_x)
        width = self.scrollable_content_region.width
        return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, style)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            return self._line(
                self.headers, base + self.get_component_rich_style("row-table--header")
            )
        index = round(self.scroll_y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(self.scrollable_content_region.width, base)
        style = base
        if index % 2:
            style += self.get_component_rich_style("row-table--even")
        if index == self.cursor:
            style += self.get_component_rich_style("row-table--cursor")
        return self._line(self.rows[index], style)

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self.page_rows)

    def action_move_to(self, index: int) -> None:
        if self.rows:
            self.cursor = index % len(self.rows)

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.RowChosen(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x, edge = event.x + round(self.scroll_x), 1
            for column, width in enumerate(self.widths):
                edge += width + 1
                if x < edge:
                    self.post_message(self.HeaderChosen(self, column))
                    return
            return
        index = round(self.scroll_y) + event.y - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
            if event.chain == 2:
                self.post_message(self.RowChosen(self, index))
