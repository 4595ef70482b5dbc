"""The demo's data challenges (issue 11 item 8): every type and status, some due soon, some
breached, some awaiting information, one merge already done (so a de-merge can be tried) and
one possible-twins pair, all made through the services by the demo operators."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import DataChallenge
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType
from lrs_core.services import Services
from lrs_core.services.demo import seed_demo
from lrs_core.services.demo_challenges import (
    FROM_LEARNERS,
    DemoChallenges,
    demo_operator,
    seed_demo_challenges,
)
from lrs_core.services.learners import OutcomeCode

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday, in desk hours


@pytest.fixture
def demo(db: Database, settings: Settings) -> tuple[Services, DemoChallenges]:
    services = Services(db, settings, lambda: NOW)
    seed_demo(db, learners=FROM_LEARNERS, seed=2026, totp_key=services.key("totp-key").key)
    made = seed_demo_challenges(db, settings, NOW)
    assert made is not None
    return services, made


def test_every_type_and_status_is_in_the_demo(demo: tuple[Services, DemoChallenges]) -> None:
    services, made = demo
    with services.db.transaction(read_only=True) as session:
        rows = session.execute(select(DataChallenge.challenge_type, DataChallenge.status)).all()
    assert {t for t, _ in rows} == set(ChallengeType)
    assert {s for _, s in rows} == set(ChallengeStatus)
    assert len(rows) == len(made.references)


def test_the_queue_has_work_due_soon_breached_and_paused(
    demo: tuple[Services, DemoChallenges],
) -> None:
    """DOMAIN.md "Service levels": 360 support hours, warned at 80% of it."""
    services, made = demo
    rows = services.challenges.queue(demo_operator(services.db, "demo-analyst")).rows
    assert any(r.clock.warning for r in rows)
    assert [r.reference for r in rows if r.clock.breached] == [made.breached]
    assert any(r.clock.paused and r.status is ChallengeStatus.AWAITING_INFORMATION for r in rows)
    assert rows[0].reference == made.breached  # sorted by due time: the overdue one first


def test_one_merge_is_done_and_can_be_undone(demo: tuple[Services, DemoChallenges]) -> None:
    """DOMAIN.md "Data challenges": the duplicate is a linked ULN of its master; a de-merge
    restores exactly what the merge changed."""
    services, made = demo
    agent = demo_operator(services.db, "demo-agent")
    analyst = demo_operator(services.db, "demo-analyst")
    duplicate = services.learners.show(agent, made.merged_duplicate_uln)
    found = services.learners.find_by_uln(
        agent, duplicate.uln, duplicate.given_name, duplicate.family_name
    )
    assert found.outcome is OutcomeCode.LINKED_LEARNER_MATCH
    version = services.challenges.detail(analyst, made.demerge).row.row_version
    claimed = services.challenges.claim(analyst, made.demerge, version)
    preview = services.challenges.demerge(
        analyst, made.demerge, claimed.row.row_version, preview=True
    )
    assert preview.preview and preview.lines


def test_the_twins_are_warned_of_and_the_merge_waits(
    demo: tuple[Services, DemoChallenges],
) -> None:
    services, made = demo
    detail = services.challenges.detail(demo_operator(services.db, "demo-analyst"), made.twins)
    assert detail.comparison is not None and detail.comparison.possible_twins
    analyst = demo_operator(services.db, "demo-analyst")
    to_merge = services.challenges.detail(analyst, made.to_merge)
    assert to_merge.row.status is ChallengeStatus.OPEN
    assert to_merge.row.challenge_type is ChallengeType.DUPLICATE_ULN
    # The duplicate's own event moves to the master: the demo's merge shows what one moves.
    claimed = services.challenges.claim(analyst, made.to_merge, to_merge.row.row_version)
    preview = services.challenges.merge(
        analyst, made.to_merge, claimed.row.row_version, preview=True
    )
    assert "Events moving to the master (1):" in preview.lines


def test_the_demo_trail_verifies(demo: tuple[Services, DemoChallenges]) -> None:
    services, _ = demo
    assert services.audit.verify(demo_operator(services.db, "demo-admin")).ok


def test_a_register_too_small_gets_no_challenges_rather_than_some(
    db: Database, settings: Settings
) -> None:
    services = Services(db, settings, lambda: NOW)
    seed_demo(db, learners=5, seed=2026, totp_key=services.key("totp-key").key)
    assert seed_demo_challenges(db, settings, NOW) is None
    with db.transaction(read_only=True) as session:
        assert session.execute(select(DataChallenge)).first() is None
