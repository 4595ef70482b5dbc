"""Running `lrs-desk` in-process as one desk operator or another, for the organisation and
super-user case commands' tests (their passwords in the environment, an admin's code from
tests/cli/conftest.py's authenticator)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs_cli.main import EXIT_ERROR, main

# Operators the tests make: the `agent` and `admin` fixtures, and desk_admin(services,
# "other.admin") for the second admin of a super-user case.
PASSWORDS = {
    "kim.lee": "Desk-Shift-2026",
    "ada.admin": "Desk-Admin-2026",
    "other.admin": "Head-Admin-2026",
}


class Runner:
    """Runs `lrs-desk ARGV --operator WHO` and gives (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, who: str, *argv: str) -> tuple[int, str, str]:
        self.monkeypatch.setenv("LRS_OPERATOR_PASSWORD", PASSWORDS[who])
        try:
            code = main([*argv, "--operator", who])
        except SystemExit as exit_info:  # argparse's own refusals
            code = int(exit_info.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, who: str, *argv: str) -> str:
        code, out, err = self(who, *argv)
        assert code == 0, err
        return out

    def json(self, who: str, *argv: str) -> Any:
        code, out, err = self(who, *argv, "--json")
        assert code == 0, err
        assert out.isascii() and out.endswith("}\n")
        return json.loads(out)

    def refused(self, who: str, *argv: str) -> str:
        """The command's one line on stderr; it must exit 2 and print nothing on stdout."""
        code, out, err = self(who, *argv)
        assert (code, out) == (EXIT_ERROR, ""), (code, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return err.strip()


def subcommands(group: str) -> dict[str, Any]:
    """The parsers of `lrs-desk GROUP ...`, by name."""
    from lrs_cli.main import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    sub = commands.choices[group]  # type: ignore[index]
    actions = next(a for a in sub._actions if a.choices)
    return dict(actions.choices)  # type: ignore[arg-type]
