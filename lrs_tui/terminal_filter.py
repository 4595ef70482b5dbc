"""The net under the display function: no control character reaches the terminal from a widget.

Screens show stored and outside text through :func:`lrs_core.domain.text.shown`, which makes
controls visible. Some text reaches a widget another way — an Input filled with an old stored
value for editing, a widget added later that forgot — and Textual passes ESC, C1 controls and
bidi overrides through to the terminal as they are. This line filter, applied by the app to
every rendered line, drops what would still be obeyed (they are zero cells wide, so the layout
is unchanged); the visible form is shown()'s job.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from lrs_core.domain.text import without_controls


class ControlFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            seg
            if seg.control or seg.text.isprintable()
            else Segment(without_controls(seg.text), seg.style, seg.control)
            for seg in segments
        ]
