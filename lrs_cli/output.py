"""What `lrs-desk` writes reaches a terminal only through the core's display function.

Each command formats stored values with :func:`lrs_core.domain.text.shown` (so a line feed
inside a value cannot forge a line); on top of that, while a command runs, stdout and stderr
are wrapped so that whatever is written — a value a command forgot, argparse quoting a bad
argument, an error message quoting what was typed — has every control and format character
made visible (:func:`lrs_core.domain.text.shown_lines`). The program's own line feeds stay.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TextIO

from lrs_core.domain.text import shown, shown_lines
from lrs_core.domain.values import display_date


class ShownStream:
    """A text stream that writes through :func:`shown_lines`; everything else is delegated."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(shown_lines(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def shown_streams() -> Iterator[None]:
    """Wrap sys.stdout and sys.stderr for the duration of one command."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = ShownStream(out)  # type: ignore[assignment]
    sys.stderr = ShownStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def human(value: object) -> str:
    """A value as the commands' human output shows it: dates in the house style (3 Aug 1977),
    times as 3 Aug 1977 14:05 UTC; --json keeps ISO."""
    if isinstance(value, datetime):
        at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return f"{display_date(at.date())} {at:%H:%M} UTC"
    if isinstance(value, date):
        return display_date(value)
    return str(value)


def plain(value: object) -> Any:
    """A service result as JSON-ready data: dataclasses as objects (their fields, in order),
    enums as their codes, dates and times in ISO 8601, tuples as lists.

    A field the dataclass keeps out of its repr (``field(repr=False)``: a one-time password)
    is kept out of the JSON too, as null: a secret never reaches ``--json`` output, which may
    be redirected to a file, whatever command prints the result."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) if f.repr else None
            for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def print_json(value: object) -> None:
    """``--json``: one line, ASCII only (``\\u`` escapes), as :func:`plain` makes it."""
    print(json.dumps(plain(value), ensure_ascii=True))


def note(text: str) -> None:
    """What the core warns of, as `lrs-desk` says every note: one line on stderr."""
    print(f"lrs-desk: note: {shown(text)}", file=sys.stderr)


def labelled(label: str, value: object, width: int = 14) -> None:
    """A labelled value of human output (nothing for an empty one); free text kept on its
    own lines (the text rule keeps only line feeds in multi-line fields), each line through
    shown(), dates in the house style."""
    if value in (None, "", ()):
        return
    lines = human(value).split("\n")
    print(f"{label:<{width}} {shown(lines[0])}")
    for line in lines[1:]:
        print(f"{'':<{width}} {shown(line)}")
