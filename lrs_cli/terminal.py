"""Where `lrs-desk` shows a secret once: the operator's terminal, never a stream that may be a
file (issue 12: "the one-time password is printed once, to the terminal only, never into
--json files written elsewhere or logs").

A command that will receive a secret opens the terminal with :func:`open_terminal` BEFORE it
asks the core for the secret (approving a super-user case creates the account): when no
terminal can be opened it refuses first, so no account exists whose password nobody saw.
Standard output is used only when it is itself a terminal and the command's output is for a
person (not ``--json``); otherwise the controlling terminal, ``/dev/tty``, which redirecting
stdout or stderr does not reach. Nothing here logs, and the secret is written straight to
the terminal's stream, never through ``print`` to a captured or redirected one.

Tests replace :func:`open_terminal` (monkeypatch) with one that records what it is given.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol, TextIO

CONTROLLING_TERMINAL = "/dev/tty"


class Terminal(Protocol):
    """A terminal opened for one secret."""

    @property
    def where(self) -> str:
        """Where the secret went, for the output that does not carry it."""
        ...

    @property
    def to_stdout(self) -> bool:
        """Whether it is the command's own standard output (a terminal, not ``--json``)."""
        ...

    def show_once(self, text: str) -> None: ...

    def close(self) -> None: ...


class _Stream:
    def __init__(self, stream: TextIO, where: str, *, owned: bool) -> None:
        self._stream = stream
        self._owned = owned
        self.where = where
        self.to_stdout = not owned

    def show_once(self, text: str) -> None:
        self._stream.write(text if text.endswith("\n") else text + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def open_terminal(*, stdout_allowed: bool) -> Terminal | None:
    """The terminal a secret may be shown on: standard output when ``stdout_allowed`` and it
    is a terminal, else the controlling terminal; None when there is none (a job without a
    terminal, output piped on a machine with no controlling terminal)."""
    if stdout_allowed and _is_terminal(sys.__stdout__):
        assert sys.__stdout__ is not None
        return _Stream(sys.__stdout__, "this terminal", owned=False)
    try:
        fd = os.open(CONTROLLING_TERMINAL, os.O_WRONLY | os.O_NOCTTY)
    except OSError:
        return None
    try:
        stream = os.fdopen(fd, "w", encoding="utf-8")
    except OSError:
        os.close(fd)
        return None
    if not _is_terminal(stream):
        stream.close()
        return None
    return _Stream(stream, f"the terminal ({CONTROLLING_TERMINAL})", owned=True)
