"""Every `lrs-desk` command README shows works, as written, on the demo database `make run`
creates (issue 10 item 7), so README cannot drift from the demo data again.

The commands are read from README's code blocks (with their line continuations, `export`s,
`LRS_OPERATOR_CODE=$(code)` prefixes, `$(date +%d/%m/%Y)`, today, and shell variables set to
a date, `day=$(date +%Y%m%d)`, used as `$day`) and run in order, in-process, on one embedded
database migrated and seeded as `make run` does, with the operators, passwords and
authenticator README gives (and stand-ins for the terminal that `su-case approve` and
`intake export` show a secret on, and for the passphrase `intake open` asks for). A block
that points LRS_DATABASE_URL elsewhere (setting up a PostgreSQL deployment) is about another
database and is left out.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lrs_cli import main as cli
from lrs_cli import terminal
from lrs_cli.intake import PASSPHRASE_VARIABLE
from lrs_core import second_factor
from lrs_core.db.database import Database
from lrs_core.db.models import Learner, LearningEvent
from lrs_core.db.types import utcnow
from lrs_core.demo_data import (
    README_LEARNER,
    README_NEAR_MATCH,
    README_PLR_EVENTS,
    README_PLR_LEARNER,
    DemoLearner,
)
from lrs_core.intake.samples import DEMO_PASSPHRASE
from lrs_core.services import Services
from lrs_core.services.demo import DEMO_ADMIN_TOTP_SECRET

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
# A shell variable set to today's date in some form: `day=$(date +%Y%m%d)`.
DATE_VARIABLE = re.compile(r"^([a-z_][a-z0-9_]*)=\$\(date \+([^)\s]+)\)\s*(?:#.*)?$")

pytestmark = pytest.mark.no_authenticator  # README's own authenticator gives the codes


TODAY = "$(date +%d/%m/%Y)"
LONDON = ZoneInfo("Europe/London")


@dataclass
class Shown:
    """The operator's terminal, as a stand-in that keeps what it is shown."""

    shown: list[str]
    where: str = "the terminal (/dev/tty)"
    to_stdout: bool = False

    def show_once(self, text: str) -> None:
        self.shown.append(text)

    def close(self) -> None:
        pass


@dataclass
class Command:
    line: str  # as README shows it (continuations joined)
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # VAR=value before `lrs-desk`
    append_to: str | None = None  # `>> FILE`


@dataclass
class Step:
    exports: dict[str, str] = field(default_factory=dict)
    command: Command | None = None
    date_variables: dict[str, str] = field(default_factory=dict)  # name -> strftime format


def readme_steps(text: str) -> Iterator[Step]:
    """README's shell lines, in order: `export`s, and `lrs-desk` commands."""
    for block in BLOCK.findall(text):
        if "LRS_DATABASE_URL" in block:
            continue  # a deployment's own database, not the demo one
        for line in block.replace("\\\n", " ").splitlines():
            dated = DATE_VARIABLE.match(line.strip())
            if dated:
                yield Step(date_variables={dated[1]: dated[2]})
                continue
            words = shlex.split(line, comments=True)
            if words[:1] == ["export"]:
                yield Step(exports=dict(w.split("=", 1) for w in words[1:]))
                continue
            env = {}
            while words and ASSIGNMENT.match(words[0]):
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            if words[:1] != ["lrs-desk"]:
                continue  # `make run`, the authenticator stand-ins, the `code` function
            argv, append_to = words[1:], None
            if ">>" in argv:
                at = argv.index(">>")
                argv, append_to = argv[:at], argv[at + 1]
            yield Step(command=Command(" ".join(line.split()), argv, env, append_to))


def _expand(word: str, variables: dict[str, str]) -> str:
    """``$name`` and ``${name}`` of README's date variables, as the shell expands them."""
    for name, value in variables.items():
        word = re.sub(rf"\$(?:{name}\b|\{{{name}\}})", value, word)
    return word


def test_readme_shows_the_commands_it_should() -> None:
    commands = [s.command for s in readme_steps(README.read_text()) if s.command]
    shown = {" ".join(c.argv[:2]) for c in commands}
    assert {"learner find", "learner show", "plr report", "audit verify"} <= shown
    assert len(commands) >= 15


@dataclass(frozen=True)
class DemoHome:
    path: Path
    # README's learners as seeded (before README's commands change them): ULN -> the
    # learner and their events' ids.
    seeded: dict[str, tuple[DemoLearner, set[int]]]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> DemoHome:
    """A home with the demo database in it, migrated and seeded as `make run` does; once
    per module (README's commands then run on it, in order)."""
    home = tmp_path_factory.mktemp("readme-home")
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, home)
        assert cli.main(["db", "upgrade", "--quiet"]) == 0
        assert cli.main(["demo", "seed", "--if-empty"]) == 0
    named = (README_LEARNER, README_NEAR_MATCH, README_PLR_LEARNER)
    return DemoHome(home, {n.uln: _as_seeded(home, n.uln) for n in named})


def _as_seeded(home: Path, uln: str) -> tuple[DemoLearner, set[int]]:
    db = Database(f"sqlite:///{home / 'lrs-desk' / 'lrs-desk.sqlite3'}")
    try:
        with db.transaction(read_only=True) as session:
            person = session.execute(select(Learner).where(Learner.uln == uln)).scalar_one()
            events = select(LearningEvent.id).where(LearningEvent.learner_id == person.id)
            return DemoLearner(
                person.uln,
                person.given_name,
                person.family_name,
                person.date_of_birth,
                person.postcode,
            ), set(session.scalars(events))
    finally:
        db.dispose()


def _isolate(patch: pytest.MonkeyPatch, home: Path) -> None:
    for name in list(os.environ):
        if name.startswith("LRS_"):
            patch.delenv(name)
    patch.setenv("HOME", str(home))
    patch.setenv("LRS_DATA_DIR", str(home / "lrs-desk"))
    patch.chdir(home)


def test_every_readme_command_works_on_the_demo_database(
    demo_home: DemoHome, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _isolate(monkeypatch, demo_home.path)
    # Each command runs one authenticator step (30 s) after the last, as README's `code`
    # waits for the next code: a code works once.
    steps = iter(range(2, 10_000))
    start = utcnow()
    now = start

    def services(self: cli.Context) -> Services:
        self.db.require_current_schema()
        return Services(self.db, self.settings, lambda: now)

    monkeypatch.setattr(cli.Context, "services", services)
    # `su-case approve` shows the one-time password on the operator's terminal only: here, a
    # stand-in that keeps what it is shown.
    shown_once: list[str] = []
    monkeypatch.setattr(terminal, "open_terminal", lambda *, stdout_allowed: Shown(shown_once))
    # `intake open` asks for the passphrase the sender phoned in, with echo off; with no
    # terminal (as here) it reads LRS_INTAKE_PASSPHRASE: the demo samples' one, as if typed.
    monkeypatch.setenv(PASSPHRASE_VARIABLE, DEMO_PASSPHRASE)
    variables: dict[str, str] = {}  # `day=$(date +%Y%m%d)`: name -> strftime format
    failures = []
    ran = 0
    for step in readme_steps(README.read_text()):
        for name, value in step.exports.items():
            monkeypatch.setenv(name, value)
        variables |= step.date_variables
        command = step.command
        if command is None:
            continue
        now = start + timedelta(seconds=30 * next(steps))
        code = second_factor.code_at(DEMO_ADMIN_TOTP_SECRET, now)
        with monkeypatch.context() as env:
            for name, value in command.env.items():
                env.setenv(name, value.replace("$(code)", code))
            local = now.astimezone(LONDON)
            dates = {name: local.strftime(form) for name, form in variables.items()}
            today = local.strftime("%d/%m/%Y")
            argv = [
                os.path.expanduser(_expand(word.replace(TODAY, today), dates))
                for word in command.argv
            ]
            status = cli.main(argv)
        out, err = capsys.readouterr()
        ran += 1
        if command.append_to:
            with Path(os.path.expanduser(command.append_to)).open("a") as file:
                file.write(out)
        if status != 0:
            failures.append(f"{command.line}\n  exit {status}: {err.strip()}")
    assert ran >= 15
    # Each approval's one-time password and each intake export's passphrase shown once.
    showing = (["su-case", "approve"], ["intake", "export"])
    secrets_shown = sum(1 for s in readme_steps(README.read_text())
                        if s.command and s.command.argv[:2] in showing)  # fmt: skip
    assert len(shown_once) == secrets_shown
    assert not failures, "README commands that fail on the demo database:\n" + "\n".join(failures)


@pytest.mark.parametrize("named", [README_LEARNER, README_NEAR_MATCH, README_PLR_LEARNER])
def test_readme_uses_learners_the_demo_data_names(demo_home: DemoHome, named: DemoLearner) -> None:
    # README's learners are constants of the demo data (lrs_core/demo_data.py), and the
    # demo database `make run` creates holds each of them, as named.
    held, events = demo_home.seeded[named.uln]
    assert held == named
    assert named.uln in README.read_text()
    if named is README_PLR_LEARNER:
        assert set(README_PLR_EVENTS) <= events
