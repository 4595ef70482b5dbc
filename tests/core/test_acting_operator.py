"""Issue 9 item 4: no action without a signed-in operator. The database URL is not a
boundary: every guarded service refuses the system actor (audited), VIEW_AUDIT and
MANAGE_OPERATORS are checked in the core, and the only thing done with no one signed in is the
first admin of a database with no operator at all (the bootstrap), audited as such. Nothing
in the audit comes from the environment (DOMAIN.md "Accounts and super users")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from factories import audit_log
from sqlalchemy import delete, func, select

from lrs_core.actor import Actor
from lrs_core.db.models import Operator
from lrs_core.errors import PermissionDenied
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.demo import seed_demo

SYSTEM = Actor.system("bootstrap")

# Every guarded management and audit action, as a front end would call it.
GUARDED: dict[str, Callable[[Services, Actor], Any]] = {
    "add-operator": lambda s, a: s.operators.add(a, "eve.added", "admin"),
    "list-operators": lambda s, a: s.operators.list(a),
    "reset-password": lambda s, a: s.operators.reset_password(a, "ada.admin"),
    "unlock-operator": lambda s, a: s.operators.unlock(a, "ada.admin"),
    "verify-audit": lambda s, a: s.audit.verify(a),
    "read-audit": lambda s, a: s.audit.entries(a, limit=5),
    "view-learner": lambda s, a: s.learners.show(a, "9276308686"),
}


@pytest.mark.parametrize("action", GUARDED)
@pytest.mark.parametrize("task", ["bootstrap", "demo-seed"])
def test_the_system_actor_may_do_nothing_guarded(
    services: Services, admin: Actor, action: str, task: Any
) -> None:
    # Item 4: the system holds no permission, whatever role it carries; refusals audited.
    system = Actor.system(task)
    with pytest.raises(PermissionDenied, match="signed-in desk operator"):
        GUARDED[action](services, system)
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.role, refusal.action, refusal.outcome) == (
        f"system:{task}",
        "system",
        action,
        "denied",
    )


@pytest.mark.parametrize("action", GUARDED)
def test_a_forged_admin_without_an_operator_row_is_refused(services: Services, action: str) -> None:
    # A caller cannot make its own admin: only an operator the database knows may act.
    forged = Actor("root", OperatorRole.ADMIN, "root")
    with pytest.raises(PermissionDenied, match="signed-in desk operator"):
        GUARDED[action](services, forged)
    assert audit_log(services, limit=1)[0].outcome == "denied"


@pytest.mark.parametrize("action", ["verify-audit", "read-audit"])
def test_reading_the_audit_trail_needs_view_audit(
    services: Services, agent: Actor, admin: Actor, action: str
) -> None:
    # Item 4: VIEW_AUDIT is checked (admins only), and a refusal is audited.
    with pytest.raises(PermissionDenied, match="agent role"):
        GUARDED[action](services, agent)
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.action, refusal.outcome) == ("kim.lee", action, "denied")
    assert refusal.detail == {"permission": "view-audit"}
    GUARDED[action](services, admin)


def test_the_first_admin_of_an_empty_database_is_the_bootstrap(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Item 4: the one exception, audited as such, and by fixed text: never the OS user name.
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "mallory\x1b]0;owned\x07")
    created = services.operators.bootstrap_admin("first.admin", "First Admin")
    assert created.operator.role is OperatorRole.ADMIN
    assert created.operator.must_change_password  # a one-time password, as for any operator
    event = audit_log(services, limit=1)[0]
    assert (event.actor, event.role, event.action, event.outcome) == (
        "system:bootstrap",
        "system",
        "bootstrap-admin",
        "ok",
    )
    assert event.detail == {"username": "first.admin", "role": "admin"}
    assert "mallory" not in str(audit_log(services))


def test_no_second_bootstrap_once_any_operator_exists(services: Services, agent: Actor) -> None:
    # Item 4: with an operator in the database, the bootstrap is refused and audited.
    with pytest.raises(PermissionDenied, match="desk operators already"):
        services.operators.bootstrap_admin("eve.admin")
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.action, refusal.subject_id, refusal.outcome) == (
        "system:bootstrap",
        "bootstrap-admin",
        "eve.admin",
        "denied",
    )
    with services.db.transaction() as session:
        assert "eve.admin" not in session.execute(select(Operator.username)).scalars().all()


def test_concurrent_bootstraps_make_one_admin(services: Services) -> None:
    # Item 4 under concurrency (PostgreSQL runs this too): the check "no operator yet" holds
    # to the commit because the bootstrap takes the chain head's lock before it looks.
    rounds, racers = 5, 4
    start = threading.Barrier(racers)

    def race(n: int) -> bool:
        start.wait()  # all at once
        try:
            services.operators.bootstrap_admin(f"racer.{n}")
        except PermissionDenied:
            return False
        return True

    for _ in range(rounds):
        with ThreadPoolExecutor(max_workers=racers) as pool:
            made = list(pool.map(race, range(racers)))
        assert made.count(True) == 1
        with services.db.transaction() as session:
            assert session.execute(select(func.count()).select_from(Operator)).scalar_one() == 1
            session.execute(delete(Operator))


def test_demo_data_goes_into_a_database_that_holds_data_only_by_an_admin(
    services: Services, agent: Actor, admin: Actor
) -> None:
    # Item 4: the system may seed only an empty database (`make run`'s first start).
    with pytest.raises(PermissionDenied, match="holds data already"):
        seed_demo(services.db, learners=3, seed=1)
    refusal = audit_log(services, limit=1)[0]
    assert (refusal.actor, refusal.action, refusal.outcome) == (
        "system:demo-seed",
        "demo-seed",
        "denied",
    )
    with pytest.raises(PermissionDenied, match="agent role"):
        seed_demo(services.db, learners=3, seed=1, actor=agent)
    assert seed_demo(services.db, learners=3, seed=1, actor=admin).learners == 3
    assert audit_log(services, limit=1)[0].actor == "ada.admin"
