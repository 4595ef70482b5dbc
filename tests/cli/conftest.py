"""Commands as an admin runs them: with a code from their authenticator app."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from factories import TOTP_SECRET

from lrs_cli import main as cli
from lrs_core import second_factor
from lrs_core.services import Services


@pytest.fixture(autouse=True)
def authenticator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The admin's authenticator app (TOTP_SECRET, as tests/factories.py enrols admins).

    A code works once (RFC 6238 §5.2), so each command runs one step (30 s) after the last,
    with LRS_OPERATOR_CODE holding the code the app shows then: what an admin typing a fresh
    code for each command does. Agents are never asked for it. A test marked
    ``no_authenticator`` gives codes itself."""
    if request.node.get_closest_marker("no_authenticator"):
        return
    steps = itertools.count(2)  # the first a step clear of any code used to set them up
    # The tests' own fixed clock, not the real one: operators' passwords are set on it, and
    # would expire (44 days, §2.3.1) under a real clock that has moved on.
    start = request.getfixturevalue("clock").now

    def services(self: cli.Context) -> Services:
        self.db.require_current_schema()
        clock = getattr(self, "_test_clock", None)
        if clock is None:
            at = start + timedelta(seconds=30 * next(steps))
            self._test_clock = clock = lambda: at  # type: ignore[attr-defined]
            monkeypatch.setenv("LRS_OPERATOR_CODE", second_factor.code_at(TOTP_SECRET, at))
        return Services(self.db, self.settings, clock)

    monkeypatch.setattr(cli.Context, "services", services)
