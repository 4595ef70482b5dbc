"""Record changes that resolve data challenges: merge, de-merge, shared-ULN split, retire, and an
event's transfer, removal and correction, each previewed, exact and reversible.

Pins DOMAIN.md "Data challenges" (merge semantics: "the duplicate becomes a linked ULN of the
master and its events move to the master. A de-merge must restore exactly what the merge
changed"), User Guide §6.1 (the challenge types and their outcomes) and issue 11 item 5
(refusals, possible twins, retired ULNs, soft removal, AO confirmation)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import factories
import pytest
from record_change_helpers import (
    NOW,
    add_learner,
    event_rows,
    learner_rows,
    previous_rows,
    whole_database,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.db.models import Learner, LearningEvent, RecordChange, UlnAllocation
from lrs_core.domain.kinds import LearnerStatus, RecordChangeKind, RetiredReason
from lrs_core.domain.plr import PlrView
from lrs_core.domain.record_changes import name_matches, possible_twins
from lrs_core.domain.values import OutcomeCode, permuted_uln
from lrs_core.errors import (
    IdenticalLearner,
    NotFound,
    PossibleMatchesNeedConfirmation,
    StalePreview,
    TwinsNeedConfirmation,
    ValidationError,
)
from lrs_core.services import Services
from lrs_core.services import record_changes as rc

HOSTILE = [
    e["text"]
    for e in json.loads(
        (Path(__file__).parent.parent / "data" / "hostile-text.json").read_text(encoding="utf-8")
    )
]


TOBIAS = {
    "given_name": "Tobias", "family_name": "Fairweather", "date_of_birth": "2008-05-17",
    "gender": "1", "postcode": "YO1 7HH", "verification_type": "2", "ability_to_share": "1",
}  # fmt: skip


@pytest.fixture
def analyst(services: Services) -> Actor:
    with services.db.transaction() as session:
        return factories.operator(session, "ana.lyst", "analyst", "Desk-Analyst-2026", now=NOW)


@contextmanager
def unit(services: Services) -> Iterator[Session]:
    with services.db.transaction() as session:
        yield session


def who(analyst: Actor) -> dict[str, Any]:
    return {"operator_id": analyst.operator_id, "challenge_id": None, "now": NOW}


@pytest.fixture
def pair(services: Services) -> dict[str, Any]:
    """Amara Obi (the master, 3 events) and her duplicate registered at another address
    (4 active events, 1 removed, an earlier family name), with a ULN already merged into
    the duplicate."""
    with unit(services) as s:
        master = add_learner(s, "Amara", "Obi", events=3, postcode="NG7 2RD",
                             date_of_birth=date(2007, 2, 3))  # fmt: skip
        dup = add_learner(s, "Amara", "Obi-Reid", events=4, removed=1, postcode="NG1 5FT",
                          date_of_birth=date(2007, 2, 3),
                          previous=(("family_name", "Reid"),))  # fmt: skip
        old = add_learner(s, "Amara", "Reid", postcode="NG1 5FT", date_of_birth=date(2007, 2, 3),
                          status=LearnerStatus.LINKED, master_learner_id=dup.id)  # fmt: skip
        return {"master": master.uln, "dup": dup.uln, "old": old.uln,
                "ids": [master.id, dup.id, old.id]}  # fmt: skip


def state(services: Services, ids: list[int]) -> tuple[Any, ...]:
    with unit(services) as s:
        return learner_rows(s, ids), event_rows(s, ids), previous_rows(s, ids)


# --- Merge ------------------------------------------------------------------------------------


def test_merge_links_the_duplicate_moves_its_events_and_keeps_its_names_for_matching(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    # DOMAIN.md Data challenges: merge semantics; User Guide §6.1 duplicate ULN.
    with unit(services) as s:
        plan = rc.plan_merge(s, pair["dup"], pair["master"])
    assert len(plan.events_moving) == 5  # removed events move too (kept for the audit)
    assert plan.previous_values_added == (
        ("family_name", "Obi-Reid"), ("postcode", "NG1 5FT"), ("family_name", "Reid"),
    )  # fmt: skip
    assert plan.links_repointed == (pair["old"],)
    assert [(f.label, f.after) for f in plan.duplicate.changes] == [
        ("Status", "linked"), ("Linked to", pair["master"]),
    ]  # fmt: skip
    assert not plan.master.changes and not plan.possible_twins
    assert "their key data differ: family name, postcode" in plan.warnings[0]
    assert plan.lines()[0] == f"Merge ULN {pair['dup']} into ULN {pair['master']}"
    with unit(services) as s:
        done = rc.apply_merge(s, pair["dup"], pair["master"], previewed=plan, **who(analyst))
    assert done.kind is RecordChangeKind.MERGE and "5 events moved" in done.summary
    with unit(services) as s:
        dup = s.execute(select(Learner).where(Learner.uln == pair["dup"])).scalar_one()
        old = s.execute(select(Learner).where(Learner.uln == pair["old"])).scalar_one()
        master_id = pair["ids"][0]
        assert (dup.status, dup.master_learner_id) == (LearnerStatus.LINKED, master_id)
        assert old.master_learner_id == master_id  # re-pointed: no chain of links
        moved = s.execute(select(LearningEvent).where(LearningEvent.learner_id == master_id))
        events = moved.scalars().all()
        assert len(events) == 8
        assert {e.moved_from_learner_id for e in events} == {None, dup.id}
    # Find by the old ULN: the master, WSRC0022; the master's PLR shows the moved events.
    found = services.learners.find_by_uln(agent, pair["dup"], "Amara", "Obi-Reid")
    assert found.outcome is OutcomeCode.LINKED_LEARNER_MATCH
    assert found.learner is not None and found.learner.uln == pair["master"]
    plr = services.plr.open(agent, pair["master"], PlrView.ORGANISATION)
    assert len(plr.events) == 7  # 3 + 4 active; the removed one is hidden
    # The duplicate's family name still finds the master (kept as a previous value).
    assert "Obi-Reid" in {v for _, v in plan.previous_values_added}


def test_demerge_restores_exactly_what_the_merge_changed(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    # DOMAIN.md Data challenges: "A de-merge must restore exactly what the merge changed."
    before = state(services, pair["ids"])
    with unit(services) as s:
        merged = rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with unit(services) as s:
        plan = rc.plan_demerge(s, pair["dup"])
    assert plan.merge_change_id == merged.change_id
    assert len(plan.events_returning) == 5 and not plan.events_staying
    assert plan.links_restored == (pair["old"],)
    with unit(services) as s:
        undone = rc.apply_demerge(s, pair["dup"], previewed=plan, **who(analyst))
    assert undone.kind is RecordChangeKind.DEMERGE and undone.reverses_id == merged.change_id
    assert state(services, pair["ids"]) == before
    found = services.learners.find_by_uln(agent, pair["dup"], "Amara", "Obi-Reid")
    assert found.outcome is OutcomeCode.EXACT_MATCH
    assert found.learner is not None and found.learner.uln == pair["dup"]


def test_events_loaded_on_the_master_after_the_merge_stay_and_later_edits_are_kept(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    with unit(services) as s:
        rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with unit(services) as s:
        s.add(factories.event(pair["ids"][0], "Loaded after the merge"))
    opened = services.learners.show(agent, pair["master"])
    services.learners.update(agent, opened, {"email": "amara@example.org"})
    with unit(services) as s:
        plan = rc.plan_demerge(s, pair["dup"])
    assert [e.subject for e in plan.events_staying] == ["Loaded after the merge"]
    assert plan.master_edited_since == ("Email",)
    assert any("later edits are kept" in w for w in plan.warnings)
    with unit(services) as s:
        rc.apply_demerge(s, pair["dup"], **who(analyst))
    master = services.learners.show(agent, pair["master"])
    assert master.email == "amara@example.org"
    with unit(services) as s:
        subjects = s.execute(
            select(LearningEvent.subject).where(LearningEvent.learner_id == pair["ids"][0])
        ).scalars()
        assert "Loaded after the merge" in set(subjects)


@pytest.fixture
def cases(services: Services) -> dict[str, str]:
    """An active learner, one linked to it, a retired one, and a linked one whose master is
    itself linked to the first (for the cycle)."""
    with unit(services) as s:
        a = add_learner(s, "Bram", "Holt")
        b = add_learner(s, "Cul", "Fenn")
        linked = add_learner(s, "Bram", "Holt", postcode="YO1 7HH",
                             status=LearnerStatus.LINKED, master_learner_id=b.id)  # fmt: skip
        retired = add_learner(s, "Dun", "Ley", status=LearnerStatus.RETIRED,
                              retired_reason=RetiredReason.DECEASED)  # fmt: skip
        into_a = add_learner(s, "Elm", "Ford", status=LearnerStatus.LINKED,
                             master_learner_id=a.id)  # fmt: skip
        return {"a": a.uln, "b": b.uln, "linked": linked.uln, "retired": retired.uln,
                "into_a": into_a.uln}  # fmt: skip


@pytest.mark.parametrize(
    ("dup", "master", "field", "words"),
    [
        ("a", "a", "Master ULN", "is the duplicate ULN: a ULN is never merged into itself"),
        ("a", "linked", "Master ULN", "ULN {linked} is linked to {b}: merge into {b}"),
        ("a", "retired", "Master ULN", "ULN {retired} is retired (the learner is deceased)"),
        ("retired", "a", "Duplicate ULN", "ULN {retired} is retired (the learner is deceased)"),
        ("a", "into_a", "Master ULN", "ULN {into_a} is linked to {a}: merging {a} into it would"
         " form a cycle"),
        ("linked", "a", "Duplicate ULN", "ULN {linked} is already linked to {b}"),
        ("a", "1000000043", "Master ULN", "no learner has ULN 1000000043"),
        ("a", "1000000044", "Master ULN", "check digit is wrong"),
        ("1000000063", "a", "Duplicate ULN", "is not a real ULN"),
    ],
)  # fmt: skip
def test_merge_refusals_name_the_field_and_write_nothing(
    services: Services,
    analyst: Actor,
    cases: dict[str, str],
    dup: str,
    master: str,
    field: str,
    words: str,
) -> None:
    # Issue 11 item 5 merge refusals; "Bad input": each names what is wrong, nothing written.
    with unit(services) as s:
        before = whole_database(s)
    for step in (
        lambda s: rc.plan_merge(s, cases.get(dup, dup), cases.get(master, master)),
        lambda s: rc.apply_merge(s, cases.get(dup, dup), cases.get(master, master),
                                 **who(analyst)),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as caught, unit(services) as s:
            step(s)
        assert caught.value.field == field
        assert words.format(**cases) in caught.value.message
    with unit(services) as s:
        assert whole_database(s) == before


def test_possible_twins_need_a_second_explicit_confirmation(
    services: Services, analyst: Actor
) -> None:
    # Issue 11 item 4/5: family name, date of birth and postcode agree, given names differ.
    with unit(services) as s:
        one = add_learner(s, "Aisha", "Khan", events=1, postcode="LS6 2AB")
        two = add_learner(s, "Amina", "Khan", events=1, postcode="LS6 2AB")
        same = add_learner(s, "Jonathan", "Khan", postcode="LS6 2AB")
        nick = add_learner(s, "Jon", "Khan", postcode="LS6 2AB")
    with unit(services) as s:
        plan = rc.plan_merge(s, one.uln, two.uln)
        assert plan.possible_twins and "possible twins" in plan.warnings[0]
        assert not rc.plan_merge(s, nick.uln, same.uln).possible_twins  # a nickname
    with pytest.raises(TwinsNeedConfirmation), unit(services) as s:
        rc.apply_merge(s, one.uln, two.uln, **who(analyst))
    with unit(services) as s:
        assert s.execute(select(Learner.status).where(Learner.id == one.id)).scalar_one() == (
            LearnerStatus.ACTIVE
        )
    with unit(services) as s:
        done = rc.apply_merge(s, one.uln, two.uln, confirm_twins=True, **who(analyst))
    assert done.kind is RecordChangeKind.MERGE


def test_the_twins_rule_reads_names_as_the_matching_engine_does() -> None:
    day = date(2008, 3, 14)
    assert possible_twins("Aisha", "Khan", day, "LS6 2AB", "Amina", "KHAN", day, "ls62ab")
    assert not possible_twins("Aisha", "Khan", day, "LS6 2AB", "Aisha", "Khan", day, "LS6 2AB")
    assert not possible_twins("Bill", "Khan", day, "LS6 2AB", "William", "Khan", day, "LS6 2AB")
    assert not possible_twins("Aisha", "Khan", day, "LS6 2AB", "Amina", "Khan", day, "LS6 2AC")


def test_a_preview_writes_nothing(services: Services, analyst: Actor, pair: dict[str, Any]) -> None:
    # Issue 11 item 5: "a preview that writes nothing and shows exactly what would change".
    with unit(services) as s:
        first_event = (
            s.execute(select(LearningEvent.id).where(LearningEvent.learner_id == pair["ids"][1]))
            .scalars()
            .first()
        )
        before = whole_database(s)
    assert first_event is not None
    previews: list[Callable[[Session], Any]] = [
        lambda s: rc.plan_merge(s, pair["dup"], pair["master"]),
        lambda s: rc.plan_retire(s, pair["master"], RetiredReason.DECEASED),
        lambda s: rc.plan_event_transfer(s, [first_event], pair["master"], "Amara Obi"),
        lambda s: rc.plan_event_removal(s, [first_event], "duplicated by the AO's resend"),
        lambda s: rc.plan_event_correction(s, first_event, grade="Distinction",
                                           ao_confirmation_note="AO confirmed", today=NOW.date()),
        lambda s: rc.plan_split_shared_uln(s, pair["master"], {
            "given_name": "Tobias", "family_name": "Fairweather", "date_of_birth": "2008-05-17",
            "gender": "1", "postcode": "YO1 7HH", "verification_type": "2",
            "ability_to_share": "1"}, [], today=NOW.date()),
    ]  # fmt: skip
    for preview in previews:
        with unit(services) as s:
            assert preview(s).lines()
        with unit(services) as s:
            assert whole_database(s) == before


def test_a_stale_preview_is_refused_and_nothing_is_written(
    services: Services, analyst: Actor, pair: dict[str, Any]
) -> None:
    # Issue 11 "Bad input": a stale screen (another analyst acted first).
    with unit(services) as s:
        plan = rc.plan_merge(s, pair["dup"], pair["master"])
    with unit(services) as s:
        s.add(factories.event(pair["ids"][1], "Loaded meanwhile"))
    with unit(services) as s:
        before = whole_database(s)
    with pytest.raises(StalePreview), unit(services) as s:
        rc.apply_merge(s, pair["dup"], pair["master"], previewed=plan, **who(analyst))
    with unit(services) as s:
        assert whole_database(s) == before


def test_a_merge_is_undone_once_only(
    services: Services, analyst: Actor, pair: dict[str, Any]
) -> None:
    with unit(services) as s:
        merged = rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with unit(services) as s:
        assert isinstance(rc.plan_reverse(s, merged.change_id), rc.DemergePlan)
    with unit(services) as s:
        undone = rc.reverse(s, merged.change_id, **who(analyst))
    assert undone.kind is RecordChangeKind.DEMERGE
    with pytest.raises(ValidationError, match="already reversed"), unit(services) as s:
        rc.reverse(s, merged.change_id, **who(analyst))
    with pytest.raises(ValidationError, match="is not linked"), unit(services) as s:
        rc.apply_demerge(s, pair["dup"], **who(analyst))
    with pytest.raises(ValidationError, match="itself an undo"), unit(services) as s:
        rc.reverse(s, undone.change_id, **who(analyst))
    with pytest.raises(NotFound), unit(services) as s:
        rc.reverse(s, 999_999, **who(analyst))


def test_a_link_made_before_merges_were_recorded_is_not_demerged(
    services: Services, analyst: Actor, cases: dict[str, str]
) -> None:
    with pytest.raises(ValidationError, match="no merge recorded"), unit(services) as s:
        rc.apply_demerge(s, cases["linked"], **who(analyst))


# --- Retire ---------------------------------------------------------------------------------


def test_a_retired_uln_is_named_by_find_and_refused_by_update_merge_and_register(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    # §6.1 deceased / fictitious: retired ULNs are never reused and are refused.
    opened = services.learners.show(agent, pair["master"])
    with unit(services) as s:
        done = rc.apply_retire(s, pair["master"], "deceased", **who(analyst))
    assert done.summary == f"Retired ULN {pair['master']}: the learner is deceased."
    found = services.learners.find_by_uln(agent, pair["master"], "Amara", "Obi")
    assert found.message.startswith(f"ULN {pair['master']} is retired (the learner is deceased)")
    assert found.learner is not None and found.learner.retired_reason is RetiredReason.DECEASED
    with pytest.raises(ValidationError, match="is retired"):
        services.learners.update(agent, opened, {"email": "late@example.org"})
    with pytest.raises(ValidationError, match="is retired"), unit(services) as s:
        rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with pytest.raises(ValidationError, match="is retired"), unit(services) as s:
        rc.apply_retire(s, pair["master"], "fictitious", **who(analyst))
    # Register never issues it again, even when the counter comes round to its serial.
    with unit(services) as s:
        learner = s.execute(select(Learner).where(Learner.uln == pair["master"])).scalar_one()
        serial = next(n for n in range(1000, 2000) if permuted_uln(n) == learner.uln)
        s.execute(select(UlnAllocation).with_for_update()).scalar_one().next_serial = serial
    registered = services.learners.register(agent, TOBIAS)
    assert registered.learner is not None and registered.learner.uln != pair["master"]


def test_retire_refusals(services: Services, analyst: Actor, cases: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="retire its master"), unit(services) as s:
        rc.plan_retire(s, cases["linked"], "deceased")
    with (
        pytest.raises(ValidationError, match="must be deceased or fictitious"),
        unit(services) as s,
    ):
        rc.plan_retire(s, cases["a"], "emigrated")


# --- Events ---------------------------------------------------------------------------------


def _event_ids(services: Services, learner_id: int) -> list[int]:
    with unit(services) as s:
        return list(
            s.execute(
                select(LearningEvent.id)
                .where(LearningEvent.learner_id == learner_id, LearningEvent.status == "active")
                .order_by(LearningEvent.id)
            ).scalars()
        )


@pytest.mark.parametrize("name", ["Amara Obi", "AMARA  obi", "Amárá O'bi"])
def test_a_transfer_moves_the_events_to_the_learner_named(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any], name: str
) -> None:
    # §6.1 "event does not belong": transfer to the target ULN, named with the learner's name.
    ids = _event_ids(services, pair["ids"][1])[:2]
    before = state(services, pair["ids"])
    with unit(services) as s:
        plan = rc.plan_event_transfer(s, ids, pair["master"], name)
        assert [e.id for e in plan.events_moving] == ids
    with unit(services) as s:
        done = rc.apply_event_transfer(s, ids, pair["master"], name, previewed=plan,
                                       **who(analyst))  # fmt: skip
    assert done.summary.startswith("Transferred 2 events")
    assert set(ids) <= set(_event_ids(services, pair["ids"][0]))
    with unit(services) as s:
        rc.reverse(s, done.change_id, **who(analyst))
    assert state(services, pair["ids"]) == before


@pytest.mark.parametrize(
    ("target", "name", "field", "words"),
    [
        ("master", "Amara Okafor", "Target name", "is not the name of the learner"),
        ("master", "", "Target name", "is required"),
        ("dup", "Amara Obi-Reid", "Target ULN", "already on ULN"),
        ("old", "Amara Reid", "Target ULN", "is linked to"),
        ("1000000044", "Amara Obi", "Target ULN", "check digit is wrong"),
    ],
)
def test_transfer_refusals(
    services: Services,
    analyst: Actor,
    pair: dict[str, Any],
    target: str,
    name: str,
    field: str,
    words: str,
) -> None:
    ids = _event_ids(services, pair["ids"][1])[:1]
    with pytest.raises(ValidationError) as caught, unit(services) as s:
        rc.apply_event_transfer(s, ids, pair.get(target, target), name, **who(analyst))
    assert caught.value.field == field and words in caught.value.message


@pytest.mark.parametrize("hostile", HOSTILE)
def test_outside_text_passes_the_text_rule(
    services: Services, pair: dict[str, Any], hostile: str
) -> None:
    ids = _event_ids(services, pair["ids"][1])[:1]
    with unit(services) as s:
        for step in (
            lambda: rc.plan_event_transfer(s, ids, pair["master"], hostile),
            lambda: rc.plan_event_removal(s, ids, hostile),
            lambda: rc.plan_event_correction(s, ids[0], grade=hostile, today=NOW.date()),
        ):
            try:
                plan = step()
            except ValidationError:
                continue
            assert all("\x1b" not in line for line in plan.lines())


def test_the_name_rule_of_a_transfer() -> None:
    assert name_matches("John A Smith", "John", "Smith", middle="A")
    assert name_matches("Johnny Smith", "John", "Smith", preferred="Johnny")
    assert not name_matches("Jane Smith", "John", "Smith")
    assert not name_matches("", "John", "Smith")


def test_a_removed_event_is_hidden_from_both_plr_views_and_restored_by_reversal(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    # Issue 11 item 5: soft removal with a reason, hidden from both views, kept, reversible.
    ids = _event_ids(services, pair["ids"][0])[:1]
    before = state(services, pair["ids"])
    with unit(services) as s:
        done = rc.apply_event_removal(s, ids, "appears twice: the AO resent it", **who(analyst))
    for view in PlrView:
        shown = services.plr.open(agent, pair["master"], view)
        assert ids[0] not in {e.id for e in shown.events}
    with unit(services) as s:
        kept = s.get(LearningEvent, ids[0])
        assert kept is not None and kept.removed_reason == "appears twice: the AO resent it"
    with pytest.raises(ValidationError, match="already removed"), unit(services) as s:
        rc.apply_event_removal(s, ids, "again", **who(analyst))
    with pytest.raises(ValidationError, match="Reason: is required"), unit(services) as s:
        rc.plan_event_removal(s, _event_ids(services, pair["ids"][0]), "  ")
    with unit(services) as s:
        rc.reverse(s, done.change_id, **who(analyst))
    assert state(services, pair["ids"]) == before
    assert ids[0] in {e.id for e in services.plr.open(agent, pair["master"]).events}


def test_an_ao_correction_needs_the_aos_confirmation_and_is_reversible(
    services: Services, analyst: Actor, pair: dict[str, Any]
) -> None:
    # Issue 11 item 5: "a correction applied only with the AO's confirmation noted".
    ao_event = _event_ids(services, pair["ids"][0])[0]  # the first of each learner is AO
    before = state(services, pair["ids"])
    with pytest.raises(ValidationError) as caught, unit(services) as s:
        rc.apply_event_correction(s, ao_event, grade="Merit", **who(analyst))
    assert caught.value.field == "AO confirmation"
    for kwargs, field in [
        ({"award_date": "31/2/2020"}, "Award date"),
        ({"award_date": "1/1/2030"}, "Award date"),
        ({"grade": ""}, "Grade"),
        ({"grade": "Pass"}, "Correction"),  # the same as now
    ]:
        with pytest.raises(ValidationError) as caught, unit(services) as s:
            rc.plan_event_correction(s, ao_event, ao_confirmation_note="ok", today=NOW.date(),
                                     **kwargs)  # fmt: skip
        assert caught.value.field == field
    with unit(services) as s:
        done = rc.apply_event_correction(
            s, ao_event, grade="Merit", award_date="3 Aug 2021",
            ao_confirmation_note="AO (Pearson) confirmed by email 20 Nov", **who(analyst),
        )  # fmt: skip
    assert "Grade Merit" in done.summary and "Award date 3 Aug 2021" in done.summary
    with unit(services) as s:
        undo = rc.plan_reverse(s, done.change_id)
    # The undo's preview says what each value goes back to, not what it is now.
    assert "  Grade: Merit -> Pass" in undo.lines()
    with unit(services) as s:
        rc.reverse(s, done.change_id, **who(analyst))
    assert state(services, pair["ids"]) == before


# --- Shared ULN -----------------------------------------------------------------------------


def test_a_shared_uln_is_split_under_the_registration_rules(
    services: Services, analyst: Actor, agent: Actor, pair: dict[str, Any]
) -> None:
    # §6.1 "two people sharing one ULN"; registration rules §4.2.2.1 (possible match), §4.2.4.
    with unit(services) as s:
        add_learner(s, "Tobias", "Fairweather", postcode="YO1 7HH", gender=1,
                    date_of_birth=date(2008, 5, 18))  # fmt: skip
    ids = _event_ids(services, pair["ids"][0])[:2]
    before = state(services, pair["ids"])
    with unit(services) as s:
        plan = rc.plan_split_shared_uln(s, pair["master"], TOBIAS, ids, today=NOW.date())
    assert [m[1] for m in plan.possible_matches] == ["Tobias Fairweather"]
    with pytest.raises(PossibleMatchesNeedConfirmation) as caught, unit(services) as s:
        rc.apply_split_shared_uln(s, pair["master"], TOBIAS, ids, **who(analyst))
    with unit(services) as s:
        confirmed = caught.value.ulns
        done = rc.apply_split_shared_uln(
            s, pair["master"], TOBIAS, ids, confirmed_ulns=confirmed, **who(analyst)
        )
    assert done.other_uln is not None
    new = services.learners.show(agent, done.other_uln)
    assert (new.given_name, new.created_by) == ("Tobias", "ana.lyst")
    assert set(ids) <= {e.id for e in services.plr.open(agent, done.other_uln).events}
    with pytest.raises(IdenticalLearner), unit(services) as s:
        rc.plan_split_shared_uln(s, pair["master"], TOBIAS, [], today=NOW.date())
    with unit(services) as s:
        undone = rc.reverse(s, done.change_id, **who(analyst))
    assert undone.kind is RecordChangeKind.REVERSAL and undone.reverses_id == done.change_id
    assert state(services, pair["ids"]) == before  # the shared learner and its events
    found = services.learners.find_by_uln(agent, done.other_uln, "Tobias", "Fairweather")
    assert found.outcome is OutcomeCode.LINKED_LEARNER_MATCH  # never issued again


def test_every_change_is_recorded_with_its_before_state(
    services: Services, analyst: Actor, pair: dict[str, Any]
) -> None:
    with unit(services) as s:
        merged = rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with unit(services) as s:
        change = s.get(RecordChange, merged.change_id)
        assert change is not None
        assert change.operator_id == analyst.operator_id and change.performed_at == NOW
        assert change.before_state["duplicate"]["status"] == "active"  # type: ignore[index]
        assert sum(len(ids) for _, ids in change.before_state["events"]) == 5  # type: ignore[attr-defined]


def test_merged_chains_are_undone_in_order(
    services: Services, analyst: Actor, pair: dict[str, Any]
) -> None:
    # No chain of links: merging B into C re-links A (merged into B) to C; undoing B's merge
    # returns A to B; A's own merge is undone only after.
    with unit(services) as s:
        third = add_learner(s, "Amara", "Obi", postcode="NG9 9AA", events=1)
        c_uln, c_id = third.uln, third.id
    ids = [*pair["ids"], c_id]
    before = state(services, ids)
    with unit(services) as s:
        rc.apply_merge(s, pair["dup"], pair["master"], **who(analyst))
    with unit(services) as s:
        plan = rc.plan_merge(s, pair["master"], c_uln)
        assert set(plan.links_repointed) == {pair["dup"], pair["old"]}
        rc.apply_merge(s, pair["master"], c_uln, confirm_twins=True, **who(analyst))
    with pytest.raises(ValidationError) as caught, unit(services) as s:
        rc.plan_demerge(s, pair["dup"])
    assert f"de-merge {pair['master']} from {c_uln} first" in caught.value.message
    with unit(services) as s:
        undone = rc.plan_demerge(s, pair["master"])
        assert set(undone.links_restored) == {pair["dup"], pair["old"]}
        assert any(line.startswith("De-merge ULN") for line in undone.lines())
        rc.apply_demerge(s, pair["master"], previewed=undone, **who(analyst))
    with unit(services) as s:
        rc.apply_demerge(s, pair["dup"], **who(analyst))
    assert state(services, ids) == before


def test_a_master_keeps_each_merged_learners_names_whichever_merge_is_undone_first(
    services: Services, analyst: Actor
) -> None:
    # DOMAIN.md Data challenges: merge semantics (the duplicate's earlier names and postcodes
    # are kept on the master for matching) and "a de-merge must restore exactly what the merge
    # changed": two learners merged into one master both carry the family name Reid. Undoing
    # the first merge must not take away what the second, still standing, keeps for matching;
    # undoing both leaves the master as it was.
    def prev(uln: str) -> list[tuple[str, str]]:
        with unit(services) as s:
            learner = s.execute(select(Learner).where(Learner.uln == uln)).scalar_one()
            return sorted((r["kind"], r["value"]) for r in previous_rows(s, [learner.id]))

    with unit(services) as s:
        master = add_learner(s, "Amara", "Obi", postcode="NG7 2RD")
        first = add_learner(s, "Amara", "Reid", postcode="NG7 2RD", events=1)
        second = add_learner(s, "Amara", "Reid", postcode="LS6 2AB", events=1, gender=2)
        m, a, b = master.uln, first.uln, second.uln
        ids = [master.id, first.id, second.id]
    before = state(services, ids)
    with unit(services) as s:
        rc.apply_merge(s, b, m, **who(analyst))
    only_second = prev(m)
    with unit(services) as s:
        rc.apply_demerge(s, b, **who(analyst))
    for uln in (a, b):
        with unit(services) as s:
            rc.apply_merge(s, uln, m, **who(analyst))
    with unit(services) as s:
        rc.apply_demerge(s, a, **who(analyst))
    assert prev(m) == only_second == [("family_name", "Reid"), ("postcode", "LS6 2AB")]
    with unit(services) as s:
        rc.apply_demerge(s, b, **who(analyst))
    assert state(services, ids) == before


@pytest.mark.parametrize("how", ["registered", "edited"])
def test_undoing_a_retirement_is_refused_once_a_learner_with_the_same_key_data_is_registered(
    services: Services, analyst: Actor, agent: Actor, how: str
) -> None:
    # §4.2.2 (WSRC0021): key data identical to an active or linked learner's is refused. A
    # retired ULN no longer counts, so the same person may be registered again (or another
    # learner edited into the same key data); undoing the retirement then would put two
    # active learners with identical key data on the register.
    first = services.learners.register(agent, TOBIAS)
    assert first.learner is not None
    elsewhere = TOBIAS | {"postcode": "LS6 2AB"}
    other = services.learners.register(agent, elsewhere, confirmed_ulns=[first.learner.uln])
    assert other.learner is not None, other.message
    with unit(services) as s:
        retired = rc.apply_retire(s, first.learner.uln, "fictitious", **who(analyst))
    if how == "registered":
        seen = [first.learner.uln, other.learner.uln]
        registered = services.learners.register(agent, TOBIAS, confirmed_ulns=seen)
        assert registered.learner is not None, registered.message
        again = registered.learner
    else:
        again = services.learners.update(agent, other.learner, {"postcode": TOBIAS["postcode"]})
    with unit(services) as s:
        before = whole_database(s)
    for preview in (True, False):
        with pytest.raises(IdenticalLearner, match=again.uln), unit(services) as s:
            if preview:
                rc.plan_reverse(s, retired.change_id)
            else:
                rc.reverse(s, retired.change_id, **who(analyst))
    with unit(services) as s:
        assert whole_database(s) == before
