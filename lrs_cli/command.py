"""What every `lrs-desk` command module shares, below `main.py` so that a command module
(`lrs_cli/bench/`) never imports the module that registers it: the command's context, the
shape of a handler and of `build_parser`'s helper that adds one, the whole-number type, and
signing in as the named operator a command acts as (`--operator`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from lrs_core.actor import Actor
from lrs_core.config import Settings, load_settings
from lrs_core.db.database import Database
from lrs_core.errors import AuthenticationFailed, ConfigurationError, SecondFactorRequired
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


def signed_in(ctx: Context, services: Services, username: str) -> Actor:
    """Sign in as a named operator: password from LRS_OPERATOR_PASSWORD, else a prompt; the
    authenticator code, when the core asks for one, from LRS_OPERATOR_CODE, else a prompt."""
    password = os.environ.get("LRS_OPERATOR_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "no password: set LRS_OPERATOR_PASSWORD or run from a terminal to be asked"
            )
        password = getpass.getpass(f"password for {username}: ")
    code = os.environ.get("LRS_OPERATOR_CODE")
    try:
        result = services.operators.sign_in(username, password, code)
    except SecondFactorRequired:
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "a code is needed: set LRS_OPERATOR_CODE to the code your authenticator app "
                "shows, or run from a terminal to be asked"
            ) from None
        code = getpass.getpass(f"code from your authenticator app for {username}: ")
        result = services.operators.sign_in(username, password, code)
    if result.password_change_reason:
        raise AuthenticationFailed(f"{result.password_change_reason} (sign in to LRS Desk)")
    if result.must_enrol_second_factor:
        raise AuthenticationFailed(
            "set up your second factor first: sign in to LRS Desk, which shows how"
        )
    return result.actor
