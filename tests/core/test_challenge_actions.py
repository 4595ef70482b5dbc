"""Resolution actions on a challenge (issue 11 item 5): each previewed (writing nothing but the
look's audit), then applied with the record change, an action on the timeline and the
challenge resolved, in one transaction; reopen undoes it exactly. DOMAIN.md "Data challenges"
(merge semantics; a de-merge restores exactly what the merge changed) and User Guide §6.1."""

from __future__ import annotations

import pytest
from factories import (
    DUP_MASTER,
    DUP_SECOND,
    TARGET,
    TWIN_A,
    TWIN_B,
    analyst,
    audit_log,
    challenge_learners,
)
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import Learner, LearningEvent, RecordChange
from lrs_core.domain.challenges import Move, RaiseRequest
from lrs_core.domain.kinds import (
    ChallengeStatus,
    ChallengeType,
    EventStatus,
    LearnerStatus,
    RecordChangeKind,
)
from lrs_core.domain.values import OutcomeCode
from lrs_core.errors import (
    StalePreview,
    TwinsNeedConfirmation,
    ValidationError,
)
from lrs_core.services import Services, record_changes
from lrs_core.services.challenges import ChallengeClaimed

RAISER = {
    "raiser_name": "R. Patel",
    "raiser_email": "r.patel@example.org",
    "raiser_phone": "0113 496 0000",
}


@pytest.fixture
def events(services: Services) -> dict[str, int]:
    with services.db.transaction() as session:
        return challenge_learners(session)


@pytest.fixture
def ana(services: Services, events: dict[str, int]) -> Actor:
    return analyst(services)


def claimed(services: Services, actor: Actor, kind: ChallengeType, **fields: object) -> str:
    values: dict[str, object] = {"challenge_type": str(kind), "uln": DUP_MASTER, **RAISER}
    request = RaiseRequest(**(values | fields))  # type: ignore[arg-type]
    reference = services.challenges.raise_challenge(actor, request).row.reference
    services.challenges.claim(actor, reference, None)
    return reference


def duplicate(services: Services, actor: Actor, **fields: object) -> str:
    values: dict[str, object] = {"other_uln": DUP_SECOND, "reason": "Lived at both addresses."}
    return claimed(services, actor, ChallengeType.DUPLICATE_ULN, **(values | fields))


def snapshot(services: Services) -> tuple[object, ...]:
    with services.db.transaction(read_only=True) as session:
        learners = session.execute(
            select(Learner.uln, Learner.status, Learner.master_learner_id).order_by(Learner.uln)
        ).all()
        placed = session.execute(
            select(LearningEvent.id, LearningEvent.learner_id, LearningEvent.status).order_by(
                LearningEvent.id
            )
        ).all()
        changes = session.execute(select(func.count()).select_from(RecordChange)).scalar_one()
    return tuple(learners), tuple(placed), changes


def test_merge_previews_then_merges_and_resolves_in_one_action(
    services: Services, ana: Actor
) -> None:
    # Issue item 5: a preview that writes nothing and shows exactly what would change; then
    # the duplicate becomes a linked ULN of the master (find by it: WSRC0022).
    reference = duplicate(services, ana)
    before = snapshot(services)
    version = services.challenges.detail(ana, reference).row.row_version
    shown = services.challenges.merge(ana, reference, version, preview=True)
    assert shown.preview and shown.change is None and shown.plan is not None
    assert any(DUP_SECOND in line for line in shown.lines)
    assert snapshot(services) == before
    assert services.challenges.detail(ana, reference).row.row_version == version
    [look] = audit_log(services, actions={"preview-challenge-merge"}, limit=1)
    assert look.outcome == "ok"

    done = services.challenges.merge(ana, reference, version, previewed=shown.plan)
    assert done.change is not None and done.change.kind is RecordChangeKind.MERGE
    detail = done.detail
    assert detail.row.status is ChallengeStatus.RESOLVED and detail.row.clock.paused
    assert [t.kind for t in detail.timeline][-2:] == ["action", "status"]
    assert [c.kind for c in detail.changes] == [RecordChangeKind.MERGE]
    found = services.learners.find_by_uln(ana, DUP_SECOND, "Priya", "Shah")
    assert found.outcome is OutcomeCode.LINKED_LEARNER_MATCH
    assert found.learner is not None and found.learner.uln == DUP_MASTER
    [entry] = audit_log(services, actions={"challenge-merge"}, limit=1)
    assert entry.detail["change"] == "merge" and entry.detail["learner"] == DUP_SECOND


def test_reopen_undoes_the_merge_exactly(services: Services, ana: Actor) -> None:
    reference = duplicate(services, ana)
    before = snapshot(services)
    services.challenges.merge(ana, reference, None)
    [plan] = services.challenges.preview_reopen(ana, reference)
    assert plan.lines()
    reopened = services.challenges.reopen(ana, reference, None, "Merged in error.")
    assert reopened.row.status is ChallengeStatus.IN_PROGRESS
    assert reopened.changes[0].reversed_by is not None
    learners, placed, _ = snapshot(services)
    assert (learners, placed) == before[:2]
    found = services.learners.find_by_uln(ana, DUP_SECOND, "Priya", "Shah")
    assert found.outcome is OutcomeCode.EXACT_MATCH


def test_a_de_merge_challenge_restores_the_pair(services: Services, ana: Actor) -> None:
    first = duplicate(services, ana)
    before = snapshot(services)[:2]
    services.challenges.merge(ana, first, None)
    demerge = claimed(
        services, ana, ChallengeType.INCORRECTLY_MERGED, other_uln=DUP_SECOND,
        reason="Two people.",
    )  # fmt: skip
    shown = services.challenges.demerge(ana, demerge, None, preview=True)
    assert shown.plan is not None
    done = services.challenges.demerge(ana, demerge, None, previewed=shown.plan)
    assert done.change is not None and done.change.kind is RecordChangeKind.DEMERGE
    assert snapshot(services)[:2] == before


def test_possible_twins_need_a_second_confirmation(services: Services, ana: Actor) -> None:
    reference = claimed(services, ana, ChallengeType.DUPLICATE_ULN, uln=TWIN_A, other_uln=TWIN_B)
    assert services.challenges.detail(ana, reference).comparison.possible_twins  # type: ignore[union-attr]
    before = snapshot(services)
    with pytest.raises(TwinsNeedConfirmation):
        services.challenges.merge(ana, reference, None)
    assert snapshot(services) == before
    assert services.challenges.detail(ana, reference).row.status is ChallengeStatus.IN_PROGRESS
    done = services.challenges.merge(ana, reference, None, confirm_twins=True)
    assert done.detail.row.status is ChallengeStatus.RESOLVED


def test_an_action_needs_the_challenge_claimed_by_this_analyst_and_of_its_type(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    ben = analyst(services, "ben.lyst", "Ben-Lyst-2026")
    reference = duplicate(services, ana)
    before = snapshot(services)
    with pytest.raises(ChallengeClaimed, match=r"claimed by ana\.lyst"):
        services.challenges.merge(ben, reference, None)
    with pytest.raises(ChallengeClaimed):
        services.challenges.merge(ben, reference, None, preview=True)
    with pytest.raises(ValidationError, match="retire does not resolve a duplicate uln"):
        services.challenges.retire(ana, reference, None)
    services.challenges.release(ana, reference, None)
    with pytest.raises(ValidationError, match="claim it first"):
        services.challenges.merge(ana, reference, None)
    assert snapshot(services) == before


def test_a_preview_the_records_have_moved_past_is_refused(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    reference = duplicate(services, ana)
    shown = services.challenges.merge(ana, reference, None, preview=True)
    with services.db.transaction() as session:  # another event arrives on the duplicate
        second = session.execute(select(Learner).where(Learner.uln == DUP_SECOND)).scalar_one()
        session.add(
            LearningEvent(
                learner_id=second.id, subject="Science", source="AO", date_loaded=shown.detail
                .row.raised_at.date(),
            )
        )  # fmt: skip
    before = snapshot(services)
    with pytest.raises(StalePreview):
        services.challenges.merge(ana, reference, None, previewed=shown.plan)
    assert snapshot(services) == before
    with pytest.raises(ValidationError, match="Preview: the preview given is of another action"):
        services.challenges.retire(
            ana,
            claimed(services, ana, ChallengeType.DECEASED, uln=TARGET, comments="Certificate."),
            None,
            previewed=shown.plan,
        )


def test_transfer_moves_the_event_to_the_named_learner(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    reference = claimed(
        services, ana, ChallengeType.EVENT_NOT_BELONGING, event_ids=(events["maths"],),
        event_action="transfer", target_uln=TARGET, target_given_name="Jon",
        target_family_name="Smith",
    )  # fmt: skip
    shown = services.challenges.transfer_event(ana, reference, None, preview=True)
    assert any(TARGET in line for line in shown.lines)
    done = services.challenges.transfer_event(ana, reference, None, previewed=shown.plan)
    assert done.detail.events[0].uln == TARGET
    assert done.detail.row.status is ChallengeStatus.RESOLVED


def test_a_duplicated_event_is_removed_softly_once_one_is_chosen(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    pair = (events["maths"], events["maths-again"])
    reference = claimed(
        services, ana, ChallengeType.EVENT_DUPLICATED, event_ids=pair,
        not_participation_confirmed=True,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="choose which one"):
        services.challenges.remove_event(ana, reference, None, "Loaded twice.")
    done = services.challenges.remove_event(
        ana, reference, None, "Loaded twice.", event_ids=(events["maths-again"],)
    )
    statuses = {e.id: e.status for e in done.detail.events}
    assert statuses == {events["maths"]: EventStatus.ACTIVE, pair[1]: EventStatus.REMOVED}
    reopened = services.challenges.reopen(ana, reference, None, "Wrong one.")
    assert {e.status for e in reopened.events} == {EventStatus.ACTIVE}


def test_an_awarding_organisations_grade_is_corrected_only_with_its_confirmation(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    # Issue item 5: "a correction applied only with the AO's confirmation noted".
    reference = claimed(
        services, ana, ChallengeType.EVENT_INFORMATION_WRONG, event_ids=(events["maths"],),
        proposed_grade="6",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="AO confirmation"):
        services.challenges.correct_event(ana, reference, None)
    services.challenges.refer(ana, reference, None, "Asked the AO.")
    with pytest.raises(ValidationError, match="an action needs it in progress"):
        services.challenges.correct_event(ana, reference, None)
    services.challenges.record_ao_answer(ana, reference, None, "Not confirmed.", confirmed=False)
    services.challenges.record_ao_answer(ana, reference, None, "Grade 6 confirmed.", confirmed=True)
    done = services.challenges.correct_event(ana, reference, None)
    assert done.detail.events[0].grade == "6"
    assert done.change is not None and done.change.kind is RecordChangeKind.EVENT_CORRECTION


def test_a_deceased_learners_uln_is_retired(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    reference = claimed(
        services, ana, ChallengeType.DECEASED, uln=TARGET, comments="Certificate seen."
    )
    done = services.challenges.retire(ana, reference, None, resolution="ULN retired: deceased.")
    assert done.detail.learner.status is LearnerStatus.RETIRED
    assert done.detail.resolution == "ULN retired: deceased."


def test_a_shared_uln_is_split_under_the_registration_rules(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    reference = claimed(services, ana, ChallengeType.SHARED_ULN, comments="Two sisters.")
    fields = {
        "given_name": "Meera",
        "family_name": "Okonjo",
        "date_of_birth": "2009-03-04",
        "gender": "2",
        "postcode": "LS6 2AB",
        "verification_type": "2",
        "ability_to_share": "1",
    }
    shown = services.challenges.split_shared_uln(
        ana, reference, None, fields, (events["english"],), preview=True
    )
    done = services.challenges.split_shared_uln(
        ana, reference, None, fields, (events["english"],), previewed=shown.plan
    )
    assert done.change is not None and done.change.other_uln
    assert done.detail.row.status is ChallengeStatus.RESOLVED
    with services.db.transaction(read_only=True) as session:
        moved_to = session.execute(
            select(Learner.uln)
            .join(LearningEvent, LearningEvent.learner_id == Learner.id)
            .where(LearningEvent.id == events["english"])
        ).scalar_one()
    assert moved_to == done.change.other_uln != DUP_MASTER


def test_a_de_merge_challenge_undoes_only_the_merge_of_the_two_ulns_it_names(
    services: Services, ana: Actor
) -> None:
    # §6.1 "ULN incorrectly merged": both ULNs, which must be linked now. If the duplicate has
    # since been de-merged and merged into a third learner, the challenge's de-merge must not
    # undo that other merge (a pair the raiser never named): refused, nothing written.
    first = duplicate(services, ana)
    services.challenges.merge(ana, first, None)  # DUP_SECOND into DUP_MASTER
    demerge = claimed(
        services, ana, ChallengeType.INCORRECTLY_MERGED, other_uln=DUP_SECOND,
        reason="Two people.",
    )  # fmt: skip
    services.challenges.reopen(ana, first, None, "Merged in error.")  # de-merged meanwhile
    with services.db.transaction() as session:  # and merged into another learner since
        record_changes.apply_merge(
            session, DUP_SECOND, TARGET, operator_id=ana.operator_id, challenge_id=None,
            now=services.clock(), confirm_twins=True,
        )  # fmt: skip
    before = snapshot(services)
    for preview in (True, False):
        with pytest.raises(ValidationError, match=f"{DUP_SECOND} is linked to {TARGET}"):
            services.challenges.demerge(ana, demerge, None, preview=preview)
    assert snapshot(services) == before


def test_reopening_a_de_merge_challenge_is_refused_rather_than_leaving_the_de_merge_in_place(
    services: Services, ana: Actor
) -> None:
    # Issue 11 item 5: reopen a resolved challenge by reversing its action. A de-merge is not
    # reversed by reopening (no undo of an undo), so reopening would leave the records
    # de-merged under a challenge that says it is being worked again: refused, naming the way
    # to merge them again, and nothing written.
    first = duplicate(services, ana)
    services.challenges.merge(ana, first, None)
    demerge = claimed(
        services, ana, ChallengeType.INCORRECTLY_MERGED, other_uln=DUP_SECOND,
        reason="Two people.",
    )  # fmt: skip
    services.challenges.demerge(ana, demerge, None)
    before = snapshot(services)
    version = services.challenges.detail(ana, demerge).row.row_version
    with pytest.raises(ValidationError, match="raise a duplicate ULN challenge"):
        services.challenges.preview_reopen(ana, demerge)
    with pytest.raises(ValidationError, match="raise a duplicate ULN challenge"):
        services.challenges.reopen(ana, demerge, None, "De-merged in error.")
    assert snapshot(services) == before
    detail = services.challenges.detail(ana, demerge)
    assert detail.row.status is ChallengeStatus.RESOLVED and detail.row.row_version == version
    assert Move.REOPEN not in detail.moves  # nor is it offered, to be refused
    assert Move.REOPEN in services.challenges.detail(ana, first).moves
    [refused] = audit_log(services, actions={"reopen-challenge"}, limit=1)
    assert refused.outcome != "ok"
    # The merge challenge (its merge undone by the other challenge) reopens; merged again and
    # reopened (undone by the reopen's own de-merge), it can be reopened once more later.
    services.challenges.reopen(ana, first, None, "Evidence came.")
    services.challenges.merge(ana, first, None)
    services.challenges.reopen(ana, first, None, "Merged in error.")
    services.challenges.reject(ana, first, None, "Not the same learner after all.")
    assert services.challenges.reopen(ana, first, None, "More evidence.").row.status is (
        ChallengeStatus.IN_PROGRESS
    )
    assert snapshot(services)[:2] == before[:2]
