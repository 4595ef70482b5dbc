"""Two analysts at once (issue 11 "Concurrency": run on the real PostgreSQL when the run has
one, and on SQLite, whose writers serialise). Merging A into B and B into A at the same
moment: exactly one succeeds, no cycle, no learner or event lost or duplicated. Two de-merges
of one merge: exactly one (DOMAIN.md "Data challenges": merge semantics)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from record_change_helpers import NOW, add_learner, at_once
from sqlalchemy import func, select

from lrs_core.db.models import Learner, LearningEvent, RecordChange
from lrs_core.domain.kinds import LearnerStatus, RecordChangeKind
from lrs_core.errors import ValidationError
from lrs_core.services import Services
from lrs_core.services import record_changes as rc

ROUNDS = 8
WHO: dict[str, Any] = {"operator_id": None, "challenge_id": None, "now": NOW}


def counts(services: Services) -> tuple[int, int, Counter[int]]:
    with services.db.transaction(read_only=True) as s:
        learners = s.execute(select(func.count()).select_from(Learner)).scalar_one()
        events = s.execute(select(LearningEvent.id)).scalars().all()
        return int(learners), len(events), Counter(events)


def merge(services: Services, dup: str, master: str) -> rc.AppliedChange:
    with services.db.transaction() as s:
        return rc.apply_merge(s, dup, master, **WHO)


def demerge(services: Services, linked: str) -> rc.AppliedChange:
    with services.db.transaction() as s:
        return rc.apply_demerge(s, linked, **WHO)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_into_b_and_b_into_a_at_once_exactly_one_succeeds(
    services: Services, round_: int
) -> None:
    with services.db.transaction() as s:
        a = add_learner(s, "Bram", "Holt", events=7, removed=1)
        b = add_learner(s, "Bram", "Holte", events=5)
        a_id, b_id, a_uln, b_uln = a.id, b.id, a.uln, b.uln
    learners, events, each = counts(services)
    outcomes = at_once(lambda: merge(services, a_uln, b_uln), lambda: merge(services, b_uln, a_uln))
    done = [o for o in outcomes if isinstance(o, rc.AppliedChange)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "is linked to" in refused[0].message  # told why: the other merge went first
    with services.db.transaction(read_only=True) as s:
        two = Learner.id.in_([a_id, b_id])
        statuses = {i: st for i, st in s.execute(select(Learner.id, Learner.status).where(two))}
        masters = {
            i: m for i, m in s.execute(select(Learner.id, Learner.master_learner_id).where(two))
        }
        on = Counter(s.execute(select(LearningEvent.learner_id).where(
            LearningEvent.learner_id.in_([a_id, b_id]))).scalars())  # fmt: skip
    assert sorted(statuses.values()) == [LearnerStatus.ACTIVE, LearnerStatus.LINKED]
    linked = next(i for i, st in statuses.items() if st is LearnerStatus.LINKED)
    survivor = next(i for i in statuses if i != linked)
    assert masters == {linked: survivor, survivor: None}  # no cycle
    assert on == Counter({survivor: 13})  # every event on the survivor, once
    assert counts(services) == (learners, events, each)  # nothing lost or duplicated


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_demerges_of_one_merge_exactly_one(services: Services, round_: int) -> None:
    with services.db.transaction() as s:
        a = add_learner(s, "Cul", "Fenn", events=6)
        b = add_learner(s, "Cul", "Fenn", events=2, postcode="YO1 7HH")
        a_uln, b_uln = a.uln, b.uln
    merged = merge(services, a_uln, b_uln)
    before = counts(services)
    outcomes = at_once(lambda: demerge(services, a_uln), lambda: demerge(services, a_uln))
    done = [o for o in outcomes if isinstance(o, rc.AppliedChange)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "not linked" in refused[0].message
    assert counts(services) == before
    with services.db.transaction(read_only=True) as s:
        undo = s.execute(
            select(RecordChange).where(RecordChange.reverses_id == merged.change_id)
        ).scalar_one()
        assert undo.kind is RecordChangeKind.DEMERGE
        on_a = s.execute(select(func.count()).where(LearningEvent.learner_id == a.id)).scalar_one()
        assert on_a == 6
