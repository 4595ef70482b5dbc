"""`lrs-desk plr show/report`: the PLR's privacy rules and audit from the command line
(DOMAIN.md "Personal Learning Record": Appendix E, §5.4)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from factories import learner
from pypdf import PdfReader

from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.db.models import LearningEvent
from lrs_core.services import Services

ULN = "9276308686"
OP = ["--operator", "kim.lee"]
REASON = ["--reason", "Learner on the phone asking for their record"]


@pytest.fixture
def plr_ids(
    services: Services, agent: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", "Desk-Shift-2026")
    with services.db.transaction() as session:
        person = learner(ULN, "Zoë", "Nowak")
        session.add(person)
        session.flush()
        events = [
            LearningEvent(learner_id=person.id, subject="Biology", source="NPD", level="2",
                          grade="6", award_date=date(2023, 8, 24), date_loaded=date(2023, 9, 1)),
            LearningEvent(learner_id=person.id, subject="Counselling skills", source="AO",
                          award_date=date(2024, 6, 1), date_loaded=date(2024, 6, 2),
                          sensitive=True),
        ]  # fmt: skip
        session.add_all(events)
        session.flush()
        return [e.id for e in events]


def test_plr_show_in_both_views(plr_ids: list[int], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["plr", "show", ULN, "--view", "org", "--json", *OP]) == 0
    org = json.loads(capsys.readouterr().out)
    assert [e["subject"] for e in org["events"]] == ["Biology"] and org["hidden"] == 1
    assert main(["plr", "show", ULN, *OP]) == EXIT_ERROR
    assert "restricted (1 sensitive event)" in capsys.readouterr().err
    assert main(["plr", "show", ULN, *OP, *REASON]) == 0
    out = capsys.readouterr().out
    assert "Counselling skills" in out and "Biology" in out


def test_plr_report_writes_the_chosen_events(
    plr_ids: list[int],
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "zoe.pdf"
    args = ["plr", "report", ULN, "--out", str(out), *OP, *REASON]
    assert main([*args, "--exclude", str(plr_ids[1])]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (1 event)"
    text = PdfReader(out).pages[0].extract_text()
    assert "Biology" in text and "Counselling" not in text and "Zoë Nowak" in text
    assert main(args) == EXIT_ERROR
    assert "already exists" in capsys.readouterr().err


def test_plr_report_refuses_a_folder_that_does_not_exist(
    plr_ids: list[int],
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    # Issue 10 item 6: the command never makes the folder a mistyped --out names.
    out = tmp_path / "reprots" / "zoe.pdf"
    assert main(["plr", "report", ULN, "--out", str(out), *OP, *REASON]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert f"the folder {tmp_path / 'reprots'} does not exist" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "reprots").exists()
