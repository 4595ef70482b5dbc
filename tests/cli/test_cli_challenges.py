"""`lrs-desk challenge ...`: data challenges from the command line with the same rules,
refusals and audit as the TUI (issue 11 item 6; DOMAIN.md "Data challenges" and "Service
levels"; User Guide §6.1-§6.4). Every refusal is one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from factories import (
    DUP_MASTER,
    DUP_SECOND,
    MERGED_LINKED,
    MERGED_MASTER,
    RETIRED,
    TARGET,
    TWIN_A,
    TWIN_B,
    analyst,
    audit_log,
    challenge_learners,
    event,
)
from sqlalchemy import func, select

from lrs_cli.main import EXIT_ERROR, build_parser, main
from lrs_core.actor import Actor
from lrs_core.db.models import (
    DataChallenge,
    DataChallengeNote,
    Learner,
    LearningEvent,
    Organisation,
    RecordChange,
)
from lrs_core.domain.kinds import OrganisationKind
from lrs_core.domain.text import BIDI_CONTROLS
from lrs_core.services import Services
from lrs_core.services.challenges import ChallengeService

PASSWORDS = {"kim.lee": "Desk-Shift-2026", "ana.lyst": "Ana-Lyst-2026", "ben.lyst": "Ben-Lyst-2026"}
RAISER = ["--raiser-name", "R. Patel", "--raiser-email", "r.patel@example.org",
          "--raiser-phone", "0113 496 0000"]  # fmt: skip
DUPLICATE = ["challenge", "raise", DUP_MASTER, "--type", "duplicate-uln", "--other-uln",
             DUP_SECOND, "--reason", "The learner lived at both addresses.", *RAISER]  # fmt: skip
HOSTILE = json.loads((Path(__file__).parent.parent / "data/hostile-text.json").read_text())


@pytest.fixture
def desk(
    services: Services, agent: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, int]:
    """The challenge learners (tests/factories.py), an agent (kim.lee), two analysts
    (ana.lyst, ben.lyst) and a college, reached by the database URL; the events' ids."""
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    with services.db.transaction() as session:
        session.add(
            Organisation(ukprn="10012345", name="Northgate College", kind=OrganisationKind.COLLEGE)
        )
        events = challenge_learners(session)
    analyst(services)
    analyst(services, "ben.lyst", "Ben-Lyst-2026")
    return events


class Desk:
    """Runs `lrs-desk` as one operator or another (their password in the environment)."""

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

    def raised(self, *argv: str) -> str:
        found = self.json("kim.lee", *(argv or DUPLICATE))
        return str(found["row"]["reference"])


@pytest.fixture
def run(
    desk: dict[str, int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Desk:
    return Desk(capsys, monkeypatch)


def challenges(services: Services) -> int:
    with services.db.transaction(read_only=True) as session:
        return int(session.execute(select(func.count()).select_from(DataChallenge)).scalar_one())


def timeline(services: Services) -> int:
    with services.db.transaction(read_only=True) as session:
        counted = select(func.count()).select_from(DataChallengeNote)
        return int(session.execute(counted).scalar_one())


# --- raise (§6.1-§6.3) ------------------------------------------------------------------------


def test_an_agent_raises_a_duplicate_and_its_reference_contains_the_uln(
    run: Desk, services: Services
) -> None:
    # §6.2: every challenge gets a reference that contains the learner's ULN.
    code, out, err = run("kim.lee", *DUPLICATE, "--organisation", "10012345")
    assert code == 0, err
    assert out.startswith(f"raised DC-{DUP_MASTER}-0001: Duplicate ULN")
    assert "due in 360 support hours" in out
    assert (
        err
        == "lrs-desk: note: the two learners' postcode differ (the reason given is kept with it)\n"
    )
    found = run.json("kim.lee", *DUPLICATE, "--master", "other", "--raiser-name", "Zoë Nowak")
    assert found["raiser_name"] == "Zoë Nowak"  # --json is ASCII: \u00eb on the wire
    row = found["row"]
    assert isinstance(row, dict)
    assert row["reference"] == f"DC-{DUP_MASTER}-0002"
    assert (row["status"], row["challenge_type"], row["kind"]) == ("open", "duplicate-uln", "uln")
    assert found["master_uln"] == DUP_SECOND and found["other_uln"] == DUP_SECOND
    assert row["raised_at"].endswith("+00:00") and "T" in row["raised_at"]
    clock = row["clock"]
    assert isinstance(clock, dict) and clock["budget_seconds"] == 360 * 3600
    raises = [e for e in audit_log(services, limit=20) if e.action == "raise-challenge"]
    assert [(e.actor, e.outcome) for e in raises] == [("kim.lee", "ok")] * 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--other-uln", "1000000013"], "Other ULN: check digit is wrong"),
        (["--other-uln", "1000000124"], "Other ULN: no learner has ULN 1000000124"),
        (["--other-uln", DUP_MASTER], f"Other ULN: {DUP_MASTER} is this learner's own ULN"),
        (["--other-uln", MERGED_LINKED], f"merged into {MERGED_MASTER}: use the master"),
        (["--other-uln", RETIRED], f"Other ULN: {RETIRED} is retired"),
        (["--other-uln", DUP_SECOND, "--reason", ""], "Reason: is required"),
    ],
)
def test_a_duplicate_with_bad_ulns_is_refused_naming_the_field(
    run: Desk, services: Services, argv: list[str], message: str
) -> None:
    # Issue 11 "Bad input": unknown ULN, bad check digit, itself, linked, retired; a
    # duplicate whose key data differ needs a reason (§6.1). Nothing is written.
    err = run.refused("kim.lee", "challenge", "raise", DUP_MASTER, "--type", "duplicate-uln",
                      *RAISER, *argv)  # fmt: skip
    assert err.startswith("lrs-desk: error: ") and message in err
    assert challenges(services) == 0


def test_a_bad_uln_and_bad_raiser_details_are_all_named_on_one_line(
    run: Desk, services: Services
) -> None:
    err = run.refused("kim.lee", "challenge", "raise", "123", "--type", "deceased",
                      "--raiser-email", "nobody", "--raiser-phone", "12")  # fmt: skip
    for field in ("ULN:", "Raiser name: is required", "Raiser email:", "Raiser phone:",
                  "Comments: is required"):  # fmt: skip
        assert field in err
    assert challenges(services) == 0


@pytest.mark.parametrize(
    ("kind", "advice"),
    [("missing-qualification", "contact the awarding organisation"),
     ("date-of-birth-wrong", "updating the learner's details")],
)  # fmt: skip
def test_what_is_not_a_challenge_is_refused_with_the_guidance(
    run: Desk, services: Services, kind: str, advice: str
) -> None:
    # §6.1: a missing qualification, or a name/address/DOB/opt-out error, is not a challenge.
    err = run.refused("kim.lee", "challenge", "raise", DUP_MASTER, "--type", kind, *RAISER)
    assert advice in err and "§6.1" in err
    assert challenges(services) == 0
    err = run.refused("kim.lee", "challenge", "raise", DUP_MASTER, "--type", "merge", *RAISER)
    assert "Type: must be one of duplicate-uln" in err


def test_event_challenges_take_their_events_and_details(
    run: Desk, desk: dict[str, int], services: Services
) -> None:
    # §6.3.1-§6.3.3: information wrong proposes values (never for the current ILR return);
    # does-not-belong transfers name the target and its learner's name; appears-more-than-once
    # takes exactly two events, neither a participation record.
    event = ["challenge", "raise", DUP_MASTER, *RAISER]
    wrong = [*event, "--type", "event-information-wrong", "--event", str(desk["maths"])]
    found = run.json("kim.lee", *wrong, "--grade", "4", "--award-date", "24/8/2023")
    assert (found["proposed_grade"], found["proposed_award_date"]) == ("4", "2023-08-24")
    err = run.refused("kim.lee", *wrong[:-2], "--event", str(desk["ilr-now"]), "--grade", "4")
    assert "current ILR return" in err
    err = run.refused("kim.lee", *wrong)
    assert "Proposed values: give at least one" in err

    belong = [*event, "--type", "event-not-belonging", "--event", str(desk["english"]),
              "--action", "transfer", "--target-uln", TARGET]  # fmt: skip
    found = run.json("kim.lee", *belong, "--target-name", "jon SMITH")
    assert (found["event_action"], found["target_name"]) == ("transfer", "jon SMITH")
    err = run.refused("kim.lee", *belong, "--target-given", "John", "--target-family", "Smith")
    assert f"Target name: does not match the learner with ULN {TARGET}" in err
    err = run.refused("kim.lee", *belong[:-4], "--action", "move")
    assert "Event action: must be disputed, remove or transfer" in err

    twice = [*event, "--type", "event-duplicated", "--event", str(desk["maths"])]
    err = run.refused("kim.lee", *twice, "--not-participation")
    assert "select exactly two qualifications" in err and "(you selected 1)" in err
    three = [*twice, "--event", str(desk["maths-again"]), "--event", str(desk["english"])]
    assert "(you selected 3)" in run.refused("kim.lee", *three, "--not-participation")
    two = three[:-2]
    assert "Participation check" in run.refused("kim.lee", *two)
    found = run.json("kim.lee", *two, "--not-participation")
    assert [e["id"] for e in found["events"]] == [desk["maths"], desk["maths-again"]]
    assert challenges(services) == 3


def test_an_event_is_a_whole_number(run: Desk) -> None:
    err = run.refused("kim.lee", "challenge", "raise", DUP_MASTER, "--type",
                      "event-duplicated", "--event", "maths")  # fmt: skip
    assert "argument --event: 'maths' is not a whole number" in err


# --- the queue, the detail and the history (§6.4) ---------------------------------------------


def test_the_queue_lists_open_work_by_due_time_with_filters(run: Desk) -> None:
    first = run.raised()
    twins = run.raised("challenge", "raise", TWIN_A, "--type", "duplicate-uln", "--other-uln",
                       TWIN_B, "--reason", "Same person, typo", *RAISER)  # fmt: skip
    code, out, _ = run("ana.lyst", "challenge", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(first) and lines[1].startswith(twins)  # raised first, due first
    assert lines[0].split()[1:5] == ["open", "duplicate-uln", "Priya", "Shah"]
    # The commands run on the real clock, a minute apart: 360 support hours less a minute in
    # desk hours, all 360 outside them.
    assert "unassigned" in lines[0] and re.search(r"due in 3(59|60) support hours \(", lines[0])
    assert lines[-1] == "2 shown (1-2 of 2)"
    run("ana.lyst", "challenge", "claim", twins)
    found = run.json("ana.lyst", "challenge", "list", "--assignee", "mine")
    assert found["total"] == 1
    rows = found["challenges"]
    assert isinstance(rows, list) and rows[0]["reference"] == twins
    assert rows[0]["assignee"] == "ana.lyst" and rows[0]["status"] == "in-progress"
    assert set(rows[0]["clock"]) >= {"due_at", "remaining_seconds", "warning", "breached"}
    found = run.json("ana.lyst", "challenge", "list", "--status", "open", "--kind", "uln")
    assert [r["reference"] for r in found["challenges"]] == [first]
    found = run.json("kim.lee", "challenge", "list", "--type", "event-duplicated")
    assert found == {"total": 0, "offset": 0, "challenges": []}
    found = run.json("kim.lee", "challenge", "list", "--sort", "reference", "--limit", "1",
                     "--offset", "1")  # fmt: skip
    assert found["total"] == 2 and [r["reference"] for r in found["challenges"]] == [twins]
    code, out, _ = run("kim.lee", "challenge", "list", "--limit", "1")
    assert out.splitlines()[-1] == "1 shown (1-1 of 2); --offset 1 for the next"
    err = run.refused("kim.lee", "challenge", "list", "--sort", "age")
    assert "argument --sort: invalid choice" in err


def test_show_puts_the_two_learners_side_by_side_and_warns_of_twins(run: Desk) -> None:
    # Issue 11 item 4: the matching engine's levels, and "possible twins" when family name,
    # date of birth and postcode agree but the given names differ (said when raised, too).
    code, out, err = run("kim.lee", "challenge", "raise", TWIN_A, "--type", "duplicate-uln",
                         "--other-uln", TWIN_B, "--reason", "One learner", *RAISER)  # fmt: skip
    assert code == 0 and err.startswith("lrs-desk: note: Possible twins: the same family name")
    ref = out.split()[1].rstrip(":")
    code, out, _ = run("kim.lee", "challenge", "show", ref)
    assert code == 0
    assert f"ULN {TWIN_A}" in out and f"ULN {TWIN_B}" in out
    given = next(line for line in out.splitlines() if line.startswith("Given name"))
    assert "Ella" in given and "Emma" in given and given.endswith("*")
    assert any(line.startswith("Family name") and "exact" in line for line in out.splitlines())
    assert "WARNING: possible twins" in out
    assert "Timeline:" in out and "kim.lee" in out and "raised" in out
    assert out.rstrip().endswith("You may: withdraw")  # an agent reads and withdraws
    found = run.json("ana.lyst", "challenge", "show", ref)
    comparison = found["comparison"]
    assert isinstance(comparison, dict) and comparison["possible_twins"] is True
    assert found["moves"] == ["claim", "withdraw"]
    assert found["learner"]["date_of_birth"] == "2008-08-08"


def test_the_history_lists_every_challenge_on_a_learner(run: Desk) -> None:
    ref = run.raised()
    found = run.json("kim.lee", "challenge", "history", DUP_SECOND)  # named as the other ULN
    assert [r["reference"] for r in found["challenges"]] == [ref]
    code, out, _ = run("kim.lee", "challenge", "history", TARGET)
    assert code == 0 and out.strip() == "0 challenges on this learner"
    assert "no learner has ULN 1000000124" in run.refused(
        "kim.lee", "challenge", "history", "1000000124"
    )


@pytest.mark.parametrize("reference", ["DC-123", "DC-1000000019-9999"])
def test_an_unknown_reference_is_one_line(run: Desk, reference: str) -> None:
    err = run.refused("kim.lee", "challenge", "show", reference)
    assert "must look like DC-1234567894-0001" in err or "no data challenge has reference" in err


# --- claims and status changes ---------------------------------------------------------------


def test_an_agent_may_not_claim_and_the_refusal_is_audited(run: Desk, services: Services) -> None:
    ref = run.raised()
    err = run.refused("kim.lee", "challenge", "claim", ref)
    assert err == (
        "lrs-desk: error: the agent role may not do this: resolve data challenges"
        " (merges, de-merges, events)"
    )
    claims = [e for e in audit_log(services, limit=10) if e.action == "claim-challenge"]
    assert [(e.actor, e.outcome) for e in claims] == [("kim.lee", "denied")]


def test_claimed_by_someone_else_names_who(run: Desk, services: Services) -> None:
    # Issue 11 item 2: the other analyst is told who has it; nothing is written.
    ref = run.raised()
    code, out, _ = run("ana.lyst", "challenge", "claim", ref)
    assert code == 0 and out.startswith(f"{ref}: claimed")
    assert "status In progress" in out
    before = timeline(services)
    err = run.refused("ben.lyst", "challenge", "claim", ref)
    assert f"{ref} is claimed by ana.lyst since" in err
    err = run.refused("ben.lyst", "challenge", "resolve", ref, "--reason", "Merged.")
    assert "claimed by ana.lyst" in err
    assert timeline(services) == before


def test_a_stale_version_is_refused_with_what_changed(run: Desk, services: Services) -> None:
    ref = run.raised()
    version = run.json("ana.lyst", "challenge", "show", ref)["row"]["row_version"]
    run("ana.lyst", "challenge", "note", ref, "Called the college.")
    before = timeline(services)
    err = run.refused("ana.lyst", "challenge", "claim", ref, "--version", str(version))
    assert "changed after you opened it; nothing was saved" in err
    assert "Called the college." in err
    assert timeline(services) == before
    code, _, _ = run("ana.lyst", "challenge", "claim", ref)  # on the version it reads now
    assert code == 0


def test_the_status_table_from_the_command_line(run: Desk) -> None:
    # Issue 11 item 2 and Service levels: awaiting information pauses the clock; a referral
    # stops it; the AO's confirmation brings it back; resolve, reopen, reject; then closed.
    ref = run.raised()
    assert "claim it first" in run.refused("ana.lyst", "challenge", "resolve", ref,
                                           "--reason", "Merged.")  # fmt: skip
    run("ana.lyst", "challenge", "claim", ref)
    found = run.json("ana.lyst", "challenge", "await", ref, "--note", "Asked for proof.")
    assert found["row"]["status"] == "awaiting-information"
    assert found["row"]["clock"]["paused"] is True
    code, out, _ = run("ana.lyst", "challenge", "resume", ref)
    assert code == 0 and "resumed (clock restarted)" in out
    run("ana.lyst", "challenge", "refer", ref, "--note", "Asked the AO.")
    found = run.json("ana.lyst", "challenge", "ao-answer", ref, "--answer", "Grade 4.",
                     "--confirmed")  # fmt: skip
    assert found["row"]["status"] == "in-progress" and found["ao_answer"] == "Grade 4."
    code, out, _ = run("ana.lyst", "challenge", "resolve", ref, "--reason", "Merged the ULNs.")
    assert code == 0 and "resolved: Merged the ULNs." in out and "status Resolved" in out
    err = run.refused("ana.lyst", "challenge", "resolve", ref, "--reason", "Again.")
    assert "already resolved (by ana.lyst)" in err
    err = run.refused("ben.lyst", "challenge", "reject", ref, "--reason", "No.")
    assert "already resolved (by ana.lyst)" in err
    found = run.json("ben.lyst", "challenge", "reopen", ref, "--reason", "Wrong learner.")
    assert (found["row"]["status"], found["row"]["assignee"]) == ("in-progress", "ben.lyst")
    run("ben.lyst", "challenge", "reject", ref, "--reason", "Not a duplicate.")
    assert "already rejected" in run.refused("kim.lee", "challenge", "withdraw", ref,
                                              "--reason", "Raiser asked.")  # fmt: skip


def test_the_raiser_withdraws_through_an_agent(run: Desk) -> None:
    # §6.4: the raiser can withdraw theirs.
    ref = run.raised()
    run("ana.lyst", "challenge", "claim", ref)
    code, out, _ = run("kim.lee", "challenge", "withdraw", ref, "--reason", "Raised in error.")
    assert code == 0 and "withdrawn at the raiser's request" in out
    assert "reason" in run.refused("kim.lee", "challenge", "withdraw", ref)  # argparse: required


def test_ao_answer_needs_confirmed_or_declined(run: Desk) -> None:
    ref = run.raised()
    err = run.refused("ana.lyst", "challenge", "ao-answer", ref, "--answer", "Yes")
    assert "one of the arguments --confirmed --declined is required" in err


def terminal_safe(text: str) -> bool:
    """No control but the program's own line feeds; no bidi or other invisible character."""
    return not any(
        (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") and c != "\n")
        or c in BIDI_CONTROLS
        for c in text
    )


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
@pytest.mark.parametrize("field", ["note", "comments"])
def test_hostile_text_never_reaches_the_terminal_raw(
    run: Desk, case: dict[str, str], field: str
) -> None:
    # Free text passes the text rule on the way in (refused: one line naming the field) and
    # shown() on the way out, in plain output and --json alike.
    if field == "comments":
        code, out, err = run("kim.lee", *DUPLICATE, "--comments", case["text"])
        ref = f"DC-{DUP_MASTER}-0001" if code == 0 else run.raised()
    else:
        ref = run.raised()
        code, out, err = run("ana.lyst", "challenge", "note", ref, case["text"])
    assert terminal_safe(out) and terminal_safe(err)
    if code != 0:
        assert code == EXIT_ERROR and len(err.strip().splitlines()) == 1
        named = {"comments": "Comments", "note": "Note"}[field]
        assert err.startswith(f"lrs-desk: error: {named}: ")
        return
    code, out, _ = run("ana.lyst", "challenge", "show", ref)
    assert code == 0 and terminal_safe(out)
    code, out, _ = run("ana.lyst", "challenge", "show", ref, "--json")
    assert out.isascii() and terminal_safe(out)


def test_show_lists_the_events_and_keeps_comments_on_their_own_lines(
    run: Desk, desk: dict[str, int]
) -> None:
    # Issue 11 item 4: the events involved; a multi-line comment is shown line by line (a
    # line feed is the only control the text rule keeps), and what the analyst may do next
    # is named by its command.
    ref = run.raised("challenge", "raise", DUP_MASTER, *RAISER, "--type",
                     "event-information-wrong", "--event", str(desk["maths"]), "--grade", "4",
                     "--comments", "Certificate seen.\nGrade 4, not 5.")  # fmt: skip
    run("ana.lyst", "challenge", "claim", ref)
    code, out, _ = run("ana.lyst", "challenge", "show", ref)
    assert code == 0
    assert "Comments       Certificate seen.\n               Grade 4, not 5.\n" in out
    assert f"  event {desk['maths']} · AO · Mathematics · grade 5 · 24 Aug 2023" in out
    assert "Grade wanted   4" in out
    assert "claimed by ana.lyst since" in out
    assert out.rstrip().endswith("You may: release, await, refer, resolve, reject, withdraw")


# --- resolution actions (issue 11 item 5), each previewed, exact and reversible ---------------


def snapshot(services: Services) -> tuple[object, ...]:
    """Learners (status, link, retirement), events (where, status) and record changes."""
    with services.db.transaction(read_only=True) as session:
        learners = session.execute(
            select(Learner.uln, Learner.status, Learner.master_learner_id, Learner.retired_reason)
            .order_by(Learner.uln)
        ).all()  # fmt: skip
        placed = session.execute(
            select(LearningEvent.id, LearningEvent.learner_id, LearningEvent.status,
                   LearningEvent.grade).order_by(LearningEvent.id)
        ).all()  # fmt: skip
        changes = session.execute(select(func.count()).select_from(RecordChange)).scalar_one()
        challenged = session.execute(
            select(DataChallenge.reference, DataChallenge.status).order_by(DataChallenge.id)
        ).all()
    return tuple(learners), tuple(placed), changes, tuple(challenged)


def claimed(run: Desk, *argv: str) -> str:
    """A challenge raised by the agent and claimed by ana.lyst."""
    ref = run.raised(*argv)
    code, _, err = run("ana.lyst", "challenge", "claim", ref)
    assert code == 0, err
    return ref


def test_merge_previews_then_merges_and_reopen_undoes_it(run: Desk, services: Services) -> None:
    # Issue 11 item 5 (merge): a preview writes nothing and prints exactly what would change;
    # then the duplicate becomes a linked ULN of the master (find by it: WSRC0022) and the
    # challenge is resolved; reopen reverses the merge exactly.
    ref = claimed(run)
    before = snapshot(services)
    code, out, _ = run("ana.lyst", "challenge", "merge", ref, "--preview")
    assert code == 0
    assert out.startswith(f"Merge ULN {DUP_SECOND} into ULN {DUP_MASTER}\n")
    assert "Kept on the master for matching: previous postcode LS1 4DY" in out
    assert out.rstrip().endswith("preview: nothing was changed; run it again without --preview"
                                 " to do it")  # fmt: skip
    found = run.json("ana.lyst", "challenge", "merge", ref, "--preview")
    assert (found["preview"], found["kind"], found["change"]) == (True, "merge", None)
    assert found["lines"][0] == f"Merge ULN {DUP_SECOND} into ULN {DUP_MASTER}"
    assert found["plan"]["duplicate"]["uln"] == DUP_SECOND
    assert snapshot(services) == before

    code, out, _ = run("ana.lyst", "challenge", "merge", ref, "--resolution", "Merged.")
    assert code == 0
    assert out.startswith(f"Merge ULN {DUP_SECOND} into ULN {DUP_MASTER}\n")
    assert "done: change 1 (merge); reversible by reopen" in out
    assert f"{ref}: resolved: Merged." in out and "status Resolved" in out
    code, out, _ = run("kim.lee", "learner", "find", "--uln", DUP_SECOND, "--given", "Priya",
                       "--family", "Shah")  # fmt: skip
    assert code == 0 and out.startswith("WSRC0022") and f"\nuln{' ' * 30}{DUP_MASTER}\n" in out
    merges = [e for e in audit_log(services, limit=30) if "merge" in e.action]
    assert [(e.action, e.outcome) for e in merges] == [
        ("challenge-merge", "ok"), ("preview-challenge-merge", "ok"),
        ("preview-challenge-merge", "ok"), ("preview-challenge-merge", "ok"),
    ]  # fmt: skip

    # Already resolved: a second merge names who resolved it; nothing is written.
    after = snapshot(services)
    assert "already resolved (by ana.lyst)" in run.refused("ana.lyst", "challenge", "merge", ref)
    code, out, _ = run("ben.lyst", "challenge", "reopen", ref, "--preview")
    assert code == 0 and out.startswith(f"De-merge ULN {DUP_SECOND} from ULN {DUP_MASTER}")
    assert snapshot(services) == after
    assert "Reason: is required" in run.refused("ben.lyst", "challenge", "reopen", ref)
    code, out, _ = run("ben.lyst", "challenge", "reopen", ref, "--reason", "Two people.")
    assert code == 0 and "reopened: Two people." in out and "status In progress" in out
    learners, placed, _, _ = snapshot(services)
    assert (learners, placed) == before[:2]


def test_a_de_merge_challenge_restores_the_pair(run: Desk, services: Services) -> None:
    # Issue 11 item 5 (de-merge): restores exactly what the merge changed.
    before = snapshot(services)[:2]
    run("ana.lyst", "challenge", "merge", claimed(run))
    ref = claimed(run, "challenge", "raise", DUP_MASTER, "--type", "incorrectly-merged",
                  "--other-uln", DUP_SECOND, "--reason", "Two people.", *RAISER)  # fmt: skip
    found = run.json("ana.lyst", "challenge", "demerge", ref, "--preview")
    assert found["lines"][0] == f"De-merge ULN {DUP_SECOND} from ULN {DUP_MASTER}"
    found = run.json("ana.lyst", "challenge", "demerge", ref)
    assert (found["preview"], found["kind"], found["plan"]) == (False, "demerge", None)
    assert found["change"]["kind"] == "demerge" and found["lines"] != []
    assert found["challenge"]["row"]["status"] == "resolved"
    assert snapshot(services)[:2] == before


def test_possible_twins_need_a_second_confirmation(run: Desk, services: Services) -> None:
    ref = claimed(run, "challenge", "raise", TWIN_A, "--type", "duplicate-uln", "--other-uln",
                  TWIN_B, "--reason", "One learner.", *RAISER)  # fmt: skip
    code, out, _ = run("ana.lyst", "challenge", "merge", ref, "--preview")
    assert code == 0 and "Warning: " in out and "twins" in out
    before = snapshot(services)
    err = run.refused("ana.lyst", "challenge", "merge", ref)
    assert "may be twins" in err and err.endswith("Run it again with --confirm-twins once you"
                                                  " are sure.")  # fmt: skip
    assert snapshot(services) == before
    code, out, _ = run("ana.lyst", "challenge", "merge", ref, "--confirm-twins")
    assert code == 0 and "status Resolved" in out


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("kim.lee", "the agent role may not do this"), ("ben.lyst", "is claimed by ana.lyst")],
)
def test_an_action_on_a_challenge_not_yours_is_refused_and_writes_nothing(
    run: Desk, services: Services, who: str, refusal: str
) -> None:
    ref = claimed(run)
    before = snapshot(services)
    for preview in ([], ["--preview"]):
        assert refusal in run.refused(who, "challenge", "merge", ref, *preview)
    assert snapshot(services) == before


def test_an_action_of_another_type_or_unclaimed_is_refused(run: Desk, services: Services) -> None:
    ref = run.raised()
    assert "claim it first" in run.refused("ana.lyst", "challenge", "merge", ref, "--preview")
    run("ana.lyst", "challenge", "claim", ref)
    err = run.refused("ana.lyst", "challenge", "transfer", ref)
    assert "Action: transfer event does not resolve a duplicate uln" in err
    err = run.refused("ana.lyst", "challenge", "merge", ref, "--version", "1")
    assert "changed after you opened it" in err
    assert snapshot(services)[2] == 0


def test_an_event_is_transferred_to_the_learner_named(
    run: Desk, desk: dict[str, int], services: Services
) -> None:
    ref = claimed(run, "challenge", "raise", DUP_MASTER, "--type", "event-not-belonging",
                  "--event", str(desk["english"]), "--action", "transfer", "--target-uln",
                  TARGET, "--target-name", "Jon Smith", *RAISER)  # fmt: skip
    before = snapshot(services)
    code, out, _ = run("ana.lyst", "challenge", "transfer", ref, "--preview")
    assert out.startswith(f"Transfer events from ULN {DUP_MASTER} to ULN {TARGET} (Jon Smith)")
    assert f"event {desk['english']} · English Language" in out
    assert snapshot(services) == before
    code, out, _ = run("ana.lyst", "challenge", "transfer", ref)
    assert code == 0 and "(event-transfer)" in out
    code, out, _ = run("ana.lyst", "challenge", "show", ref)
    assert f"English Language · grade 6 · 24 Aug 2023 · on ULN {TARGET}" in out
    assert "Record changes:\n  change 1: event-transfer by ana.lyst" in out


def test_one_of_two_duplicated_events_is_removed(
    run: Desk, desk: dict[str, int], services: Services
) -> None:
    ref = claimed(run, "challenge", "raise", DUP_MASTER, "--type", "event-duplicated",
                  "--event", str(desk["maths"]), "--event", str(desk["maths-again"]),
                  "--not-participation", *RAISER)  # fmt: skip
    remove = ["challenge", "remove-event", ref, "--reason", "Loaded twice."]
    assert "choose which one of the two" in run.refused("ana.lyst", *remove, "--preview")
    code, out, _ = run("ana.lyst", *remove, "--event", str(desk["maths-again"]), "--preview")
    assert code == 0 and out.startswith(
        f"Remove events from the PLR of ULN {DUP_MASTER}: Loaded twice."
    )
    before = snapshot(services)
    found = run.json("ana.lyst", *remove, "--event", str(desk["maths-again"]))
    assert found["change"]["kind"] == "event-removal"
    placed = {e[0]: e[2] for e in snapshot(services)[1]}  # type: ignore[union-attr]
    assert (placed[desk["maths"]], placed[desk["maths-again"]]) == ("active", "removed")
    assert snapshot(services)[0] == before[0]


def test_an_ao_grade_is_corrected_only_after_its_confirmation(
    run: Desk, desk: dict[str, int]
) -> None:
    ref = claimed(run, "challenge", "raise", DUP_MASTER, "--type", "event-information-wrong",
                  "--event", str(desk["maths"]), "--grade", "6", *RAISER)  # fmt: skip
    assert "AO confirmation" in run.refused("ana.lyst", "challenge", "correct", ref)
    run("ana.lyst", "challenge", "refer", ref, "--note", "Asked the AO.")
    run("ana.lyst", "challenge", "ao-answer", ref, "--answer", "Grade 6 confirmed.", "--confirmed")
    code, out, _ = run("ana.lyst", "challenge", "correct", ref)
    assert code == 0 and "Grade: 5 -> 6" in out and "(event-correction)" in out


def test_a_deceased_learners_uln_is_retired_and_a_shared_one_split(
    run: Desk, desk: dict[str, int], services: Services
) -> None:
    ref = claimed(run, "challenge", "raise", TARGET, "--type", "deceased", "--comments",
                  "Certificate seen.", *RAISER)  # fmt: skip
    code, out, _ = run("ana.lyst", "challenge", "retire", ref, "--preview")
    assert code == 0 and out.startswith(f"Retire ULN {TARGET}")
    found = run.json("ana.lyst", "challenge", "retire", ref)
    assert found["challenge"]["learner"]["status"] == "retired"

    ref = claimed(run, "challenge", "raise", DUP_MASTER, "--type", "shared-uln", "--comments",
                  "Two sisters.", *RAISER)  # fmt: skip
    split = ["challenge", "split", ref, "--given-name", "Meera", "--family-name", "Okonjo",
             "--date-of-birth", "4/3/2009", "--gender", "2", "--postcode", "LS6 2AB",
             "--verification-type", "2", "--ability-to-share", "1",
             "--event", str(desk["english"])]  # fmt: skip
    code, out, _ = run("ana.lyst", *split, "--preview")
    assert code == 0 and out.startswith(f"Split shared ULN {DUP_MASTER}")
    assert "Given name: Meera" in out
    err = run.refused("ana.lyst", *split[:5], "--preview")  # the registration rules
    assert "Family name: is required" in err and "Date of birth: is required" in err
    found = run.json("ana.lyst", *split)
    new_uln = found["change"]["other_uln"]
    assert new_uln and new_uln != DUP_MASTER
    assert "already resolved" in run.refused("ana.lyst", *split, "--preview")


# --- every command ---------------------------------------------------------------------------


def challenge_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    group = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    challenge = group.choices["challenge"]
    actions = next(a for a in challenge._actions if isinstance(a, argparse._SubParsersAction))
    return dict(actions.choices)


def test_every_challenge_command_acts_as_an_operator_and_speaks_json() -> None:
    # Issue 11 item 6: --json on every command; --preview on every action that changes
    # learners; each acts as a signed-in operator.
    commands = challenge_commands()
    assert set(commands) >= {
        "raise", "list", "show", "claim", "note", "merge", "demerge", "transfer",
        "remove-event", "refer", "resolve", "reject", "withdraw", "release", "await",
        "resume", "reopen", "ao-answer", "correct", "retire", "split", "history",
    }  # fmt: skip
    for name, sub in commands.items():
        options = {o: a for a in sub._actions for o in a.option_strings}
        assert options["--operator"].required, name
        assert "--json" in options, name
    for name in ("merge", "demerge", "transfer", "remove-event", "correct", "retire", "split",
                 "reopen"):  # fmt: skip
        assert "--preview" in {o for a in commands[name]._actions for o in a.option_strings}


@pytest.mark.parametrize("name", sorted(challenge_commands()))
def test_without_an_operator_nothing_is_read_or_changed(
    run: Desk, services: Services, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    before = len(audit_log(services, limit=1000))
    with pytest.raises(SystemExit) as exit_info:
        main(["challenge", name, "X"])
    err = capsys.readouterr().err
    assert exit_info.value.code == EXIT_ERROR and "--operator" in err.split("required: ")[1]
    assert len(audit_log(services, limit=1000)) == before


def test_compare_shows_two_learners_before_a_duplicate_is_raised(
    run: Desk, services: Services
) -> None:
    # Issue 11 item 1: the form shows the differences of a duplicate's key data; the
    # command does too (a look at two learners: audited).
    code, out, _ = run("kim.lee", "challenge", "compare", DUP_MASTER, DUP_SECOND)
    assert code == 0
    postcode = next(line for line in out.splitlines() if line.startswith("Postcode"))
    assert "LS6 2AB" in postcode and "LS1 4DY" in postcode and postcode.endswith("different *")
    found = run.json("kim.lee", "challenge", "compare", TWIN_A, TWIN_B)
    assert found["possible_twins"] is True
    assert [f["field"] for f in found["fields"]][:2] == ["Given name", "Family name"]
    assert "Other ULN: check digit is wrong" in run.refused(
        "kim.lee", "challenge", "compare", DUP_MASTER, "1000000013"
    )
    looks = [e for e in audit_log(services, limit=5) if e.action == "compare-learners"]
    assert [e.outcome for e in looks] == ["failed", "ok", "ok"]


def test_records_changed_between_the_preview_and_the_merge_are_refused(
    run: Desk, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 11 "Bad input" (a stale screen: another analyst acted first): the command merges
    # only what its own preview showed; an event loaded onto the duplicate in between makes
    # the plan differ, and nothing is written.
    ref = claimed(run)
    merge = ChallengeService.merge

    def loaded_meanwhile(self: ChallengeService, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("preview"):
            with services.db.transaction() as session:
                duplicate = session.execute(
                    select(Learner).where(Learner.uln == DUP_SECOND)
                ).scalar_one()
                session.add(event(duplicate.id, "Geography", grade="7"))
        return merge(self, *args, **kwargs)

    monkeypatch.setattr(ChallengeService, "merge", loaded_meanwhile)
    before = snapshot(services)
    err = run.refused("ana.lyst", "challenge", "merge", ref)
    assert "The records changed after your preview" in err
    learners, placed, changes, challenged = snapshot(services)
    assert (learners, changes, challenged) == (before[0], before[2], before[3])
    assert len(placed) == len(before[1]) + 1  # only the event loaded meanwhile
