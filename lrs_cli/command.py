"""What every `lrs-desk` command module shares, below `main.py` so that a command module
(`lrs_cli/bench/`) never imports the module that registers it: the command's context, the
shape of a handler and of `build_parser`'s helper that adds one, and the whole-number type.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lrs_core.config import Settings, load_settings
from lrs_core.db.database import Database
from lrs_core.services import Services


class Context:
    """Settings, then the database and services only when a command needs them."""

    def __init__(self) -> None:
        self.settings: Settings = load_settings()
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.database_url)
        return self._db

    def services(self) -> Services:
        self.db.require_current_schema()
        return Services(self.db, self.settings)


Handler = Callable[[Context, argparse.Namespace], int]
# build_parser's helper: add(group, name, handler, help) -> the command's own parser.
Add = Callable[[Any, str, Handler, str], argparse.ArgumentParser]


def count(minimum: int, *, thousands: bool = False) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum`` (with ``thousands``,
    written with separators too: 1,000,000 or 1_000_000)."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", "") if thousands else text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse
