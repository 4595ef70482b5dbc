"""The spreadsheet inside an intake file (issue 13, items 4 and 5): ``.xlsx`` read with
``python-calamine`` (Rust: fast, and no XML entity expansion for a hostile file) and ``.csv``
in any encoding a provider's Excel writes (UTF-8 with or without a BOM, Windows-1252), the
delimiter sniffed; then the header mapped to learner fields (the LRS batch field names and the
usual variants: Surname, Forename, DOB, Post Code...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lrs_core.domain.learner_fields import FIELDS

# The learner fields a row can carry (domain/learner_fields.py's names, the ULN first); the
# header mapping targets these.
ROW_FIELDS: tuple[str, ...] = ("uln", *(f.name for f in FIELDS))


@dataclass(frozen=True)
class Sheet:
    source: str  # the member or file it came from
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(repr=False)  # every cell as text, trimmed


def is_spreadsheet(name: str) -> bool:
    """Whether a member's name is one ``read_sheet`` reads (.xlsx, .csv)."""
    raise NotImplementedError


def read_sheet(name: str, content: bytes, max_rows: int) -> Sheet:
    """The first sheet's header row and rows, every cell as text (dates as YYYY-MM-DD, whole
    numbers without ".0", a ULN never in scientific notation); blank rows dropped. Raises
    ``archives.HostileFile`` (CORRUPT, UNSUPPORTED or TOO_LARGE over ``max_rows``)."""
    raise NotImplementedError


def text_of(name: str, content: bytes) -> str | None:
    """A plain attachment's text for the breach checks: a spreadsheet's cells joined, a text
    file decoded; None for something with no text to read (an image, a PDF)."""
    raise NotImplementedError


def map_header(header: Sequence[str]) -> dict[int, str]:
    """Column index to learner field for each header the LRS batch names or a usual variant
    names (case, spaces, punctuation ignored); unknown columns are left out; a field is mapped
    once (the first column naming it)."""
    raise NotImplementedError


def check_mapping(mapping: Mapping[int, str], columns: int) -> dict[int, str]:
    """An operator's corrected mapping, checked: each index a column, each field one of
    ROW_FIELDS and mapped at most once (``ValidationError`` naming the column otherwise)."""
    raise NotImplementedError
