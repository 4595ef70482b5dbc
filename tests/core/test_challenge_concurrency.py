"""Two analysts at once (issue 11 "Concurrency", on the real PostgreSQL where the run has one):
a claim has exactly one winner and the other is told who; two raises on one learner get two
references; of two changes made from the same screen, one is applied and the other refused.
DOMAIN.md "Data challenges"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from factories import DUP_MASTER, DUP_SECOND, analyst, challenge_learners
from sqlalchemy import func, select

from lrs_core.db.models import DataChallenge, DataChallengeNote, Learner, LearningEvent
from lrs_core.domain.challenges import RaiseRequest, TransitionRefused
from lrs_core.domain.kinds import ChallengeStatus, LearnerStatus
from lrs_core.services import Services
from lrs_core.services.challenges import ChallengeClaimed, StaleChallenge

ROUNDS = 8

REQUEST = RaiseRequest(
    challenge_type="duplicate-uln",
    uln=DUP_MASTER,
    other_uln=DUP_SECOND,
    reason="Lived at both addresses.",
    raiser_name="R. Patel",
    raiser_email="r.patel@example.org",
    raiser_phone="0113 496 0000",
)


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Each action in its own thread, released together: what each returned or raised."""
    start = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = actions[i]()
        except Exception as exc:  # the test inspects what each thread got
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def setting(services: Services) -> None:
    with services.db.transaction() as session:
        challenge_learners(session)


def test_two_analysts_claim_at_once_and_exactly_one_wins(services: Services, setting: None) -> None:
    ana = analyst(services, "ana.lyst", "Ana-Lyst-2026")
    ben = analyst(services, "ben.lyst", "Ben-Lyst-2026")
    for _ in range(ROUNDS):
        detail = services.challenges.raise_challenge(ana, REQUEST)
        reference, version = detail.row.reference, detail.row.row_version
        outcomes = at_once(
            partial(services.challenges.claim, ana, reference, version),
            partial(services.challenges.claim, ben, reference, version),
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        winner = won[0].row.assignee
        assert isinstance(lost[0], ChallengeClaimed) and lost[0].by == winner
        with services.db.transaction(read_only=True) as session:
            claims = session.execute(
                select(func.count())
                .select_from(DataChallengeNote)
                .join(DataChallenge, DataChallenge.id == DataChallengeNote.challenge_id)
                .where(DataChallenge.reference == reference, DataChallengeNote.kind == "claim")
            ).scalar_one()
        assert claims == 1


def test_two_raises_on_one_learner_at_once_get_two_references(
    services: Services, setting: None
) -> None:
    ana = analyst(services, "ana.lyst", "Ana-Lyst-2026")
    ben = analyst(services, "ben.lyst", "Ben-Lyst-2026")
    references: list[str] = []
    for _ in range(ROUNDS // 2):
        outcomes = at_once(
            lambda: services.challenges.raise_challenge(ana, REQUEST),
            lambda: services.challenges.raise_challenge(ben, REQUEST),
        )
        assert not any(isinstance(o, Exception) for o in outcomes), outcomes
        references += [o.row.reference for o in outcomes]
    assert len(set(references)) == len(references) == ROUNDS
    assert sorted(references) == [f"DC-{DUP_MASTER}-{i:04d}" for i in range(1, ROUNDS + 1)]


def test_of_two_changes_from_one_screen_one_applies_and_the_other_is_refused(
    services: Services, setting: None
) -> None:
    ana = analyst(services, "ana.lyst", "Ana-Lyst-2026")
    for _ in range(ROUNDS // 2):
        reference = services.challenges.raise_challenge(ana, REQUEST).row.reference
        version = services.challenges.claim(ana, reference, None).row.row_version
        outcomes = at_once(
            partial(services.challenges.resolve, ana, reference, version, "Merged."),
            partial(services.challenges.await_information, ana, reference, version, "Proof?"),
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        # Whichever came second saw the first one's work: stale, or already closed.
        assert isinstance(lost[0], StaleChallenge | TransitionRefused)
        status = won[0].row.status
        assert status in (ChallengeStatus.RESOLVED, ChallengeStatus.AWAITING_INFORMATION)
        assert services.challenges.detail(ana, reference).row.status is status
        assert len(services.challenges.detail(ana, reference).timeline) == 3  # raised, claim, 1


def test_merging_a_into_b_and_b_into_a_at_once_merges_once_and_loses_nothing(
    services: Services, setting: None
) -> None:
    # Issue 11 "Concurrency": two analysts merge A into B and B into A at the same moment,
    # each from their own challenge: exactly one succeeds, no cycle, no event lost.
    ana = analyst(services, "ana.lyst", "Ana-Lyst-2026")
    ben = analyst(services, "ben.lyst", "Ben-Lyst-2026")
    one = services.challenges.raise_challenge(ana, REQUEST).row.reference
    flipped = RaiseRequest(**{**REQUEST.__dict__, "uln": DUP_SECOND, "other_uln": DUP_MASTER})
    other = services.challenges.raise_challenge(ben, flipped).row.reference
    services.challenges.claim(ana, one, None)
    services.challenges.claim(ben, other, None)

    def counts() -> tuple[int, int, int]:
        with services.db.transaction(read_only=True) as session:
            learners = session.execute(select(func.count()).select_from(Learner)).scalar_one()
            events = session.execute(select(func.count()).select_from(LearningEvent)).scalar_one()
            linked = session.execute(
                select(func.count()).where(Learner.status == LearnerStatus.LINKED)
            ).scalar_one()
        return learners, events, linked

    learners, events, linked = counts()
    outcomes = at_once(
        partial(services.challenges.merge, ana, one, None),
        partial(services.challenges.merge, ben, other, None),
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1, outcomes
    assert counts() == (learners, events, linked + 1)
    statuses = {services.challenges.detail(ana, ref).row.status for ref in (one, other)}
    assert statuses == {ChallengeStatus.RESOLVED, ChallengeStatus.IN_PROGRESS}
