"""`lrs-desk learner find/register/update`: the same rules, outcome codes and audit as the TUI
(DOMAIN.md "Learners and ULNs", §4.2.1-§4.2.4; "Formats and codes", WSRC codes)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from factories import audit_log, learner

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.services import Services

OP = ["--operator", "kim.lee"]
TWIN_A = "9276308686"


@pytest.fixture
def cli(
    services: Services, agent: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Services:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    with services.db.transaction() as session:
        session.add(learner(TWIN_A, "Ffion", "Rees-Evans", date_of_birth=date(2008, 9, 1),
                            postcode="CF10 3AT"))  # fmt: skip
    return services


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


DETAILS = ["--given", "Ffion", "--dob", "2008-09-01", "--gender", "2", "--postcode", "cf103at"]


@pytest.mark.usefixtures("cli")
def test_find_by_personal_details_prints_ranked_candidates_as_json(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "learner", "find", *DETAILS, "--family", "Rees Evans", *OP, "--json")
    assert code == 0
    found = json.loads(out)
    assert found["outcome"] == "WSRC0004"
    top = found["candidates"][0]
    assert (top["uln"], top["score"], top["exact"]) == (TWIN_A, 1.0, True)
    assert top["reasons"][0].startswith("exact: given name, family name")

    code, out, _ = run(capsys, "learner", "find", *DETAILS, "--family", "Evans", *OP)
    assert code == 0
    assert out.startswith("WSRC0003") and TWIN_A in out and "double-barrelled" in out


@pytest.mark.usefixtures("cli")
def test_find_prints_weaker_candidates_apart_and_labelled(capsys) -> None:  # type: ignore[no-untyped-def]
    # Issue 10 item 10: married and moved, neither recorded. Never a match (WSRC0001, exit 1),
    # but shown under their own label, and in --json under their own key.
    married = ["--given", "Ffion", "--family", "Okoro", "--dob", "2008-09-01", "--gender", "9",
               "--postcode", "M14 5RT"]  # fmt: skip
    code, out, _ = run(capsys, "learner", "find", *married, *OP)
    assert code == 1
    assert out.startswith("WSRC0001") and "ask the caller for a previous family name" in out
    assert f"Weaker candidates \u2014 not a match:\n 1. {TWIN_A}" in out
    code, out, _ = run(capsys, "learner", "find", *married, *OP, "--json")
    found = json.loads(out)
    assert found["outcome"] == "WSRC0001" and found["candidates"] == []
    assert [c["uln"] for c in found["weaker"]] == [TWIN_A]
    assert "a previous family name" in found["ask_caller"]


@pytest.mark.usefixtures("cli")
def test_find_with_a_missing_field_names_it(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "learner", "find", "--given", "Ffion", "--family", "Rees", *OP)
    assert code == EXIT_ERROR
    assert err.startswith("lrs-desk: error: Date of birth: is required")
    code, _, err = run(capsys, "learner", "find", "--uln", TWIN_A, *DETAILS, "--family", "R", *OP)
    assert code == EXIT_ERROR and "not both" in err


REGISTER = ["learner", "register", "--given-name", "Carys", "--family-name", "Rees-Evans",
            "--date-of-birth", "2008-09-01", "--gender", "2", "--postcode", "CF10 3AT",
            "--verification-type", "1", "--ability-to-share", "1", *OP]  # fmt: skip


def test_register_asks_for_confirmation_of_possible_matches(cli: Services, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, *REGISTER)
    assert code == 1
    assert "WSRC0003" in out and TWIN_A in out and f"--confirm {TWIN_A}" in out
    code, out, _ = run(capsys, *REGISTER, "--confirm", TWIN_A, "--json")
    assert code == 0
    registered = json.loads(out)
    new_uln = registered["uln"]
    assert registered["outcome"] == "WSRC0004" and new_uln != TWIN_A
    # The same key data again is refused (§4.2.4), and nothing is written.
    code, out, _ = run(capsys, *REGISTER, "--confirm", f"{TWIN_A},{new_uln}", "--json")
    assert code == 1
    refused = json.loads(out)
    assert (refused["outcome"], refused["identical_uln"], refused["uln"]) == (
        "WSRC0021", new_uln, None,
    )  # fmt: skip
    registers = [e for e in audit_log(cli, limit=20) if e.action == "register-learner"]
    assert [e.outcome for e in registers] == ["failed", "ok", "failed"]


@pytest.mark.usefixtures("cli")
def test_register_with_bad_fields_names_every_one(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "learner", "register", "--given-name", "Carys", "--email", "none",
                       *OP)  # fmt: skip
    assert code == EXIT_ERROR
    assert "Family name: is required" in err and 'Email: must not be the word "none"' in err
    assert len(err.strip().splitlines()) == 1


def test_update_moves_the_old_family_name_and_refuses_identical_data(
    cli: Services,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    code, out, _ = run(capsys, "learner", "update", TWIN_A, "--family-name", "Morgan", *OP)
    assert code == 0
    assert "previous_family_name             Rees-Evans" in out
    code, out, _ = run(capsys, *REGISTER, "--family-name", "Rees-Evans", "--given-name", "Nia",
                       "--confirm", TWIN_A, "--json")  # fmt: skip
    nia = json.loads(out)["uln"]
    code, _, err = run(capsys, "learner", "update", nia, "--family-name", "Morgan",
                       "--given-name", "Ffion", *OP)  # fmt: skip
    assert code == 1
    assert err.startswith("lrs-desk: WSRC0021: Learner update not allowed")
    code, _, err = run(capsys, "learner", "update", nia, *OP)
    assert code == EXIT_ERROR and "at least one field" in err


@pytest.mark.usefixtures("cli")
@pytest.mark.parametrize("typed", ["1/9/2008", "01/09/08", "1 Sep 2008", "1-Sept-2008"])
def test_dates_are_typed_day_first_and_shown_in_the_house_style(capsys, typed: str) -> None:  # type: ignore[no-untyped-def]
    # Issue 10 item 2: the same core parser as the app; shown as 1 Sep 2008, --json stays ISO.
    details = [
        "--given",
        "Ffion",
        "--family",
        "Rees-Evans",
        "--gender",
        "2",
        "--postcode",
        "cf103at",
    ]
    code, out, _ = run(capsys, "learner", "find", *details, "--dob", typed, *OP)
    assert code == 0 and "born 1 Sep 2008" in out
    code, out, _ = run(capsys, "learner", "find", *details, "--dob", typed, *OP, "--json")
    assert json.loads(out)["candidates"][0]["date_of_birth"] == "2008-09-01"
    code, out, _ = run(capsys, "learner", "show", TWIN_A, *OP)
    assert "date_of_birth" in out and "1 Sep 2008" in out and "2008-09-01" not in out


@pytest.mark.usefixtures("cli")
def test_an_ambiguous_date_is_refused_naming_the_option_field(capsys) -> None:  # type: ignore[no-untyped-def]
    details = ["--given", "Ffion", "--family", "Rees", "--gender", "2", "--postcode", "cf103at"]
    code, _, err = run(capsys, "learner", "find", *details, "--dob", "09/25/2008", *OP)
    assert code == EXIT_ERROR
    assert err.startswith("lrs-desk: error: Date of birth: 09/25/2008 has no month 25")
    code, _, err = run(capsys, "learner", "update", TWIN_A, "--date-of-birth", "1/9/14", *OP)
    assert code == EXIT_ERROR and "write the year in four digits" in err
