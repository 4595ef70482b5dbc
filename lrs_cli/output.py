"""What `lrs-desk` writes reaches a terminal only through the core's display function.

Each command formats stored values with :func:`lrs_core.domain.text.shown` (so a line feed
inside a value cannot forge a line); on top of that, while a command runs, stdout and stderr
are wrapped so that whatever is written — a value a command forgot, argparse quoting a bad
argument, an error message quoting what was typed — has every control and format character
made visible (:func:`lrs_core.domain.text.shown_lines`). The program's own line feeds stay.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TextIO

from lrs_core.domain.text import shown_lines
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
