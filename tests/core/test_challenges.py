"""Raising data challenges, the queue, the detail and every status change.

DOMAIN.md "Data challenges" (User Guide §6.1 types and what each needs, §6.2-6.3 raising,
§6.4 history) and "Service levels" (the support-hour clock)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import (
    DUP_MASTER,
    DUP_SECOND,
    MERGED_LINKED,
    MERGED_MASTER,
    RETIRED,
    SAME_AS_MASTER,
    TARGET,
    TWIN_A,
    TWIN_B,
    MovableClock,
    analyst,
    audit_log,
    challenge_learners,
)
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import DataChallenge, DataChallengeNote, Organisation
from lrs_core.domain.challenges import (
    CURRENT_ILR_ADVICE,
    REQUIREMENTS,
    Move,
    NotAChallenge,
    NotAChallengeRefused,
    RaiseRequest,
    TransitionRefused,
    choices,
    collection_year,
    validate_phone,
)
from lrs_core.domain.kinds import ChallengeKind, ChallengeStatus, ChallengeType, OrganisationKind
from lrs_core.errors import InvalidFields, NotFound, PermissionDenied, ValidationError
from lrs_core.services import Services
from lrs_core.services.challenges import (
    QUEUE_PAGE,
    Assignee,
    ChallengeClaimed,
    QueueFilter,
    QueueSort,
    StaleChallenge,
)

HOSTILE = [
    entry["text"]
    for entry in json.loads((Path(__file__).parent.parent / "data/hostile-text.json").read_text())
]
RAISER = {
    "raiser_name": "R. Patel",
    "raiser_email": "r.patel@example.org",
    "raiser_phone": "0113 496 0000",
}


@pytest.fixture
def events(services: Services) -> dict[str, int]:
    with services.db.transaction() as session:
        session.add(
            Organisation(ukprn="10012345", name="Northgate College", kind=OrganisationKind.COLLEGE)
        )
        return challenge_learners(session)


@pytest.fixture
def ana(services: Services, events: dict[str, int]) -> Actor:
    return analyst(services)


@pytest.fixture
def ben(services: Services, events: dict[str, int]) -> Actor:
    return analyst(services, "ben.lyst", "Ben-Lyst-2026")


def ask(kind: ChallengeType, uln: str = DUP_MASTER, **fields: object) -> RaiseRequest:
    values: dict[str, object] = {"challenge_type": str(kind), "uln": uln, **RAISER}
    return RaiseRequest(**(values | fields))  # type: ignore[arg-type]


def duplicate(**fields: object) -> RaiseRequest:
    values: dict[str, object] = {
        "other_uln": DUP_SECOND,
        "reason": "The learner lived at both addresses.",
    }
    return ask(ChallengeType.DUPLICATE_ULN, **(values | fields))


def raised(services: Services, actor: Actor, request: RaiseRequest | None = None) -> str:
    return services.challenges.raise_challenge(actor, request or duplicate()).row.reference


def challenge_count(services: Services) -> int:
    with services.db.transaction(read_only=True) as session:
        return int(session.execute(select(func.count()).select_from(DataChallenge)).scalar_one())


# --- raising: what every challenge records (§6.2-6.4) ------------------------------------------


def test_an_agent_raises_a_duplicate_and_the_reference_contains_the_uln(
    services: Services, agent: Actor, events: dict[str, int], clock: MovableClock
) -> None:
    # §6.2: "the data challenge reference number contains the learner's ULN".
    detail = services.challenges.raise_challenge(agent, duplicate(organisation="10012345"))
    assert detail.row.reference == f"DC-{DUP_MASTER}-0001"
    assert detail.row.status is ChallengeStatus.OPEN
    assert detail.row.kind is ChallengeKind.ULN
    assert detail.row.organisation == "Northgate College"
    assert (detail.raiser_name, detail.raiser_email, detail.raiser_phone) == (
        "R. Patel",
        "r.patel@example.org",
        "0113 496 0000",
    )
    assert detail.other_uln == DUP_SECOND and detail.master_uln == DUP_MASTER
    # Service levels: priority 4 is 360 support hours, running from the raise.
    assert detail.row.clock.budget_seconds == 360 * 3600
    assert not detail.row.clock.paused and detail.row.clock.due_at is not None
    assert detail.row.clock_text.startswith("due in 360 support hours")
    second = services.challenges.raise_challenge(agent, duplicate())
    assert second.row.reference == f"DC-{DUP_MASTER}-0002"
    [entry] = audit_log(services, actions={"raise-challenge"}, limit=1)
    assert entry.subject_id == DUP_MASTER and entry.detail["reference"] == second.row.reference
    assert [t.text for t in detail.timeline] == ["raised"]


def test_a_duplicate_names_the_other_uln_that_exists_and_is_not_this_one(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1 duplicate ULN: "Both ULNs that you suspect the learner has".
    cases = {
        "": "Other ULN: is required",
        DUP_MASTER: f"Other ULN: {DUP_MASTER} is this learner's own ULN",
        "1000000010": "Other ULN: ",  # a wrong check digit
        "1000000124": "Other ULN: no learner has ULN 1000000124",
        RETIRED: f"Other ULN: {RETIRED} is retired",
        MERGED_LINKED: f"Other ULN: {MERGED_LINKED} is a linked ULN merged into {MERGED_MASTER}",
    }
    for other, message in cases.items():
        with pytest.raises(ValidationError) as refused:
            services.challenges.raise_challenge(agent, duplicate(other_uln=other))
        assert str(refused.value).startswith(message), other
    assert challenge_count(services) == 0


def test_a_duplicate_whose_key_data_differ_needs_a_reason_and_shows_the_differences(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1: "If data on the ULNs are significantly different then please give a reason".
    with pytest.raises(ValidationError) as refused:
        services.challenges.raise_challenge(agent, duplicate(reason=""))
    assert refused.value.field == "Reason" and "postcode" in refused.value.message
    detail = services.challenges.raise_challenge(agent, duplicate())
    assert [(d.field, d.this, d.other) for d in detail.differences] == [
        ("Postcode", "LS6 2AB", "LS1 4DY")
    ]
    # The same key data: no reason needed.
    same = services.challenges.raise_challenge(
        agent, duplicate(other_uln=SAME_AS_MASTER, reason="")
    )
    assert same.differences == ()


def test_the_master_is_one_of_the_two_ulns(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    detail = services.challenges.raise_challenge(agent, duplicate(master_uln=DUP_SECOND))
    assert detail.master_uln == DUP_SECOND
    with pytest.raises(ValidationError, match="Master ULN: 1000000094 must be one of the two"):
        services.challenges.raise_challenge(agent, duplicate(master_uln=TARGET))


def test_a_de_merge_needs_both_ulns_linked_now_and_a_reason(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1 ULN incorrectly merged: "Both ULNs that need to be de-merged. The reason why".
    request = ask(
        ChallengeType.INCORRECTLY_MERGED,
        MERGED_MASTER,
        other_uln=MERGED_LINKED,
        reason="Two different people: different schools.",
    )
    assert services.challenges.raise_challenge(agent, request).row.uln == MERGED_MASTER
    # Either way round.
    flipped = dataclasses.replace(request, uln=MERGED_LINKED, other_uln=MERGED_MASTER)
    assert services.challenges.raise_challenge(agent, flipped).row.uln == MERGED_LINKED
    with pytest.raises(InvalidFields) as refused:
        services.challenges.raise_challenge(agent, dataclasses.replace(request, reason=" "))
    assert [e.field for e in refused.value.errors] == ["Reason"]
    with pytest.raises(ValidationError, match="are not linked"):
        services.challenges.raise_challenge(
            agent, dataclasses.replace(request, other_uln=DUP_MASTER)
        )


@pytest.mark.parametrize(
    "kind",
    [
        ChallengeType.FICTITIOUS_ULN,
        ChallengeType.SHARED_ULN,
        ChallengeType.DECEASED,
        ChallengeType.USING_ANOTHER_ULN,
        ChallengeType.OTHER_ULN,
    ],
)
def test_other_uln_problems_need_comments(
    services: Services, agent: Actor, events: dict[str, int], kind: ChallengeType
) -> None:
    # §6.1 "ULN has other unspecified problem": "as much information as to what the issue is";
    # fictitious: what shows it.
    assert REQUIREMENTS[kind].comments_required
    with pytest.raises(InvalidFields) as refused:
        services.challenges.raise_challenge(agent, ask(kind))
    assert [e.field for e in refused.value.errors] == ["Comments"]
    detail = services.challenges.raise_challenge(agent, ask(kind, comments="Line one\nline two"))
    assert detail.comments == "Line one\nline two" and detail.row.challenge_type is kind


def test_a_uln_challenge_takes_no_events(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1: shared ULNs are a ULN problem, "not on the qualifications themselves".
    with pytest.raises(InvalidFields, match="Events: a shared-uln challenge is about the ULN"):
        services.challenges.raise_challenge(
            agent, ask(ChallengeType.SHARED_ULN, comments="x", event_ids=(events["maths"],))
        )


def test_a_retired_uln_takes_no_new_uln_challenge(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    with pytest.raises(ValidationError, match=f"ULN: {RETIRED} is already retired"):
        services.challenges.raise_challenge(
            agent, ask(ChallengeType.DECEASED, RETIRED, comments="Death certificate seen.")
        )


@pytest.mark.parametrize(
    "kind", [ChallengeType.DECEASED, ChallengeType.FICTITIOUS_ULN, ChallengeType.SHARED_ULN]
)
def test_a_linked_uln_takes_no_challenge_its_action_must_take_on_the_master(
    services: Services, agent: Actor, events: dict[str, int], kind: ChallengeType
) -> None:
    # §6.1 / issue 11 item 5: deceased and fictitious retire the learner, a shared ULN is split;
    # none of them acts on a linked ULN (find by it gives its master, WSRC0022), so such a
    # challenge raised on the linked ULN could never be resolved: refused, naming the master.
    before = challenge_count(services)
    with pytest.raises(ValidationError, match=f"ULN: {MERGED_LINKED} is a linked ULN merged"
                       f" into {MERGED_MASTER}: raise it on {MERGED_MASTER}"):  # fmt: skip
        services.challenges.raise_challenge(agent, ask(kind, MERGED_LINKED, comments="Seen."))
    assert challenge_count(services) == before


# --- raising event challenges (§6.3) ----------------------------------------------------------


def wrong_info(event_ids: tuple[int, ...], **fields: object) -> RaiseRequest:
    values: dict[str, object] = {"event_ids": event_ids, "proposed_grade": "6"}
    return ask(ChallengeType.EVENT_INFORMATION_WRONG, **(values | fields))


def test_information_wrong_proposes_a_grade_or_date(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.3.1: "In the Proposed column, edit any details that are incorrect".
    detail = services.challenges.raise_challenge(
        agent,
        wrong_info((events["maths"],), proposed_grade="6", proposed_award_date="20/8/2023"),
    )
    assert detail.row.kind is ChallengeKind.EVENT
    assert detail.proposed_grade == "6"
    assert detail.proposed_award_date is not None and detail.proposed_award_date.day == 20
    assert [e.id for e in detail.events] == [events["maths"]]
    with pytest.raises(InvalidFields, match="Proposed values: give at least one"):
        services.challenges.raise_challenge(
            agent, wrong_info((events["maths"],), proposed_grade="")
        )
    with pytest.raises(InvalidFields, match="Proposed end date"):
        services.challenges.raise_challenge(
            agent, wrong_info((events["maths"],), proposed_end_date="31/2/2023")
        )
    with pytest.raises(InvalidFields, match=r"Proposed award date: .* is in the future"):
        services.challenges.raise_challenge(
            agent, wrong_info((events["maths"],), proposed_award_date="1/1/2030")
        )


def test_information_wrong_is_refused_for_the_current_ilr_return(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1 NOTE: not against a qualification uploaded as part of your current ILR return.
    with pytest.raises(ValidationError) as refused:
        services.challenges.raise_challenge(agent, wrong_info((events["ilr-now"],)))
    assert refused.value.field == "Events" and CURRENT_ILR_ADVICE in refused.value.message
    # An earlier year's return may be challenged.
    services.challenges.raise_challenge(agent, wrong_info((events["ilr-old"],)))
    assert collection_year("ILR2627") == 2026
    assert collection_year("ILR 25/26") == 2025
    assert collection_year("R04") is None


def test_event_challenges_name_active_events_of_this_learner(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    with pytest.raises(ValidationError, match=f"is not on {DUP_MASTER}'s PLR"):
        services.challenges.raise_challenge(agent, wrong_info((events["toms"],)))
    with pytest.raises(ValidationError, match="was removed from the PLR"):
        services.challenges.raise_challenge(agent, wrong_info((events["removed"],)))
    with pytest.raises(InvalidFields, match="Events: select 1 to 20"):
        services.challenges.raise_challenge(agent, wrong_info(()))
    assert challenge_count(services) == 0


def not_belonging(event_id: int, **fields: object) -> RaiseRequest:
    values: dict[str, object] = {
        "event_ids": (event_id,),
        "event_action": "transfer",
        "target_uln": TARGET,
        "target_given_name": "jon",
        "target_family_name": " SMITH ",
    }
    return ask(ChallengeType.EVENT_NOT_BELONGING, **(values | fields))


def test_a_transfer_names_the_target_uln_and_a_name_that_matches_it(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.3.2: "clearly state the ULN and name of the learner", e.g. "1234567894 – John A Smith";
    # the name is folded as find by ULN folds it.
    detail = services.challenges.raise_challenge(agent, not_belonging(events["maths"]))
    assert detail.other_uln == TARGET and detail.target_name == "jon SMITH"
    assert detail.other is not None and detail.other.uln == TARGET
    with pytest.raises(ValidationError, match="Target name: does not match the learner"):
        services.challenges.raise_challenge(
            agent, not_belonging(events["maths"], target_given_name="John")
        )
    with pytest.raises(InvalidFields) as refused:
        services.challenges.raise_challenge(
            agent, not_belonging(events["maths"], target_uln="", target_family_name="")
        )
    assert [e.field for e in refused.value.errors] == ["Target ULN", "Target family name"]
    with pytest.raises(ValidationError, match=f"Target ULN: {RETIRED} is retired"):
        services.challenges.raise_challenge(
            agent,
            not_belonging(
                events["maths"], target_uln=RETIRED, target_given_name="Ann",
                target_family_name="Gray",
            ),
        )  # fmt: skip


def test_does_not_belong_takes_one_event_and_an_action(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    disputed = not_belonging(events["maths"], event_action="disputed", target_uln="")
    assert services.challenges.raise_challenge(agent, disputed).other is None
    with pytest.raises(InvalidFields, match="Event action: must be disputed, remove or transfer"):
        services.challenges.raise_challenge(agent, dataclasses.replace(disputed, event_action=""))
    with pytest.raises(InvalidFields, match="select exactly 1 qualification"):
        services.challenges.raise_challenge(
            agent, dataclasses.replace(disputed, event_ids=(events["maths"], events["english"]))
        )


@pytest.mark.parametrize("count", [1, 3])
def test_a_duplicated_event_challenge_takes_exactly_two_events(
    services: Services, agent: Actor, events: dict[str, int], count: int
) -> None:
    # §6.3.3: "Select the checkbox next to 2 qualifications"; the bad input: 1 or 3.
    chosen = (events["maths"], events["maths-again"], events["english"])[:count]
    request = ask(
        ChallengeType.EVENT_DUPLICATED, event_ids=chosen, not_participation_confirmed=True
    )
    with pytest.raises(InvalidFields, match=f"select exactly two .* \\(you selected {count}\\)"):
        services.challenges.raise_challenge(agent, request)
    assert challenge_count(services) == 0


def test_a_duplicated_event_challenge_confirms_neither_is_a_participation_record(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    request = ask(
        ChallengeType.EVENT_DUPLICATED, event_ids=(events["maths"], events["maths-again"])
    )
    with pytest.raises(InvalidFields, match="Participation check: confirm"):
        services.challenges.raise_challenge(agent, request)
    detail = services.challenges.raise_challenge(
        agent, dataclasses.replace(request, not_participation_confirmed=True)
    )
    assert detail.not_participation_confirmed and len(detail.events) == 2


# --- what is not a challenge, and the raiser's details -----------------------------------------


@pytest.mark.parametrize("reason", list(NotAChallenge))
def test_what_is_not_a_challenge_is_refused_with_the_guidance(
    services: Services, agent: Actor, events: dict[str, int], reason: NotAChallenge
) -> None:
    # §6.1: a missing qualification - contact the AO; name, address, DOB, opt-out - update it.
    assert (str(reason), reason.label) in choices()
    with pytest.raises(NotAChallengeRefused) as refused:
        services.challenges.raise_challenge(
            agent, dataclasses.replace(duplicate(), challenge_type=str(reason))
        )
    expected = (
        "awarding organisation"
        if reason is NotAChallenge.MISSING_QUALIFICATION
        else ("updating the learner")
    )
    assert expected in refused.value.message
    [entry] = audit_log(services, actions={"raise-challenge"}, limit=1)
    assert entry.outcome == "failed" and entry.detail["field"] == "Type"
    assert challenge_count(services) == 0


def test_every_raiser_detail_is_checked_and_named(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    request = duplicate(
        raiser_name=" ", raiser_email="no-at-sign", raiser_phone="12345", organisation="0123"
    )
    with pytest.raises(InvalidFields) as refused:
        services.challenges.raise_challenge(agent, request)
    assert [e.field for e in refused.value.errors] == [
        "Raiser name",
        "Raiser email",
        "Raiser phone",
    ]
    with pytest.raises(ValidationError, match="Organisation: no organisation has UKPRN 10099999"):
        services.challenges.raise_challenge(agent, duplicate(organisation="10099999"))


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("0113 496 0000", True),
        ("+44 (0)113 496 0000", True),
        ("07700900123", True),
        ("0113-496-0000", False),
        ("113 496", False),
        ("44+113 496 0000", False),
        ("+44 113 496 0000 0000 0", False),
    ],
)
def test_a_phone_number_is_a_uk_number(phone: str, ok: bool) -> None:
    if ok:
        assert validate_phone(phone) == phone
    else:
        with pytest.raises(ValidationError):
            validate_phone(phone)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_refused_or_kept_harmless_in_every_free_text_field(
    services: Services, ana: Actor, hostile: str
) -> None:
    # The text rule on the way in: a control or invisible character is refused, naming the
    # field; what passes is stored exactly as cleaned.
    reference = raised(services, ana)
    services.challenges.claim(ana, reference, None)
    attempts = {
        "Comments": lambda: services.challenges.raise_challenge(ana, duplicate(comments=hostile)),
        "Reason": lambda: services.challenges.raise_challenge(ana, duplicate(reason=hostile)),
        "Note": lambda: services.challenges.note(ana, reference, hostile),
        "Raiser name": lambda: services.challenges.raise_challenge(
            ana, duplicate(raiser_name=hostile)
        ),
    }
    for field, attempt in attempts.items():
        try:
            attempt()
        except ValidationError as refused:
            assert refused.field == field or any(
                e.field == field for e in getattr(refused, "errors", [])
            )
    with services.db.transaction(read_only=True) as session:
        stored = [
            *session.execute(select(DataChallenge.comments)).scalars(),
            *session.execute(select(DataChallenge.reason)).scalars(),
            *session.execute(select(DataChallenge.raiser_name)).scalars(),
            *session.execute(select(DataChallengeNote.text)).scalars(),
        ]
    for text in filter(None, stored):
        assert not any(ord(c) < 32 and c != "\n" for c in text)
        assert "\u202e" not in text and "\u200b" not in text


# --- permissions ------------------------------------------------------------------------------


def test_an_agent_raises_and_reads_but_does_not_claim_or_resolve(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    reference = raised(services, agent)
    assert services.challenges.detail(agent, reference).row.reference == reference
    assert services.challenges.queue(agent).total == 1
    assert [r.reference for r in services.challenges.history(agent, DUP_MASTER)] == [reference]
    detail = services.challenges.detail(agent, reference)
    assert detail.moves == (Move.WITHDRAW,)
    with pytest.raises(PermissionDenied):
        services.challenges.claim(agent, reference, None)
    with pytest.raises(PermissionDenied):
        services.challenges.note(agent, reference, "a note")
    [entry] = audit_log(services, actions={"note-challenge"}, limit=1)
    assert entry.outcome == "denied"
    assert services.challenges.detail(agent, reference).row.status is ChallengeStatus.OPEN


# --- the detail (issue item 4) ------------------------------------------------------------------


def test_the_detail_shows_both_learners_side_by_side_with_matching_levels(
    services: Services, ana: Actor
) -> None:
    detail = services.challenges.raise_challenge(ana, duplicate())
    assert detail.comparison is not None
    levels = {f.field: f.level for f in detail.comparison.fields}
    assert levels["Given name"] == "exact" and levels["Postcode"] == "different"
    assert not detail.comparison.possible_twins
    assert detail.comparison.explanation == ("Postcode: different (LS6 2AB / LS1 4DY).",)
    services.challenges.detail(ana, detail.row.reference)
    [look] = audit_log(services, actions={"view-challenge"}, limit=1)
    assert look.subject_id == DUP_MASTER and look.detail["other_uln"] == DUP_SECOND


def test_possible_twins_are_flagged(services: Services, ana: Actor) -> None:
    detail = services.challenges.raise_challenge(
        ana, duplicate(uln=TWIN_A, other_uln=TWIN_B, reason="")
    )
    assert detail.comparison is not None and detail.comparison.possible_twins
    assert detail.comparison.explanation[0].startswith("Possible twins")
    given = next(f for f in detail.comparison.fields if f.field == "Given name")
    assert (given.this, given.other) == ("Ella", "Emma") and given.level == "different"


def test_the_history_lists_every_challenge_on_a_learner_from_either_side(
    services: Services, ana: Actor
) -> None:
    # §6.4: "History shows all enquiries on a learner, from any organisation".
    first = raised(services, ana)
    second = services.challenges.raise_challenge(
        ana, duplicate(uln=DUP_SECOND, other_uln=DUP_MASTER)
    ).row.reference
    assert {r.reference for r in services.challenges.history(ana, DUP_MASTER)} == {first, second}
    assert [r.reference for r in services.challenges.detail(ana, first).history] == [
        second,
        first,
    ] or {r.reference for r in services.challenges.detail(ana, first).history} == {first, second}
    with pytest.raises(NotFound):
        services.challenges.history(ana, "1000000124")
    with pytest.raises(NotFound, match="no data challenge has reference DC-1000000124-0001"):
        services.challenges.detail(ana, "dc-1000000124-0001")
    with pytest.raises(ValidationError, match="Reference: must look like"):
        services.challenges.detail(ana, "DC-12")


# --- claims and statuses ------------------------------------------------------------------------


def test_claim_then_the_other_analyst_is_told_who_has_it(
    services: Services, ana: Actor, ben: Actor
) -> None:
    reference = raised(services, ana)
    version = services.challenges.detail(ana, reference).row.row_version
    claimed = services.challenges.claim(ana, reference, version)
    assert claimed.row.status is ChallengeStatus.IN_PROGRESS and claimed.row.assignee == "ana.lyst"
    assert claimed.row.row_version == version + 1
    with pytest.raises(ChallengeClaimed, match=f"{reference} is claimed by ana.lyst") as refused:
        services.challenges.claim(ben, reference, version)
    assert refused.value.by == "ana.lyst"
    for act in (
        lambda: services.challenges.resolve(ben, reference, None, "Merged."),
        lambda: services.challenges.await_information(ben, reference, None, "Which school?"),
        lambda: services.challenges.release(ben, reference, None),
    ):
        with pytest.raises(ChallengeClaimed):
            act()
    assert [t.kind for t in services.challenges.detail(ana, reference).timeline] == [
        "status",
        "claim",
    ]


def test_a_stale_screen_is_refused_with_what_changed_and_nothing_written(
    services: Services, ana: Actor
) -> None:
    reference = raised(services, ana)
    stale = services.challenges.claim(ana, reference, None).row.row_version
    services.challenges.note(ana, reference, "Phoned the college.")
    services.challenges.await_information(ana, reference, None, "Need proof of address.")
    with pytest.raises(StaleChallenge) as refused:
        services.challenges.resolve(ana, reference, stale, "Merged.")
    assert "awaiting information" in str(refused.value)
    assert "Need proof of address" in str(refused.value)
    detail = services.challenges.detail(ana, reference)
    assert detail.row.status is ChallengeStatus.AWAITING_INFORMATION and detail.resolution is None
    [entry] = audit_log(services, actions={"resolve-challenge"}, limit=1)
    assert entry.outcome == "failed"


def test_the_status_table(services: Services, ana: Actor, agent: Actor) -> None:
    # open -> in progress -> awaiting information -> in progress -> referred -> resolved;
    # resolved -> in progress (reopen) -> rejected; refused changes name the status.
    c = services.challenges
    reference = raised(services, ana)
    with pytest.raises(ValidationError, match="claim it first"):
        c.resolve(ana, reference, None, "Done.")
    c.claim(ana, reference, None)
    with pytest.raises(
        TransitionRefused,
        match="is in progress: it can be resumed only when it is awaiting information",
    ):
        c.resume(ana, reference, None)
    assert c.await_information(ana, reference, None, "Proof?").row.status is (
        ChallengeStatus.AWAITING_INFORMATION
    )
    with pytest.raises(
        TransitionRefused,
        match="awaiting information: it can be referred to the awarding organisation only when"
        " it is in progress",
    ):
        c.refer(ana, reference, None, "To the AO.")
    assert c.resume(ana, reference, None).row.status is ChallengeStatus.IN_PROGRESS
    assert c.refer(ana, reference, None, "Grade is AO data.").row.status is (
        ChallengeStatus.REFERRED
    )
    answered = c.record_ao_answer(ana, reference, None, "Grade stands.", confirmed=False)
    assert answered.row.status is ChallengeStatus.REFERRED and answered.ao_answer == "Grade stands."
    resolved = c.resolve(ana, reference, None, "The AO confirmed the grade.")
    assert resolved.row.status is ChallengeStatus.RESOLVED
    assert resolved.resolution == "The AO confirmed the grade."
    with pytest.raises(TransitionRefused, match=r"already resolved \(by ana.lyst\)"):
        c.reject(ana, reference, None, "No.")
    with pytest.raises(TransitionRefused, match="already resolved"):
        c.withdraw(agent, reference, None, "The raiser asked.")
    reopened = c.reopen(ana, reference, None, "The raiser sent new evidence.")
    assert reopened.row.status is ChallengeStatus.IN_PROGRESS and reopened.resolution is None
    rejected = c.reject(ana, reference, None, "Not a duplicate: different people.")
    assert rejected.row.status is ChallengeStatus.REJECTED
    blank = raised(services, ana)
    c.claim(ana, blank, None)
    with pytest.raises(ValidationError, match="Reason: is required"):
        c.reject(ana, blank, None, " ")
    [entry] = audit_log(services, actions={"reject-challenge"}, limit=1)
    assert entry.outcome == "failed" and entry.detail["field"] == "Reason"
    assert c.detail(ana, blank).row.status is ChallengeStatus.IN_PROGRESS


def test_the_raiser_may_withdraw_through_an_agent(
    services: Services, ana: Actor, agent: Actor
) -> None:
    reference = raised(services, agent)
    services.challenges.claim(ana, reference, None)
    withdrawn = services.challenges.withdraw(agent, reference, None, "Raised in error.")
    assert withdrawn.row.status is ChallengeStatus.WITHDRAWN
    assert withdrawn.timeline[-1].text.startswith("withdrawn at the raiser's request")
    with pytest.raises(TransitionRefused, match=r"already withdrawn \(by kim.lee\)"):
        services.challenges.claim(ana, reference, None)


def test_an_ao_confirmation_brings_it_back_to_apply_the_correction(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    c = services.challenges
    reference = c.raise_challenge(ana, wrong_info((events["maths"],))).row.reference
    c.claim(ana, reference, None)
    referred = c.refer(ana, reference, None, "Asked the AO.")
    # Service levels: the clock stops while the AO has it (not paused awaiting the raiser).
    assert (
        referred.row.clock_text
        == "stopped while with the awarding organisation: 360 support hours left"
    )
    back = c.record_ao_answer(ana, reference, None, "Grade 6 confirmed.", confirmed=True)
    assert back.row.status is ChallengeStatus.IN_PROGRESS and back.ao_answer == "Grade 6 confirmed."
    assert not back.row.clock.paused


# --- the clock (Service levels) ---------------------------------------------------------------


def test_awaiting_information_pauses_the_clock_and_resume_restarts_it(
    services: Services, ana: Actor, clock: MovableClock
) -> None:
    # Monday 23 Nov 2026 10:00 UTC (10:00 London): raised, claimed; two support hours later
    # paused; the weekend passes; resumed on Monday 30th 09:00 with 358 hours left.
    c = services.challenges
    reference = raised(services, ana)
    c.claim(ana, reference, None)
    clock.now += timedelta(hours=2)
    paused = c.await_information(ana, reference, None, "Proof of address?")
    assert paused.row.clock.paused and paused.row.clock.used_seconds == 2 * 3600
    assert paused.row.clock_text == "paused: 358 support hours left"
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert c.detail(ana, reference).row.clock.used_seconds == 2 * 3600  # paused: no time passes
    resumed = c.resume(ana, reference, None, "Proof received.")
    assert not resumed.row.clock.paused
    assert resumed.row.clock.remaining_seconds == 358 * 3600
    due = resumed.row.clock.due_at
    assert due is not None and due == c.calendar.add(clock.now, 358 * 3600)
    stopped = c.resolve(ana, reference, None, "Merged.")
    assert stopped.row.clock.paused and stopped.row.clock_text.startswith("closed (2 support hours")


def test_the_clock_warns_and_breaches(services: Services, ana: Actor, clock: MovableClock) -> None:
    c = services.challenges
    reference = raised(services, ana)
    c.claim(ana, reference, None)
    due = c.detail(ana, reference).row.clock.due_at
    assert due is not None
    clock.now = due - timedelta(days=7)
    row = c.detail(ana, reference).row
    assert row.warning and not row.breached
    assert c.my_counts(ana) == (1, 0)
    clock.now = due + timedelta(hours=1)
    row = c.detail(ana, reference).row
    assert row.breached and row.clock_text.startswith("overdue")
    assert c.my_counts(ana) == (0, 1)


# --- the queue (issue item 2) --------------------------------------------------------------------


def test_the_queue_shows_open_work_sorted_by_due_and_filters(
    services: Services, ana: Actor, ben: Actor, clock: MovableClock, events: dict[str, int]
) -> None:
    c = services.challenges
    first = raised(services, ana, duplicate(organisation="10012345"))
    clock.now += timedelta(days=3)
    second = raised(services, ana, wrong_info((events["maths"],)))
    clock.now += timedelta(days=3)
    third = raised(services, ana, ask(ChallengeType.OTHER_ULN, TARGET, comments="Odd."))
    c.claim(ana, second, None)
    c.claim(ben, third, None)
    c.await_information(ben, third, None, "More?")
    closed = raised(services, ana, ask(ChallengeType.DECEASED, TWIN_A, comments="Certificate."))
    c.withdraw(ana, closed, None, "Raised in error.")

    def refs(**given: object) -> list[str]:
        return [r.reference for r in c.queue(ana, QueueFilter(**given)).rows]  # type: ignore[arg-type]

    # Due first; the paused clock after the running ones; closed work not shown.
    assert refs() == [first, second, third]
    assert refs(sort=QueueSort.RAISED) == [first, second, third]
    assert refs(sort=QueueSort.REFERENCE) == sorted([first, second, third])
    assert refs(sort=QueueSort.STATUS) == [first, second, third]
    assert refs(kind=ChallengeKind.EVENT) == [second]
    assert refs(challenge_type=ChallengeType.OTHER_ULN) == [third]
    assert refs(statuses=frozenset({ChallengeStatus.WITHDRAWN})) == [closed]
    assert refs(organisation="northgate") == [first]
    assert refs(organisation="10012345") == [first]
    assert refs(assignee=Assignee.MINE) == [second]
    assert refs(assignee=Assignee.UNASSIGNED) == [first]
    assert refs(assignee="ben.lyst") == [third]
    assert refs(older_than_days=5) == [first]
    page = c.queue(ana, QueueFilter(limit=2, offset=1))
    assert [r.reference for r in page.rows] == [second, third] and page.total == 3
    assert c.queue(ana, QueueFilter(offset=10)).total == 3
    row = c.queue(ana).rows[0]
    assert row.learner_name == "Priya Shah" and row.age_days == 6 and row.uln == DUP_MASTER
    [look] = audit_log(services, actions={"view-challenge-queue"}, limit=1)
    assert look.detail["shown"] == 3


def test_a_queue_of_many_challenges_is_one_query(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    # Issue item 2: fast with 10,000 open challenges - one query, however many rows.
    raised(services, ana)
    with services.db.transaction() as session:
        template = session.execute(select(DataChallenge)).scalar_one()
        for i in range(2, 251):
            session.add(
                DataChallenge(
                    reference=f"DC-{DUP_MASTER}-{i:04d}",
                    learner_id=template.learner_id,
                    kind=template.kind,
                    challenge_type=template.challenge_type,
                    status=ChallengeStatus.OPEN,
                    raiser_name="R. Patel",
                    raiser_email="r.patel@example.org",
                    raised_at=template.raised_at,
                    clock_started_at=template.raised_at,
                    due_at=template.due_at,
                    updated_at=template.raised_at,
                )
            )
    statements: list[str] = []
    from sqlalchemy import event

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        page = services.challenges.queue(ana)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    assert page.total == 250 and len(page.rows) == QUEUE_PAGE  # one page, and how many
    assert sum("FROM data_challenge" in s for s in statements) == 1


def test_the_plr_marks_an_event_under_open_work_over_a_closed_challenge(
    services: Services, ana: Actor, events: dict[str, int]
) -> None:
    # Issue item 1: "An event under a challenge is marked in the PLR" - awaiting information
    # and referred are open work too, and their mark wins over an earlier, closed challenge.
    c = services.challenges
    first = c.raise_challenge(ana, wrong_info((events["maths"],))).row.reference
    c.claim(ana, first, None)
    c.reject(ana, first, None, "The grade is right.")
    second = c.raise_challenge(ana, wrong_info((events["maths"],))).row.reference
    c.claim(ana, second, None)
    c.await_information(ana, second, None, "Send the certificate.")
    plr = services.plr.open(ana, DUP_MASTER)
    mark = next(e.challenge for e in plr.events if e.id == events["maths"])
    assert mark is not None
    assert (mark.reference, mark.status) == (second, "awaiting-information")


def test_a_raise_form_compares_the_two_learners_first(
    services: Services, agent: Actor, events: dict[str, int]
) -> None:
    # §6.1: the form shows the differences that make a reason necessary.
    compared = services.challenges.compare(agent, DUP_MASTER, DUP_SECOND)
    assert [d.field for d in compared.differences] == ["Postcode"]
    assert not compared.possible_twins
    [look] = audit_log(services, actions={"compare-learners"}, limit=1)
    assert look.subject_id == DUP_MASTER and look.detail["other_uln"] == DUP_SECOND
    with pytest.raises(NotFound):
        services.challenges.compare(agent, DUP_MASTER, "1000000124")


@pytest.mark.parametrize(
    ("uln", "message"),
    [
        ("1000000124", "ULN: no learner has ULN 1000000124"),
        ("1000000063", "ULN: "),  # remainder 0: no valid check digit (DOMAIN.md formats)
        ("12345", "ULN: "),
    ],
)
def test_a_challenge_on_an_unknown_or_invalid_uln_is_refused(
    services: Services, agent: Actor, events: dict[str, int], uln: str, message: str
) -> None:
    # The bad input: unknown ULN, a bad check digit; nothing written, the refusal
    # audited naming the field.
    with pytest.raises(ValidationError) as refused:
        services.challenges.raise_challenge(
            agent, ask(ChallengeType.OTHER_ULN, uln, comments="Something is wrong.")
        )
    assert str(refused.value).startswith(message) and refused.value.field == "ULN"
    assert challenge_count(services) == 0
    [entry] = audit_log(services, actions={"raise-challenge"}, limit=1)
    assert entry.outcome == "failed" and entry.detail["field"] == "ULN"
