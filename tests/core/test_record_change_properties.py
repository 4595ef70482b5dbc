"""Properties of the record changes (issue 11 item 5; DOMAIN.md "Data challenges": merge
semantics, "a de-merge must restore exactly what the merge changed"): for generated learners
and events, merge then de-merge is the identity on both records, their links, previous values
and every event; so is any other change followed by its reversal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_change_helpers import NOW, add_learner, event_rows, learner_rows, previous_rows
from sqlalchemy import select, update

from lrs_core.db.models import LearningEvent
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.services import Services
from lrs_core.services import record_changes as rc

GIVEN = ("Amara", "Aisha", "Tobias", "Siân", "Łukasz", "Jon", "Jonathan")
FAMILY = ("Obi", "Khan", "Fairweather", "Ó Súilleabháin", "Zoë-Nowak")
POSTCODES = ("NG7 2RD", "LS6 2AB", "YO1 7HH", "ZZ99 9ZZ")

person = st.fixed_dictionaries(
    {
        "given": st.sampled_from(GIVEN),
        "family": st.sampled_from(FAMILY),
        "postcode": st.sampled_from(POSTCODES),
        "date_of_birth": st.dates(date(1990, 1, 1), date(2010, 12, 31)),
        "gender": st.sampled_from([0, 1, 2, 9]),
        "events": st.integers(0, 20),
        "removed_share": st.integers(0, 3),  # every n-th event removed (0: none)
        "previous": st.lists(
            st.tuples(
                st.sampled_from(["family_name", "postcode"]),
                st.sampled_from((*FAMILY, "Reid")),
            ),
            max_size=3,
        ),
        "links": st.integers(0, 2),
        "moved_in": st.booleans(),  # some events came from a linked ULN by an earlier merge
    }
)
SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(services: Services, p: dict[str, Any]) -> list[int]:
    """The learner ``p`` describes, its linked ULNs; returns their ids (the learner first)."""
    removed = p["events"] // p["removed_share"] if p["removed_share"] else 0
    previous = tuple(
        (kind, value if kind == "family_name" else POSTCODES[len(value) % 3])
        for kind, value in p["previous"]
    )
    with services.db.transaction() as s:
        row = add_learner(
            s, p["given"], p["family"], events=p["events"] - removed, removed=removed,
            previous=previous, postcode=p["postcode"], date_of_birth=p["date_of_birth"],
            gender=p["gender"],
        )  # fmt: skip
        links = [
            add_learner(s, p["given"], p["family"], status=LearnerStatus.LINKED,
                        master_learner_id=row.id).id
            for _ in range(p["links"])
        ]  # fmt: skip
        if p["moved_in"] and links:
            s.execute(
                update(LearningEvent)
                .where(LearningEvent.learner_id == row.id, LearningEvent.id % 2 == 0)
                .values(moved_from_learner_id=links[0])
            )
        return [row.id, *links]


def snapshot(services: Services, ids: list[int]) -> tuple[Any, ...]:
    with services.db.transaction(read_only=True) as s:
        return learner_rows(s, ids), event_rows(s, ids), previous_rows(s, ids)


def uln(services: Services, learner_id: int) -> str:
    with services.db.transaction(read_only=True) as s:
        from lrs_core.db.models import Learner

        return str(s.execute(select(Learner.uln).where(Learner.id == learner_id)).scalar_one())


@SLOW
@given(dup=person, master=person, later=st.integers(0, 2))
def test_merge_then_demerge_is_the_identity(
    services: Services, dup: dict[str, Any], master: dict[str, Any], later: int
) -> None:
    dup_ids, master_ids = build(services, dup), build(services, master)
    ids = dup_ids + master_ids
    before = snapshot(services, ids)
    who = {"operator_id": None, "challenge_id": None, "now": NOW}
    with services.db.transaction() as s:
        rc.apply_merge(s, uln(services, dup_ids[0]), uln(services, master_ids[0]),
                       confirm_twins=True, **who)  # fmt: skip
    # Events loaded on the master after the merge stay on it through the de-merge.
    with services.db.transaction() as s:
        new = [factories.event(master_ids[0], f"Loaded later {n}") for n in range(later)]
        s.add_all(new)
        s.flush()
        new_ids = {e.id for e in new}
    with services.db.transaction() as s:
        plan = rc.plan_demerge(s, uln(services, dup_ids[0]))
        assert {e.id for e in plan.events_staying} == new_ids
    with services.db.transaction() as s:
        rc.apply_demerge(s, uln(services, dup_ids[0]), **who)
    learners, events, previous = snapshot(services, ids)
    assert learners == before[0]
    assert [e for e in events if e["id"] not in new_ids] == before[1]
    assert {e["learner_id"] for e in events if e["id"] in new_ids} <= {master_ids[0]}
    assert previous == before[2]


KINDS = ("retire", "transfer", "removal", "correction")


@SLOW
@given(source=person, target=person, kind=st.sampled_from(KINDS), data=st.data())
def test_every_other_change_then_its_reversal_is_the_identity(
    services: Services, source: dict[str, Any], target: dict[str, Any], kind: str, data: Any
) -> None:
    source_ids, target_ids = build(services, source), build(services, target)
    ids = source_ids + target_ids
    with services.db.transaction(read_only=True) as s:
        active = list(
            s.execute(
                select(LearningEvent.id).where(
                    LearningEvent.learner_id == source_ids[0], LearningEvent.status == "active"
                )
            ).scalars()
        )
    if kind != "retire" and not active:
        kind = "retire"
    chosen = data.draw(st.lists(st.sampled_from(active), min_size=1, unique=True)) if active else []
    before = snapshot(services, ids)
    who = {"operator_id": None, "challenge_id": None, "now": NOW}
    with services.db.transaction() as s:
        if kind == "retire":
            done = rc.apply_retire(s, uln(services, source_ids[0]), "fictitious", **who)
        elif kind == "transfer":
            name = f"{target['given']} {target['family']}"
            done = rc.apply_event_transfer(s, chosen, uln(services, target_ids[0]), name, **who)
        elif kind == "removal":
            done = rc.apply_event_removal(s, chosen, "disputed by the learner", **who)
        else:
            done = rc.apply_event_correction(
                s, chosen[0], grade="Distinction*", end_date=NOW.date() - timedelta(days=1),
                ao_confirmation_note="confirmed by the AO", **who,
            )  # fmt: skip
    assert snapshot(services, ids) != before
    with services.db.transaction() as s:
        rc.reverse(s, done.change_id, **who)
    assert snapshot(services, ids) == before
