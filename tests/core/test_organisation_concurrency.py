"""Two admins at once on the real PostgreSQL (issue 12 item 4; house rule: a rule that must
hold under concurrency is held by the database): suspending one portal user, or disabling
one organisation's portal permissions, at the same moment gives exactly one security action;
the other admin is told who did it (§1.4, §3.5.6.1). The row is locked (SELECT ... FOR
UPDATE) before its state is checked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from factories import PG_URL, desk_admin, organisation, portal_user
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import SecurityAction
from lrs_core.domain.kinds import SecurityActionKind
from lrs_core.services import Services
from lrs_core.services.organisations import AlreadyDone

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
def two_admins(services: Services, admin: Actor) -> tuple[Actor, Actor]:
    return admin, desk_admin(services, "other.admin")


def count(services: Services, kind: SecurityActionKind) -> int:
    with services.db.transaction(read_only=True) as s:
        query = select(func.count()).where(SecurityAction.action == kind)
        return int(s.execute(query).scalar_one())


def one_won(outcomes: list[Any]) -> AlreadyDone:
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], AlreadyDone), outcomes
    return lost[0]


def test_two_admins_suspend_one_user_at_once_and_exactly_one_does(
    services: Services, postgres: None, two_admins: tuple[Actor, Actor]
) -> None:
    ada, other = two_admins
    with services.db.transaction() as s:
        college = organisation(s, UKPRN)
        for n in range(ROUNDS):
            portal_user(s, college, f"user{n}.breach", "Sam", f"Breach{'abcdef'[n]}")
    for n in range(ROUNDS):
        name = f"user{n}.breach"
        outcomes = at_once(
            partial(services.organisations.suspend_user, ada, name, "Breach by Ada."),
            partial(services.organisations.suspend_user, other, name, "Breach by Other."),
        )
        lost = one_won(outcomes)
        winner = next(o for o in outcomes if not isinstance(o, Exception))
        (action,) = winner.security_actions
        assert lost.by == action.operator  # told who did it
        assert count(services, SecurityActionKind.SUSPEND_USER) == n + 1


def test_two_admins_disable_one_organisation_at_once_and_exactly_one_does(
    services: Services, postgres: None, two_admins: tuple[Actor, Actor]
) -> None:
    ada, other = two_admins
    with services.db.transaction() as s:
        organisation(s, UKPRN)
    for n in range(ROUNDS):
        lost = one_won(
            at_once(
                partial(services.organisations.disable_organisation, ada, UKPRN, "Breach A."),
                partial(services.organisations.disable_organisation, other, UKPRN, "Breach B."),
            )
        )
        assert lost.by in ("ada.admin", "other.admin") and "already disabled" in str(lost)
        assert count(services, SecurityActionKind.DISABLE_ORGANISATION) == n + 1
        one_won(
            at_once(
                partial(services.organisations.enable_organisation, ada, UKPRN, "Fixed A."),
                partial(services.organisations.enable_organisation, other, UKPRN, "Fixed B."),
            )
        )
        assert count(services, SecurityActionKind.ENABLE_ORGANISATION) == n + 1
