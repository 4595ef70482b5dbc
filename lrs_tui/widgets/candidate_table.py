"""Learners found, one row each: ULN, name, date of birth, postcode, score and why.

Used by the find screen and by the possible-match check when registering. The full reasons
of the highlighted row are the caller's to show (they do not fit in a cell).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from lrs_core.domain.text import shown
from lrs_core.domain.values import display_date
from lrs_core.services.learners import LearnerRecord
from lrs_core.services.search import Candidate
from lrs_tui.formatting import percent


@dataclass(frozen=True)
class ResultRow:
    uln: str
    name: str
    date_of_birth: date
    postcode: str
    score: float
    short: str  # what fits in the table
    reasons: tuple[str, ...]  # everything the core said about the match

    @classmethod
    def from_candidate(cls, candidate: Candidate) -> ResultRow:
        return cls(
            candidate.uln,
            f"{candidate.given_name} {candidate.family_name}",
            candidate.date_of_birth,
            candidate.postcode,
            candidate.score,
            short_reason(candidate),
            tuple(candidate.reasons()),
        )

    @classmethod
    def from_learner(cls, learner: LearnerRecord, reason: str) -> ResultRow:
        """A learner found by ULN: exact on the three fields asked for."""
        return cls(
            learner.uln,
            f"{learner.given_name} {learner.family_name}",
            learner.date_of_birth,
            learner.postcode,
            1.0,
            "ULN and names match",
            (reason,),
        )


def short_reason(candidate: Candidate) -> str:
    """What keeps a row from being a sure match, in a few words: fields that differ first."""
    if candidate.via_linked_uln:
        return f"via linked ULN {candidate.via_linked_uln}"
    differ = [_short(f.field) for f in candidate.fields if f.level == 0]
    near = [_short(f.field) for f in candidate.fields if 0 < f.level < 1.0]
    if differ:
        return "differs: " + ", ".join(differ)
    if near:
        return "near: " + ", ".join(near)
    return "exact"


def _short(field: str) -> str:
    return field.removesuffix(" name")


class CandidateTable(DataTable[Text]):
    """Rows are keyed by ULN; Enter posts DataTable.RowSelected with that key. The last
    column takes whatever width is left, so nothing scrolls sideways at 80 columns.

    The table takes what its container has left (``1fr``) but never more than its rows: put
    it in a container of bounded height with the reasons under it at ``height: auto``, and
    the reasons always show whole while the table scrolls."""

    DEFAULT_CSS: ClassVar[str] = """
    CandidateTable { height: 1fr; min-height: 2; overflow-x: hidden; }
    """

    # (key, heading, width); None: shares what is left with "why".
    COLUMNS: ClassVar[tuple[tuple[str, str, int | None], ...]] = (
        ("uln", "ULN", 10),
        ("name", "Name", None),
        ("dob", "Born", 11),
        ("postcode", "Postcode", 8),
        ("score", "Score", 5),
        ("why", "Why", None),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._rows: dict[str, ResultRow] = {}
        self._widths: tuple[int, int] = (0, 0)

    def on_mount(self) -> None:
        self._build([])

    def on_resize(self) -> None:
        if self._flexible_widths() != self._widths:
            self._build(list(self._rows.values()))

    def _flexible_widths(self) -> tuple[int, int]:
        """(name, why): the name up to 20 characters, the reason the rest."""
        fixed = sum(width or 0 for *_, width in self.COLUMNS)
        padding = 2 * self.cell_padding * len(self.COLUMNS)
        rest = self.scrollable_content_region.width - fixed - padding - 1
        name = min(20, max(14, rest - 14))
        return name, max(8, rest - name)

    def show(self, rows: Iterable[ResultRow]) -> None:
        self._build(list(rows))

    def _build(self, rows: list[ResultRow]) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        self._widths = self._flexible_widths()
        flexible = dict(zip(("name", "why"), self._widths, strict=True))
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width or flexible[key])
        self._rows = {}
        self.styles.max_height = len(rows) + 1  # the heading and every row, no more
        for row in rows:
            self._rows[row.uln] = row
            self.add_row(
                Text(row.uln),
                Text(shown(row.name), overflow="ellipsis", no_wrap=True),
                Text(display_date(row.date_of_birth)),
                Text(shown(row.postcode)),
                Text(percent(row.score), justify="right"),
                Text(shown(row.short), overflow="ellipsis", no_wrap=True),
                key=row.uln,
            )
        if rows and 0 < cursor < len(rows):
            self.move_cursor(row=cursor)

    @property
    def highlighted(self) -> ResultRow | None:
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return self._rows.get(key or "")
