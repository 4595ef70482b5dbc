"""`lrs-desk challenge ...`: the same rules, refusals and audit as the TUI (issue 11 item 6;
DOMAIN.md "Data challenges", User Guide §6.1-6.4)."""

from __future__ import annotations

import json

import pytest
from factories import DUP_MASTER, DUP_SECOND, analyst, audit_log, challenge_learners

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.services import Services

ANA = ["--operator", "ana.lyst"]
RAISE = [
    "challenge", "raise", "--type", "duplicate-uln", "--uln", DUP_MASTER, "--other-uln",
    DUP_SECOND, "--reason", "Lived at both addresses.", "--raiser-name", "R. Patel",
    "--raiser-email", "r.patel@example.org", "--raiser-phone", "0113 496 0000",
]  # fmt: skip
REFERENCE = f"DC-{DUP_MASTER}-0001"


@pytest.fixture
def cli(services: Services, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Ana-Lyst-2026")
    with services.db.transaction() as session:
        challenge_learners(session)
    analyst(services)
    return services


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_raise_list_claim_merge_with_preview(
    cli: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *RAISE, *ANA, "--json")
    assert code == 0 and json.loads(out)["row"]["reference"] == REFERENCE
    code, out, _ = run(capsys, "challenge", "list", *ANA)
    assert code == 0 and REFERENCE in out and "support hours (" in out
    code, out, _ = run(capsys, "challenge", "claim", REFERENCE, "--expect-version", "1", *ANA)
    assert code == 0 and "In progress" in out and "ana.lyst" in out
    code, out, _ = run(capsys, "challenge", "merge", REFERENCE, "--preview", *ANA)
    assert code == 0 and out.startswith("preview: nothing has been changed") and DUP_SECOND in out
    code, out, _ = run(capsys, "challenge", "merge", REFERENCE, *ANA)
    assert code == 0 and out.startswith("done:")
    code, out, _ = run(capsys, "challenge", "show", REFERENCE, *ANA, "--json")
    shown = json.loads(out)
    assert shown["row"]["status"] == "resolved" and shown["changes"][0]["kind"] == "merge"
    assert {e.action for e in audit_log(cli, limit=30)} >= {
        "raise-challenge", "claim-challenge", "preview-challenge-merge", "challenge-merge",
    }  # fmt: skip


def test_refusals_print_one_line_and_exit_2(
    cli: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *RAISE[:-1], "12345", *ANA)
    assert code == EXIT_ERROR and err.count("\n") == 1 and "Raiser phone" in err
    run(capsys, *RAISE, *ANA)
    code, _, err = run(capsys, "challenge", "claim", REFERENCE, "--expect-version", "7", *ANA)
    assert code == EXIT_ERROR and "changed after you opened it" in err
    code, _, err = run(capsys, "challenge", "resolve", REFERENCE, "Done.", *ANA)
    assert code == EXIT_ERROR and "claim it first" in err
    code, out, _ = run(capsys, "challenge", "list", "--status", "resolved", *ANA)
    assert code == 1 and out.startswith("0 of 0")
