"""`lrs-desk` at the trust boundary (issue 9 items 4, 10 and 11): with nothing but the
database URL, the CLI acts only as a signed-in operator (the bootstrap of an empty database
apart); bad input of any kind is one line on stderr and an exit code, never a traceback; and
what it writes is its user's alone."""

from __future__ import annotations

import argparse
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import factories
import pytest
from factories import SIAN, TOTP_SECRET, audit_log, desk_admin, plr_learners
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_cli import bench
from lrs_cli.main import EXIT_ERROR, build_parser, main
from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.types import utcnow
from lrs_core.errors import ConfigurationError
from lrs_core.services import Services, demo

ADMIN_PASSWORD = "Desk-Admin-2026"  # tests/conftest.py's ada.admin


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_info:  # argparse's own refusals
        code = int(exit_info.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def desk(
    services: Services,
    admin: Actor,
    agent: Actor,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Services:
    """A database with an admin (ada.admin) and an agent (kim.lee), reached by URL alone."""
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    return services


# -- item 4: the database URL is not a boundary --------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["operator", "list"],
        ["operator", "reset-password", "ada.admin"],
        ["operator", "unlock", "ada.admin"],
        ["audit", "verify"],
        ["audit", "tail"],
        ["learner", "show", SIAN],
        ["plr", "show", SIAN],
    ],
)
def test_without_an_operator_nothing_is_read_or_changed(
    desk: Services, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Item 4: the URL alone reads no personal data and changes nothing.
    before = len(audit_log(desk, limit=1000))
    code, out, err = run(capsys, *argv)
    assert code == EXIT_ERROR and out == ""
    assert "required: --operator" in err and len(err.splitlines()) == 1
    assert len(audit_log(desk, limit=1000)) == before


def test_operator_add_without_an_operator_is_refused_once_operators_exist(
    desk: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    # Item 4: `operator add NAME --role admin` made an admin with no sign-in.
    code, out, err = run(capsys, "operator", "add", "eve.admin", "--role", "admin")
    assert code == EXIT_ERROR and out == ""
    assert "desk operators already" in err and "--operator" in err
    refusal = audit_log(desk, limit=1)[0]
    assert (refusal.actor, refusal.action, refusal.outcome) == (
        "system:bootstrap",
        "bootstrap-admin",
        "denied",
    )
    code, _, err = run(capsys, "operator", "add", "eve.agent", "--role", "agent")
    assert code == EXIT_ERROR and "--operator NAME" in err
    assert {o.username for o in desk.operators.list(desk_admin(desk))} == {
        "ada.admin",
        "kim.lee",
        "head.admin",
    }


@pytest.mark.parametrize(
    ("argv", "action"),
    [
        (["operator", "add", "eve.admin", "--role", "admin"], "add-operator"),
        (["operator", "list"], "list-operators"),
        (["operator", "reset-password", "ada.admin"], "reset-password"),
        (["audit", "verify"], "verify-audit"),
        (["audit", "tail"], "read-audit"),
    ],
)
def test_an_agent_may_not_manage_operators_or_read_the_audit(
    desk: Services,
    argv: list[str],
    action: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Item 4: MANAGE_OPERATORS and VIEW_AUDIT are the core's checks, refusals audited.
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    code, out, err = run(capsys, *argv, "--operator", "kim.lee")
    assert code == EXIT_ERROR and out == ""
    assert "agent role may not" in err
    refusal = audit_log(desk, limit=1)[0]
    assert (refusal.actor, refusal.action, refusal.outcome) == ("kim.lee", action, "denied")


def test_an_admin_manages_operators_and_reads_the_audit(
    desk: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", ADMIN_PASSWORD)
    admin = ["--operator", "ada.admin"]
    code, out, _ = run(capsys, "operator", "add", "nia.jones", "--role", "agent", *admin)
    assert code == 0 and "nia.jones (agent) created" in out
    assert run(capsys, "operator", "reset-password", "nia.jones", *admin)[0] == 0
    code, out, _ = run(capsys, "audit", "tail", "-n", "3", *admin)
    assert code == 0 and "reset-password" in out and "ada.admin" in out
    code, out, _ = run(capsys, "audit", "verify", *admin)
    assert code == 0 and "intact" in out
    assert audit_log(desk, limit=1)[0].actor == "ada.admin"


def test_the_bootstrap_on_an_empty_database_then_the_admin_signs_in(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: Callable[[], datetime],
) -> None:
    # Item 4: the one exception, and the README's PostgreSQL set-up. Nothing from the
    # environment reaches the audit trail (LOGNAME was recorded as the actor).
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LOGNAME", "mallory\x1b[2J")
    monkeypatch.setenv("USER", "mallory\x1b[2J")
    code, out, err = run(capsys, "operator", "add", "first.admin", "--role", "admin")
    assert (code, err) == (0, "")
    otp = out.strip().rsplit(" ", 1)[-1]
    db = Database(database_url)
    services = Services(db, load_settings(), clock)
    event = audit_log(services, limit=1)[0]
    assert (event.actor, event.role, event.action) == (
        "system:bootstrap",
        "system",
        "bootstrap-admin",
    )
    actor = services.operators.sign_in("first.admin", otp).actor
    services.operators.change_password(actor, otp, ADMIN_PASSWORD)
    services.operators.confirm_enrolment(
        actor, TOTP_SECRET, second_factor.code_at(TOTP_SECRET, services.clock())
    )
    db.dispose()
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", ADMIN_PASSWORD)
    code, out, _ = run(capsys, "audit", "tail", "--operator", "first.admin")
    assert code == 0 and "bootstrap-admin" in out and "mallory" not in out


@pytest.mark.no_authenticator
def test_demo_seed_into_a_database_with_data_needs_an_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Item 4: `make run` (upgrade, seed --if-empty) still works on a fresh machine; a second
    # seed into the now non-empty embedded database needs a signed-in admin.
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path / "data"))
    assert run(capsys, "db", "upgrade", "--quiet")[0] == 0
    assert run(capsys, "demo", "seed", "--if-empty", "--learners", "3")[0] == 0
    code, _, err = run(capsys, "demo", "seed", "--learners", "3")
    assert code == EXIT_ERROR and "signed-in admin" in err and len(err.splitlines()) == 1
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Agent-Demo-2026")
    code, _, err = run(capsys, "demo", "seed", "--learners", "3", "--operator", "demo-agent")
    assert code == EXIT_ERROR and "agent role" in err
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Admin-Demo-2026")
    code_now = second_factor.code_at(demo.DEMO_ADMIN_TOTP_SECRET, utcnow())
    monkeypatch.setenv("LRS_OPERATOR_CODE", code_now)  # README's published demo secret
    code, out, _ = run(capsys, "demo", "seed", "--learners", "3", "--operator", "demo-admin")
    assert code == 0 and "seeded 3 learners" in out


# -- item 10: never a traceback ---------------------------------------------------------------


HUGE = "7" * 10_000


@pytest.mark.parametrize("option", ["--gender", "--ability-to-share", "--verification-type"])
def test_ten_thousand_digits_in_a_code_is_one_line(
    desk: Services,
    option: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Item 10: these crashed with "ValueError: Exceeds the limit (4300 digits)".
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    argv = ["learner", "register", "--given-name", "Carys", "--family-name", "Rees",
            "--date-of-birth", "2008-09-01", "--gender", "2", "--postcode", "CF10 3AT",
            "--verification-type", "1", "--ability-to-share", "1", option, HUGE,
            "--operator", "kim.lee"]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == EXIT_ERROR
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    label = option[2:].replace("-", " ").capitalize()
    assert f"{label}: must be one of" in err and "10,000 characters" in err


def test_a_nul_byte_in_the_report_file_name_is_one_line(
    desk: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Item 10: `plr report --out` with a NUL byte crashed.
    with desk.db.transaction() as session:
        plr_learners(session)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    out = str(tmp_path / "reports" / "plr\x00.pdf")
    code, _, err = run(capsys, "plr", "report", SIAN, "--out", out, "--reason", "Asked by phone",
                       "--operator", "kim.lee")  # fmt: skip
    assert code == EXIT_ERROR
    assert err == "lrs-desk: error: File: must not contain a NUL character\n"
    assert not (tmp_path / "reports").exists()


def test_a_value_error_from_anywhere_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Item 10: the mechanism, whatever rule a future command forgets: ValueError (and
    # OSError, LrsError) become one line, a newline in the message included.
    def broken(*_: object) -> None:
        raise ValueError("first line\nsecond line")

    monkeypatch.setattr("lrs_cli.main.cmd_config_show", broken)
    code, _, err = run(capsys, "config", "show")
    assert (code, err) == (EXIT_ERROR, "lrs-desk: error: first line␊second line\n")


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command the parser knows (its leaves), with its own parser."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path, parser
        return
    for action in subparsers:
        for name, sub in action.choices.items():
            yield from commands(sub, (*path, name))


COMMANDS = dict(commands(build_parser()))


def test_every_command_is_driven() -> None:
    # The generated test below reaches every command, a new one included.
    assert {" ".join(p) for p in COMMANDS} >= {
        "db upgrade", "operator add", "audit verify", "learner register", "plr report",
        "demo seed", "bench search", "config show", "secrets status",
    }  # fmt: skip


@pytest.fixture
def any_input(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """An in-process SQLite database with an admin, an agent and PLRs, reached by URL; the
    admin's password in LRS_OPERATOR_PASSWORD, so `--operator ada.admin` really acts."""
    folder = tmp_path_factory.mktemp("any-input")
    path = folder / "desk.sqlite3"
    shutil.copy(sqlite_template, path)
    os.chmod(path, 0o600)
    db = Database(f"sqlite:///{path}")
    with db.transaction() as session:
        factories.operator(
            session,
            "ada.admin",
            "admin",
            ADMIN_PASSWORD,
            now=utcnow(),
            totp_key=db.key("totp-key").key,
        )
        factories.operator(session, "kim.lee", "agent", "Desk-Shift-2026", now=utcnow())
        plr_learners(session)
    db.dispose()
    monkeypatch.setenv("LRS_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", ADMIN_PASSWORD)
    # A benchmark or a demo seed that the generator happens to get right stays tiny.
    real_seed = demo.seed_demo
    monkeypatch.setattr(
        demo,
        "seed_demo",
        lambda db, *, learners, **kw: real_seed(db, learners=min(learners, 2), **kw),
    )

    def no_benchmark(*_: object) -> tuple[bool, float]:
        raise ConfigurationError("(tests) no benchmark is seeded here")

    monkeypatch.setattr(bench, "prepare_database", no_benchmark)
    return folder


def values(folder: Path) -> list[str]:
    """Values a generated argument takes: real ones (so commands get past sign-in and reach
    their work) and hostile ones."""
    return [
        SIAN, "1000000043", "1234567890", "ada.admin", "kim.lee", "nobody.here", "admin",
        "agent", "org", "desk", "0", "2", "999", "-5", HUGE, "7" * 4301, "", " ", "\x00",
        "a\x00b", "line\nbreak", "\x1b]0;title\x07", "\u202e", "2008-09-01", "2008-02-30",
        "CF10 3AT", "Carys", "Asked by phone", "--", str(folder / "r.pdf"),
        str(folder / "x\x00.pdf"), str(folder / "desk.sqlite3" / "x.pdf"), "sqlite:///:memory:",
    ]  # fmt: skip


def well_formed(data: st.DataObject, parser: argparse.ArgumentParser, folder: Path) -> list[str]:
    """Arguments argparse accepts in shape (every required one, some optional ones), each
    value drawn from ``values``: these reach the command itself."""
    value = st.one_of(st.sampled_from(values(folder)), st.text(max_size=12))
    argv: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings and not (action.required or data.draw(st.booleans())):
            continue
        argv += action.option_strings[-1:]
        if action.nargs == 0:
            continue  # a flag
        choices = st.sampled_from(list(action.choices)) if action.choices else value
        count = data.draw(st.integers(1, 2)) if action.nargs in ("+", "*") else 1
        argv += [data.draw(st.one_of(choices, value)) for _ in range(count)]
    if "--operator" in argv and data.draw(st.booleans()):
        argv[argv.index("--operator") + 1] = "ada.admin"  # often, someone who may act
    return argv


def any_tokens(data: st.DataObject, parser: argparse.ArgumentParser, folder: Path) -> list[str]:
    """Tokens in any order: options of the command, values, random text."""
    options = [o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")]
    token = st.one_of(
        st.sampled_from(options) if options else st.nothing(),
        st.sampled_from(values(folder)),
        st.text(max_size=12),
    )
    return data.draw(st.lists(token, max_size=8))


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_arguments_give_one_line_and_an_exit_code(
    any_input: Path,
    command: tuple[str, ...],
    data: st.DataObject,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Item 10: generated arguments for every command: an exit code, at most one line on
    # stderr (exactly one for an error), never a traceback.
    parser = COMMANDS[command]
    shape = data.draw(st.sampled_from([well_formed, any_tokens]))
    argv = [*command, *shape(data, parser, any_input)]
    code, _, err = run(capsys, *argv)
    assert isinstance(code, int)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) <= 1, (argv, err)
    if code == EXIT_ERROR:
        assert len(lines) == 1 and lines[0].startswith("lrs-desk"), (argv, err)


# -- item 11: what LRS Desk writes is its user's alone ------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_database_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Item 11: it was -rw-r--r-- in a drwxr-xr-x folder.
    data = tmp_path / "new" / "lrs-desk"
    monkeypatch.setenv("LRS_DATA_DIR", str(data))
    assert run(capsys, "db", "upgrade")[0] == 0
    assert mode(data) == 0o700
    assert mode(data / "lrs-desk.sqlite3") == 0o600
    assert capsys.readouterr().err == ""  # nothing to tighten: made private from the start
