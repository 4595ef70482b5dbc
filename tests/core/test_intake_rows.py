"""An opened intake file's rows to learners (issue 13, item 5; User Guide §4.2.1 search by
personal details, §4.2.3 find by ULN; DOMAIN.md "Formats and codes": the WSRC outcome codes,
"Learner fields"): every row checked with the register's own rules (which field, which rule),
matched by ULN when it has one, else by personal details, with its outcome code and best
candidates."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from factories import TEST_NOW, learner
from sqlalchemy import event

from lrs_core.config import Settings
from lrs_core.domain.kinds import LearnerStatus, RetiredReason
from lrs_core.domain.values import OutcomeCode, permuted_uln
from lrs_core.intake import rows as module
from lrs_core.intake.rows import (
    INVALID,
    MAX_CANDIDATES,
    RowResult,
    SheetRow,
    check_row,
    learners_shown,
    match_rows,
    outcome_counts,
    result_from_json,
    result_to_json,
    row_values,
    sheet_rows,
)
from lrs_core.services import Services
from lrs_core.services.search import DemographicSearch

TODAY = TEST_NOW.date()
AVA = "1000000043"  # Ava Reed
MASTER = "1174112637"  # Priya Shah
LINKED = "9276308686"  # Priya Shah's merged-away ULN
RETIRED = "8414908070"  # Ann Gray, deceased
UNKNOWN = "5595248156"  # valid, nobody's


def _uln(n: int) -> str:
    uln = permuted_uln(n)
    assert uln
    return uln


JOSEPH = _uln(201)  # Joseph Czaja: found by his personal details


@pytest.fixture
def register(services: Services) -> Services:
    with services.db.transaction() as session:
        session.add(learner(AVA, "Ava", "Reed", date_of_birth=date(2008, 3, 14)))
        master = learner(MASTER, "Priya", "Shah", date_of_birth=date(2007, 6, 1))
        session.add(master)
        session.add(
            learner(
                RETIRED,
                "Ann",
                "Gray",
                status=LearnerStatus.RETIRED,
                retired_reason=RetiredReason.DECEASED,
            )
        )
        session.add(
            learner(
                JOSEPH,
                "Joseph",
                "Czaja",
                date_of_birth=date(2005, 10, 15),
                gender=1,
                postcode="M14 4GT",
            )
        )
        # A crowd (§4.2.2.2): Mohammed Khan spelt many ways, born 1 January at ZZ99 9ZZ.
        spellings = ("Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mohammod",
                     "Mohamad", "Mahomed", "Muhamed", "Mohammud", "Mohamud", "Mehmet")  # fmt: skip
        for n, given in enumerate(spellings):
            session.add(
                learner(
                    _uln(n + 1),
                    given,
                    "Khan",
                    date_of_birth=date(2001, 1, 1),
                    gender=1,
                    postcode="ZZ99 9ZZ",
                )
            )
        session.flush()
        session.add(
            learner(
                LINKED,
                "Priya",
                "Shah",
                date_of_birth=date(2007, 6, 1),
                status=LearnerStatus.LINKED,
                master_learner_id=master.id,
            )
        )
    return services


def matched(
    services: Services, settings: Settings, *rows: Mapping[str, str], **kwargs: Any
) -> tuple[RowResult, ...]:
    sheet = [SheetRow(n, dict(values)) for n, values in enumerate(rows, start=2)]
    with services.db.transaction(read_only=True) as session:
        return match_rows(session, sheet, DemographicSearch(settings.search), TODAY, **kwargs)


def by_uln(uln: str, given: str, family: str, dob: str = "") -> dict[str, str]:
    return {"uln": uln, "given_name": given, "family_name": family, "date_of_birth": dob}


def by_details(
    given: str, family: str, dob: str, gender: str, postcode: str, uln: str = ""
) -> dict[str, str]:
    return {
        "uln": uln,
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "gender": gender,
        "postcode": postcode,
    }


# --- by ULN (§4.2.3) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        by_uln(AVA, "Ava", "Reed", "2008-03-14"),
        by_uln(AVA, "AVA", "reed", "14/03/2008"),  # case and the date's form do not matter
        by_uln(AVA, "Ava", "Reed"),  # no date of birth: the names decide
        by_uln(f" {AVA} ", " Àva ", "Reed"),  # accents and spaces, as find by ULN reads them
    ],
)
def test_a_uln_whose_names_and_date_of_birth_agree_is_an_exact_match_wsrc0004(
    register: Services, settings: Settings, row: dict[str, str]
) -> None:
    (result,) = matched(register, settings, row)
    assert result.outcome == OutcomeCode.EXACT_MATCH == "WSRC0004"
    assert result.uln == AVA and result.errors == ()
    assert [c.uln for c in result.candidates] == [AVA]
    assert result.candidates[0].score == 1.0
    assert result.candidates[0].name == "Ava Reed"
    assert result.candidates[0].date_of_birth == "14 Mar 2008"
    assert dict(result.values) == row  # the values as sent, untouched


def test_a_merged_away_uln_is_a_linked_learner_match_wsrc0022_with_the_masters_uln(
    register: Services, settings: Settings
) -> None:
    (result,) = matched(register, settings, by_uln(LINKED, "Priya", "Shah", "2007-06-01"))
    assert result.outcome == OutcomeCode.LINKED_LEARNER_MATCH == "WSRC0022"
    assert result.uln == MASTER and [c.uln for c in result.candidates] == [MASTER]
    assert f"{LINKED} was merged into {MASTER}" in result.outcome_text


@pytest.mark.parametrize(
    ("row", "differ"),
    [
        (by_uln(AVA, "Eva", "Reed", "2008-03-14"), "the given name differs"),
        (by_uln(AVA, "Ava", "Reid", "2008-03-14"), "the family name differs"),
        (by_uln(AVA, "Ava", "Reed", "2008-03-15"), "the date of birth differs"),
        (by_uln(AVA, "Eva", "Reid", "2008-03-14"), "the given name and family name differ"),
    ],
)
def test_a_uln_found_with_other_details_is_a_possible_match_wsrc0003_naming_what_differs(
    register: Services, settings: Settings, row: dict[str, str], differ: str
) -> None:
    (result,) = matched(register, settings, row)
    assert result.outcome == OutcomeCode.POSSIBLE_MATCH == "WSRC0003"
    assert result.uln is None  # not matched: Enter offers the candidate, not a match
    assert [c.uln for c in result.candidates] == [AVA]
    assert 0 < result.candidates[0].score < 1
    assert f"ULN {AVA} is on the register, but {differ}" in result.outcome_text


def test_a_uln_nobody_holds_is_no_match_wsrc0001(register: Services, settings: Settings) -> None:
    (result,) = matched(register, settings, by_uln(UNKNOWN, "Ava", "Reed"))
    assert (result.outcome, result.uln, result.candidates) == ("WSRC0001", None, ())
    assert f"no learner has ULN {UNKNOWN}" in result.outcome_text


def test_a_retired_uln_matches_and_says_it_is_never_used_again(
    register: Services, settings: Settings
) -> None:
    # §6.1: a retired ULN is never used or issued again; the desk is told so.
    (result,) = matched(register, settings, by_uln(RETIRED, "Ann", "Gray", "2008-03-14"))
    assert result.outcome == "WSRC0004" and result.uln == RETIRED
    assert "retired (the learner is deceased)" in result.outcome_text


def test_every_uln_of_the_file_is_looked_up_in_one_query(
    register: Services, settings: Settings
) -> None:
    rows = [by_uln(AVA, "Ava", "Reed"), by_uln(UNKNOWN, "X", "Y"), by_uln(LINKED, "Priya", "Shah")]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM learner" in statement:
            statements.append(statement)

    event.listen(register.db.engine, "before_cursor_execute", count)
    try:
        results = matched(register, settings, *(rows * 20))
    finally:
        event.remove(register.db.engine, "before_cursor_execute", count)
    assert [r.outcome for r in results[:3]] == ["WSRC0004", "WSRC0001", "WSRC0022"]
    # One for the ULNs, one for the masters of merged-away ones: not one per row.
    assert len(statements) == 2


# --- by personal details (§4.2.1) ------------------------------------------------------------


def test_a_row_without_a_uln_is_found_by_its_personal_details(
    register: Services, settings: Settings
) -> None:
    (result,) = matched(
        register, settings, by_details("Joseph", "Czaja", "15/10/2005", "1", "M14 4GT")
    )
    assert result.outcome == "WSRC0004" and result.uln == JOSEPH
    assert result.candidates[0].uln == JOSEPH and result.candidates[0].score == 1.0
    assert result.outcome_text.startswith("By personal details: Exact match")


def test_details_that_nearly_agree_are_a_possible_match_with_the_candidate(
    register: Services, settings: Settings
) -> None:
    (result,) = matched(
        register, settings, by_details("Joseph", "Czaja", "2005-10-15", "1", "M14 4GU")
    )
    assert result.outcome == "WSRC0003" and result.uln is None
    assert [c.uln for c in result.candidates] == [JOSEPH]


def test_a_crowd_is_too_many_matches_wsrc0002_with_the_best_three(
    register: Services, settings: Settings
) -> None:
    # §4.2.2.2: more than 10 plausible learners; the row keeps the best three.
    (result,) = matched(
        register, settings, by_details("Mohammod", "Kahn", "2001-01-01", "1", "ZZ99 9ZZ")
    )
    assert result.outcome == "WSRC0002" and result.uln is None
    assert len(result.candidates) == MAX_CANDIDATES == 3
    assert result.candidates[0].name == "Mohammod Khan"
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)


def test_details_nobody_has_are_no_match(register: Services, settings: Settings) -> None:
    (result,) = matched(
        register, settings, by_details("Zebedee", "Quill", "1999-09-09", "1", "TR1 1AA")
    )
    assert (result.outcome, result.uln, result.candidates) == ("WSRC0001", None, ())


@pytest.mark.parametrize(("sent", "code"), [("M", "1"), ("male", "1"), (" Female ", "2"),
                                            ("2", "2"), ("not known", "0")])  # fmt: skip
def test_gender_as_spreadsheets_write_it_is_read_as_its_code(
    register: Services, settings: Settings, sent: str, code: str
) -> None:
    values, errors = check_row(by_details("Joseph", "Czaja", "2005-10-15", sent, "M14 4GT"), TODAY)
    assert errors == () and values["gender"] == int(code)


# --- rows that break a rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (by_uln("1000000063", "Ava", "Reed"), [("ULN", "check digit")]),
        (by_uln("9999999999", "Ava", "Reed"), [("ULN", "")]),  # the ILR's temporary ULN
        (by_uln(AVA, "", "Reed"), [("Given name", "is required to match by ULN")]),
        (by_uln(AVA, "Ava", "Reed", "31/02/2008"), [("Date of birth", "")]),
        (by_uln(AVA, "Ava", "Reed", "2030-01-01"), [("Date of birth", "in the future")]),
        (by_uln(AVA, "Ava3", "Reed"), [("Given name", "")]),
        (
            by_details("Joseph", "Czaja", "2005-10-15", "", ""),
            [("Postcode", "is required to match without a ULN"), ("Gender", "is required")],
        ),
        (by_details("Joseph", "Czaja", "2005-10-15", "7", "M14 4GT"), [("Gender", "one of")]),
        (by_details("Joseph", "Czaja", "2005-10-15", "1", "NOT A CODE"), [("Postcode", "")]),
        (
            by_details("J0seph", "Czaja", "15/15/2005", "5", "M14 4GT", uln="123"),
            [("ULN", "10 digits"), ("Given name", ""), ("Date of birth", ""), ("Gender", "")],
        ),
    ],
)
def test_a_row_breaking_a_rule_is_invalid_naming_each_field_and_its_rule(
    register: Services,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    row: dict[str, str],
    errors: list[tuple[str, str]],
) -> None:
    def no_search(*_: Any) -> None:
        raise AssertionError("an invalid row is never searched for")

    monkeypatch.setattr(DemographicSearch, "run", no_search)
    (result,) = matched(register, settings, row)
    assert result.outcome == INVALID and result.uln is None and result.candidates == ()
    assert sorted(f for f, _ in result.errors) == sorted(f for f, _ in errors)
    said = dict(result.errors)
    for field, rule in errors:
        assert rule in said[field], (field, said[field])
        assert said[field]  # every refusal says which rule
    for field, _ in errors:
        assert field in result.outcome_text


def test_errors_come_in_the_batch_fields_order(register: Services, settings: Settings) -> None:
    row = {"postcode": "XX", "date_of_birth": "nope", "family_name": "", "given_name": "",
           "uln": "12"}  # fmt: skip
    _, errors = check_row(row, TODAY)
    # DOMAIN.md "Learner fields": ULN, ... GivenName, ... FamilyName, ... LastKnownPostCode,
    # DateOfAddressCapture, DateOfBirth...
    assert [f for f, _ in errors] == ["ULN", "Given name", "Family name", "Postcode",
                                      "Date of birth"]  # fmt: skip


def test_other_learner_fields_are_checked_by_their_own_rules(register: Services) -> None:
    row = by_uln(AVA, "Ava", "Reed") | {"email": "not-an-email", "upn": "B801200005002"}
    _, errors = check_row(row, TODAY)
    assert {f for f, _ in errors} == {"Email", "UPN"}


# --- the sheet, the counts and the looks ----------------------------------------------------


def test_columns_are_mapped_to_fields_and_rows_numbered_under_the_header() -> None:
    mapping = {0: "family_name", 2: "given_name", 5: "uln"}
    assert row_values(["Reed ", "x", " Ava"], mapping) == {
        "family_name": "Reed",
        "given_name": "Ava",
        "uln": "",  # a short row's missing cells are blank
    }
    rows = sheet_rows([["Reed", "", "Ava"], ["Shah", "", "Priya"]], mapping)
    assert [r.number for r in rows] == [2, 3]  # the header is row 1


def test_progress_hears_every_row_and_the_counts_and_looks_follow_the_results(
    register: Services, settings: Settings
) -> None:
    heard: list[tuple[int, int]] = []
    results = matched(
        register,
        settings,
        by_uln(AVA, "Ava", "Reed"),
        by_uln(AVA, "Eva", "Reed"),
        by_uln("1", "Ava", "Reed"),
        by_details("Mohammod", "Kahn", "2001-01-01", "1", "ZZ99 9ZZ"),
        progress=lambda done, total, _what: heard.append((done, total)),
    )
    assert heard == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert outcome_counts(results) == {"INVALID": 1, "WSRC0002": 1, "WSRC0003": 1, "WSRC0004": 1}
    shown = learners_shown(results)
    assert shown[AVA] == (2, 3)  # one look per learner, naming the rows that showed them
    assert len(shown) == 1 + 3  # Ava, and the crowd's best three
    assert all(n == (5,) for uln, n in shown.items() if uln != AVA)


def test_a_result_survives_its_sealed_form(register: Services, settings: Settings) -> None:
    results = matched(register, settings, by_uln(AVA, "Ava", "Reed"), by_uln("1", "Ava", "Reed"))
    assert tuple(result_from_json(result_to_json(r)) for r in results) == results


def test_the_service_results_are_the_rows_module_s() -> None:
    # The service's public names stay where the screens import them from.
    from lrs_core.services import intake

    assert intake.RowResult is module.RowResult and intake.Candidate is module.Candidate


@pytest.mark.parametrize("first", ["lrs_core.intake.rows", "lrs_core.services.intake"])
def test_either_module_imports_first(first: str) -> None:
    # lrs_core.services imports the intake service, which imports the rows module: neither
    # may need the other half-made (a screen may import the rows module first).
    subprocess.run([sys.executable, "-c", f"import {first}"], check=True)
