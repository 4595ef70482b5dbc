"""Two analysts at once on one breach incident, on the real PostgreSQL (issue 13 item 2; house
rule: a rule that must hold under concurrency is held by the database). §1.4's ladder takes
each step once per incident: of two analysts confirming the same step at the same moment,
exactly one does (one suspension), and the other is told who took it; a step and a close at
once: exactly one goes through. The incident's row is locked (SELECT ... FOR UPDATE) before
its steps and version are read; incidents opened at once draw distinct numbers for the day."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from factories import PG_URL, TEST_NOW, analyst, intake_case, organisation, portal_user
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import (
    BreachIncident,
    BreachIncidentStep,
    IntakeCase,
    PortalUser,
    SecurityAction,
)
from lrs_core.domain.kinds import AccountStatus, IncidentStatus, LadderStep
from lrs_core.services import Services
from lrs_core.services.breach_incidents import (
    IncidentClosed,
    IncidentView,
    StaleIncident,
    StepAlreadyTaken,
    open_incident,
)

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LRS_TEST_DATABASE_URL (PostgreSQL)")

ROUNDS = 6
UKPRN = "10012345"


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
def postgres(services: Services) -> None:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite's writers serialise")


@pytest.fixture
def two_analysts(services: Services) -> tuple[Actor, Actor]:
    return analyst(services, "ana.lyst"), analyst(services, "bo.other")


@pytest.fixture
def senders(services: Services) -> list[str]:
    """One incident per round, each on its own sender (Northgate College's users)."""
    references = []
    with services.db.transaction() as s:
        college = organisation(s, UKPRN)
        for n in range(ROUNDS):
            user = portal_user(s, college, f"user{n}.breach", "Sam", f"Breach{'abcdef'[n]}")
            case = intake_case(
                s,
                f"IN-20261123-{n + 1:04d}",
                organisation=college,
                portal_user=user,
                findings=("uln-with-demographic",),
            )
            references.append(open_incident(s, case, TEST_NOW).reference)
    return references


def count(services: Services, model: Any) -> int:
    with services.db.transaction(read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def split(outcomes: list[Any]) -> tuple[IncidentView, Exception]:
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    return won[0], lost[0]


def test_two_analysts_confirm_one_step_at_once_and_exactly_one_does(
    services: Services, postgres: None, two_analysts: tuple[Actor, Actor], senders: list[str]
) -> None:
    ana, bo = two_analysts
    confirm = services.breach_incidents.confirm_step
    for n, reference in enumerate(senders):
        seen = services.breach_incidents.show(ana, reference).row_version
        step = partial(
            confirm, reference=reference, step=LadderStep.USER_DISABLED, expected_version=seen
        )
        won, lost = split(
            at_once(partial(step, ana, note="By Ana."), partial(step, bo, note="By Bo."))
        )
        assert isinstance(lost, StepAlreadyTaken), lost
        winner = won.ladder[1].done_by
        assert lost.by == winner and winner in ("ana.lyst", "bo.other")  # told who
        assert f"by {winner} on" in str(lost)
        assert count(services, BreachIncidentStep) == n + 1
        assert count(services, SecurityAction) == n + 1  # one suspension


def test_a_step_and_a_close_at_once_and_exactly_one_goes_through(
    services: Services, postgres: None, two_analysts: tuple[Actor, Actor], senders: list[str]
) -> None:
    ana, bo = two_analysts
    for reference in senders:
        seen = services.breach_incidents.show(ana, reference).row_version
        suspend = partial(
            services.breach_incidents.confirm_step,
            ana,
            reference,
            LadderStep.USER_DISABLED,
            "Suspend.",
            expected_version=seen,
        )
        close = partial(
            services.breach_incidents.close, bo, reference, "Resolved.", expected_version=seen
        )
        won, lost = split(at_once(suspend, close))
        with services.db.transaction(read_only=True) as s:
            incident = s.execute(
                select(BreachIncident).where(BreachIncident.reference == reference)
            ).scalar_one()
            user = s.get_one(PortalUser, incident.portal_user_id)
            steps = s.execute(
                select(func.count()).where(BreachIncidentStep.incident_id == incident.id)
            ).scalar_one()
        if won.status is IncidentStatus.CLOSED:  # the close went first
            assert isinstance(lost, IncidentClosed) and "closed by bo.other" in str(lost)
            assert (steps, user.status) == (0, AccountStatus.ACTIVE)
        else:  # the step went first: the close saw a stale screen
            assert isinstance(lost, StaleIncident), lost
            assert incident.status is IncidentStatus.OPEN
            assert (steps, user.status) == (1, AccountStatus.SUSPENDED)


def test_incidents_opened_at_once_draw_distinct_numbers_for_the_day(
    services: Services, postgres: None
) -> None:
    with services.db.transaction() as s:
        ids = [intake_case(s, f"IN-20261123-{n:04d}").id for n in range(1, 2 * ROUNDS + 1)]

    def opened(case_id: int) -> str:
        with services.db.transaction() as s:
            return open_incident(s, s.get_one(IntakeCase, case_id), TEST_NOW).reference

    for pair in zip(ids[::2], ids[1::2], strict=True):
        outcomes = at_once(*(partial(opened, case_id) for case_id in pair))
        assert all(isinstance(o, str) for o in outcomes), outcomes
    with services.db.transaction(read_only=True) as s:
        references = sorted(s.execute(select(BreachIncident.reference)).scalars())
    assert references == [f"BR-20261123-{n:04d}" for n in range(1, 2 * ROUNDS + 1)]
