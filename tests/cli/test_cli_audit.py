"""`lrs-desk audit checkpoint | verify --checkpoint` and the embedded database's audit key
(issue 9 item 5: the keyed chain, a head kept outside the database, the key never shown)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from factories import operator
from sqlalchemy import text

from lrs_cli.main import EXIT_AUDIT_BROKEN, EXIT_ERROR, main
from lrs_core import secrets
from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.types import utcnow
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services

SECRET = "test-audit-key-not-a-real-secret"  # set by tests/conftest.py for every test


ADMIN_PASSWORD = "Desk-Admin-2026"
AS_ADMIN = ["--operator", "ada.admin"]  # the audit commands need VIEW_AUDIT (issue 9 item 4)


def _admin(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ada.admin, with TOTP_SECRET as their second factor (tests/cli/conftest.py's codes)."""
    db = Database(url)
    with db.transaction() as session:
        operator(
            session,
            "ada.admin",
            "admin",
            ADMIN_PASSWORD,
            now=utcnow(),
            totp_key=db.key("totp-key").key,
        )
    db.dispose()
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", ADMIN_PASSWORD)


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    _admin(database_url, monkeypatch)
    return database_url


AGENT = Actor("kim.lee", OperatorRole.AGENT, "Kim Lee", 7)


def _events(url: str, n: int) -> None:
    """Looks recorded by the app (not the CLI: these tests are about the audit commands)."""
    db = Database(url)
    audit = Services(db, load_settings()).audit
    for _ in range(n):
        audit.record(AGENT, "view-learner", "learner", "1000000043")
    db.dispose()


def _sql(url: str, *statements: str) -> None:
    db = Database(url)
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    db.dispose()


def _key_forms(value: str) -> list[str]:
    """The secret and the key derived from it, as they could be printed."""
    key = secrets.derive(value, "audit-key")
    return [
        value,
        key.hex(),
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode(),
    ]


def test_a_checkpoint_kept_in_a_file_catches_a_truncation(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _events(cli_db, 2)
    kept = tmp_path / "audit-checkpoints.txt"
    assert main(["audit", "checkpoint", *AS_ADMIN]) == 0
    first = capsys.readouterr()
    line = first.out.strip()
    # Two looks, then the admin's own sign-in (every command as an operator is audited).
    assert line.startswith("lrs-audit-checkpoint:3:") and len(first.out.splitlines()) == 1
    assert "keep this line outside the database" in first.err
    _events(cli_db, 2)
    assert main(["audit", "checkpoint", *AS_ADMIN]) == 0
    kept.write_text(f"{line}\n{capsys.readouterr().out}", encoding="utf-8")
    assert main(["audit", "verify", "--checkpoint", line, *AS_ADMIN]) == 0
    assert main(["audit", "verify", "--checkpoint", str(kept), *AS_ADMIN]) == 0
    assert "8 events verified, 2 checkpoints held" in capsys.readouterr().out
    # Cut back to event 5, the head set to it: no key needed, and the chain alone agrees.
    _sql(
        cli_db,
        "DELETE FROM audit_event WHERE sequence >= 6",
        "UPDATE audit_chain_head SET sequence = 5,"
        " hash = (SELECT hash FROM audit_event WHERE sequence = 5)",
    )
    assert main(["audit", "verify", "--checkpoint", str(kept), *AS_ADMIN]) == EXIT_AUDIT_BROKEN
    err = capsys.readouterr().err
    assert "BROKEN at event 6: event 6 is not the one checkpointed" in err
    assert (
        main(["audit", "verify", "--checkpoint", line, *AS_ADMIN]) == 0
    )  # the older one still holds


def test_no_checkpoint_of_a_broken_trail(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # (An empty trail cannot be reached here: the admin's own sign-in is its first event.)
    _events(cli_db, 2)
    _sql(cli_db, "UPDATE audit_event SET actor = 'someone.else' WHERE sequence = 1")
    assert main(["audit", "checkpoint", *AS_ADMIN]) == EXIT_AUDIT_BROKEN
    out, err = capsys.readouterr()
    assert out == "" and "BROKEN at event 1" in err


@pytest.mark.parametrize("value", ["lrs-audit-checkpoint:2:abc", "no-such-file.txt", "x" * 5000])
def test_a_bad_checkpoint_is_one_line_naming_it(
    cli_db: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify", "--checkpoint", value, *AS_ADMIN]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("lrs-desk: error: Checkpoint: none found") and err.count("\n") == 1


def test_the_embedded_database_makes_its_key_once_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LRS_SECRET_AUDIT_KEY")
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade", "--quiet"]) == 0
    out = capsys.readouterr().out
    where = secrets.key_file("audit-key")
    assert f"made the audit key for the embedded database; it lives in {where}" in out
    assert main(["db", "upgrade"]) == 0
    assert "made the audit key" not in capsys.readouterr().out  # once
    _events(f"sqlite:///{tmp_path / 'lrs-desk.sqlite3'}", 1)
    _admin(f"sqlite:///{tmp_path / 'lrs-desk.sqlite3'}", monkeypatch)
    assert main(["audit", "checkpoint", *AS_ADMIN]) == 0
    assert main(["audit", "verify", *AS_ADMIN]) == 0
    assert main(["secrets", "status"]) == 0
    shown = capsys.readouterr()
    assert f"audit-key: made for the embedded database, kept in {where}" in shown.out
    value = where.read_text(encoding="ascii").strip()
    for form in _key_forms(value):
        assert form not in out + shown.out + shown.err


def test_the_key_never_appears_in_output_or_the_audit_trail(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _events(cli_db, 2)
    outputs = []
    for argv in (["audit", "checkpoint"], ["audit", "verify"], ["audit", "tail"]):
        assert main([*argv, *AS_ADMIN]) == 0
        outputs.append(capsys.readouterr())
    _sql(cli_db, "UPDATE audit_event SET action = 'x' WHERE sequence = 2")
    assert main(["audit", "verify", *AS_ADMIN]) == EXIT_AUDIT_BROKEN
    outputs.append(capsys.readouterr())
    db = Database(cli_db)
    with db.engine.connect() as connection:
        stored = str(connection.execute(text("SELECT * FROM audit_event")).all())
        stored += str(connection.execute(text("SELECT * FROM audit_chain_head")).all())
    db.dispose()
    shown = "".join(o.out + o.err for o in outputs) + stored
    for form in _key_forms(SECRET):
        assert form not in shown


def test_grant_is_for_postgresql_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "grant", "lrsdesk_app"]) == EXIT_ERROR
    assert "roles are a PostgreSQL matter" in capsys.readouterr().err
