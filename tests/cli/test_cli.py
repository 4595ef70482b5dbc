"""The `lrs-desk` command: set-up tasks, clear errors and exit codes, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from factories import TOTP_SECRET, audit_log, desk_admin
from sqlalchemy import text

from lrs_cli.main import EXIT_AUDIT_BROKEN, EXIT_ERROR, main
from lrs_core import second_factor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.services import Services


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    return database_url


ADMIN = ["--operator", "first.admin"]


@pytest.fixture
def cli_admin(cli_db: str, monkeypatch: pytest.MonkeyPatch, clock: Callable[[], datetime]) -> str:
    """The database's first admin (the bootstrap), with their own password, which the
    commands below read from LRS_OPERATOR_PASSWORD."""
    db = Database(cli_db)
    services = Services(db, load_settings(), clock)
    otp = services.operators.bootstrap_admin("first.admin").one_time_password
    actor = services.operators.sign_in("first.admin", otp).actor
    services.operators.change_password(actor, otp, "Desk-Admin-2026")
    services.operators.confirm_enrolment(
        actor, TOTP_SECRET, second_factor.code_at(TOTP_SECRET, services.clock())
    )
    db.dispose()
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Admin-2026")
    return "first.admin"


@pytest.mark.usefixtures("cli_admin")
def test_operator_add_prints_a_one_time_password_once(cli_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["operator", "add", "nia.jones", "--role", "analyst", *ADMIN]) == 0
    out = capsys.readouterr().out
    otp = out.strip().rsplit(" ", 1)[-1]
    assert "one-time password" in out and len(otp) == 14
    assert main(["operator", "list", *ADMIN]) == 0
    listing = capsys.readouterr().out
    assert "nia.jones" in listing and "analyst" in listing and otp not in listing
    db = Database(cli_db)
    with db.engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM operator")).all())
        dump += str(connection.execute(text("SELECT * FROM audit_event")).all())
    db.dispose()
    assert otp not in dump


def test_bad_role_is_refused_by_argparse(cli_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["operator", "add", "nia.jones", "--role", "wizard"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_admin")
def test_duplicate_operator_is_one_clear_line(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["operator", "add", "nia.jones", "--role", "agent", *ADMIN])
    capsys.readouterr()
    assert main(["operator", "add", "nia.jones", "--role", "agent", *ADMIN]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.strip() == "lrs-desk: error: Username: 'nia.jones' is already taken"


@pytest.mark.usefixtures("cli_admin")
def test_audit_verify_detects_a_tampered_row(cli_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    main(["operator", "add", "nia.jones", "--role", "agent", *ADMIN])
    main(["operator", "reset-password", "nia.jones", *ADMIN])
    assert main(["audit", "verify", *ADMIN]) == 0
    # The bootstrap, first.admin's sign-in, password change and second factor; a sign-in
    # and the action for each command; and the sign-in of verify itself.
    assert "9 events verified" in capsys.readouterr().out
    db = Database(cli_db)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET action = 'nothing' WHERE sequence = 1"))
    db.dispose()
    assert main(["audit", "verify", *ADMIN]) == EXIT_AUDIT_BROKEN
    assert "BROKEN at event 1" in capsys.readouterr().err


def test_unmigrated_database_says_how_to_fix(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert main(["operator", "list", *ADMIN]) == EXIT_ERROR
    assert "run `lrs-desk db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "status"]) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "malformed"),
        ("mysql://desk@localhost/lrs", "not supported"),
        ("postgresql://desk@127.0.0.1:1/lrs", "cannot reach the database"),
    ],
)
def test_bad_database_urls_get_one_line(url: str, message: str, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_DATABASE_URL", url)
    assert main(["db", "status"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_secrets_status_never_prints_a_value(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_SECRET_INTAKE_KEY", "do-not-print-me")
    assert main(["secrets", "status"]) == 0
    out = capsys.readouterr().out
    assert "intake-key" in out and "do-not-print-me" not in out


def test_demo_data_never_goes_into_a_configured_database(cli_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    # The demo operators' passwords are published in the README.
    assert main(["demo", "seed", "--learners", "5"]) == EXIT_ERROR
    assert "refusing to seed demo data" in capsys.readouterr().err
    assert main(["demo", "seed", "--if-empty"]) == 0  # `make run` carries on, seeding nothing
    assert "skipped" in capsys.readouterr().err
    db = Database(cli_db)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM operator")).scalar_one() == 0
    db.dispose()


def test_demo_seed_into_the_embedded_database(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    assert main(["demo", "seed", "--learners", "40", "--if-empty"]) == 0
    assert "seeded 40 learners" in capsys.readouterr().out
    assert main(["demo", "seed", "--learners", "40", "--if-empty"]) == 0
    assert capsys.readouterr().out == ""  # not empty any more: nothing seeded twice


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "tail", "-n", "-5"],
        ["audit", "tail", "-n", "lots"],
        ["demo", "seed", "--learners", "-5"],
    ],
)
def test_bad_numbers_are_refused_before_anything_runs(argv: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "must be at least" in err or "not a whole number" in err


def test_unreadable_config_is_one_line(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_CONFIG", str(tmp_path))
    assert main(["config", "show"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "cannot read configuration file" in err and "Traceback" not in err


def test_a_password_in_the_url_query_is_never_printed(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_DATABASE_URL", "postgresql://desk@127.0.0.1:1/lrs?password=leak-me")
    assert main(["db", "status"]) == EXIT_ERROR
    assert main(["config", "show"]) == 0
    captured = capsys.readouterr()
    assert "leak-me" not in captured.out + captured.err


def test_learner_find_and_show_as_a_named_operator(cli_db: str, monkeypatch, capsys, clock) -> None:  # type: ignore[no-untyped-def]
    import json

    from factories import desk_admin, learner

    db = Database(cli_db)
    services = Services(db, load_settings(), clock)
    otp = services.operators.add(desk_admin(services), "kim.lee", "agent").one_time_password
    services.operators.change_password(
        services.operators.sign_in("kim.lee", otp).actor, otp, "Desk-Shift-2026"
    )
    with db.transaction() as session:
        session.add(learner("9276308686", "Zoë", "McDonald"))
    db.dispose()
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    argv = [
        "learner",
        "find",
        "--uln",
        "9276308686",
        "--given",
        "zoe",
        "--family",
        "MCDONALD",
        "--operator",
        "kim.lee",
        "--json",
    ]
    assert main(argv) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["outcome"] == "WSRC0004" and found["learner"]["given_name"] == "Zoë"

    assert main([*argv[:5], "Zara", *argv[6:]]) == 1  # a different given name: no match
    assert json.loads(capsys.readouterr().out) == {
        "outcome": "WSRC0001",
        "message": "No learner matches that ULN and name.",
        "learner": None,
    }
    assert main(["learner", "show", "9276308686", "--operator", "kim.lee"]) == 0
    assert "McDonald" in capsys.readouterr().out

    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "wrong")
    assert main(["learner", "show", "9276308686", "--operator", "kim.lee"]) == EXIT_ERROR
    assert "sign-in refused" in capsys.readouterr().err


@pytest.mark.no_authenticator
def test_an_admin_signs_in_with_a_code_and_resets_a_second_factor(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 9 item 8: CLI commands acting as an operator take the code from
    # LRS_OPERATOR_CODE (or a prompt); `operator reset-2fa NAME` is audited.
    db = Database(cli_db)
    services = Services(db, load_settings())
    for name in ("ada.admin", "bo.admin"):
        otp = services.operators.add(desk_admin(services), name, "admin").one_time_password
        actor = services.operators.sign_in(name, otp).actor
        services.operators.change_password(actor, otp, "Desk-Shift-2026")
        services.operators.confirm_enrolment(
            actor, TOTP_SECRET, second_factor.code_at(TOTP_SECRET, services.clock())
        )
    db.dispose()
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    argv = ["operator", "reset-2fa", "bo.admin", "--operator", "ada.admin"]

    assert main(argv) == EXIT_ERROR  # no code, no terminal to ask at
    assert "LRS_OPERATOR_CODE" in capsys.readouterr().err

    monkeypatch.setenv("LRS_OPERATOR_CODE", "000000")
    assert main(argv) == EXIT_ERROR
    assert "sign-in refused" in capsys.readouterr().err

    # The code used to set up is spent: the next step's code, as the app shows it shortly.
    from datetime import timedelta

    from lrs_core.db.types import utcnow

    monkeypatch.setenv(
        "LRS_OPERATOR_CODE", second_factor.code_at(TOTP_SECRET, utcnow() + timedelta(seconds=30))
    )
    assert main(argv) == 0
    assert "bo.admin" in capsys.readouterr().out
    check = Database(cli_db)
    entry = audit_log(Services(check, load_settings()), limit=1)[0]
    check.dispose()
    assert (entry.action, entry.actor) == ("reset-second-factor", "ada.admin")
