"""Two admins at once on super-user cases (house rules: run on the real PostgreSQL when the run
has one, and on SQLite, whose writers serialise; User Guide §3.2, §3.6; issue 12 item 3):
two opening a case for one organisation get one case, the other told; two approving one case
make one account, the other told; an approval racing a new active super user, or the
disabling of the organisation's portal permissions, is refused, or the other comes after it;
an approval racing a rejection lets exactly one decide (the database's locks, not a check
first)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import factories
import pytest
from factories import ORG_PHONE, organisation, portal_user
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import Organisation, PortalUser, SuperUserCase
from lrs_core.domain.kinds import SuperUserCaseStatus
from lrs_core.errors import ValidationError
from lrs_core.services import Services
from lrs_core.services.super_user_cases import CaseAlreadyOpen, StaleCase

ROUNDS = 8
RECEIVED = "16/11/2026"
FAMILIES = ("Pryce", "Evans", "Lloyd", "Morgan", "Hughes", "Price", "Owen", "Rees")


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


def lost_organisation(services: Services, ukprn: str) -> None:
    with services.db.transaction() as session:
        org = organisation(session, ukprn, f"Provider {ukprn}")
        portal_user(session, org, f"lost.user{ukprn}", status="suspended")


def prepared(services: Services, admin: Actor, ukprn: str, family: str) -> str:
    cases = services.super_user_cases
    lost_organisation(services, ukprn)
    reference = cases.open(admin, ukprn, "suspended", RECEIVED).reference
    cases.record_signatory(
        admin, reference, name="Priya Shah", job_title="Principal", is_manager=True,
        signed_agreement=True, hand_signed=True,
    )  # fmt: skip
    cases.set_new_super_user(
        admin, reference, title="", given_name="Rhiannon", family_name=family,
        email=f"r.{family.lower()}@example.org", phone="", verification_provided="Staff ID",
    )  # fmt: skip
    cases.record_callback(admin, reference, dialled=ORG_PHONE, confirmed_by="Priya Shah")
    return reference


@pytest.fixture
def admins(services: Services, admin: Actor) -> tuple[Actor, Actor, Actor]:
    return (
        admin,
        factories.desk_admin(services, "ben.admin"),
        factories.desk_admin(services, "cat.admin"),
    )


def test_two_admins_opening_a_case_for_one_organisation_at_once_make_one(
    services: Services, admins: tuple[Actor, Actor, Actor]
) -> None:
    ada, ben, _ = admins
    cases = services.super_user_cases
    lost_organisation(services, "10012345")
    references: list[str] = []
    for _ in range(ROUNDS):
        outcomes = at_once(
            lambda: cases.open(ada, "10012345", "suspended", RECEIVED),
            lambda: cases.open(ben, "10012345", "suspended", RECEIVED),
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert isinstance(lost[0], CaseAlreadyOpen)
        assert won[0].reference in str(lost[0]) and won[0].prepared_by in str(lost[0])
        references.append(won[0].reference)
        cases.reject(ada, won[0].reference, "Round over.")
    assert references == [f"SU-10012345-{n:04d}" for n in range(1, ROUNDS + 1)]
    with services.db.transaction(read_only=True) as session:
        assert session.execute(select(func.count()).select_from(SuperUserCase)).scalar_one() == (
            ROUNDS
        )


def test_two_admins_approving_one_case_at_once_make_one_account(
    services: Services, admins: tuple[Actor, Actor, Actor]
) -> None:
    ada, ben, cat = admins
    cases = services.super_user_cases
    for n in range(ROUNDS):
        reference = prepared(services, ada, f"1003000{n}", FAMILIES[n])
        version = cases.show(ben, reference).version  # both reviewed the same case
        outcomes = at_once(
            partial(cases.approve, ben, reference, expected_version=version),
            partial(cases.approve, cat, reference, expected_version=version),
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        # The second found it approved (by the first, named) or its screen stale.
        assert isinstance(lost[0], ValidationError | StaleCase), lost[0]
        assert won[0].case.decided_by in str(lost[0])
        with services.db.transaction(read_only=True) as session:
            made = session.execute(
                select(func.count())
                .select_from(PortalUser)
                .where(PortalUser.username.like(f"rhiannon.{FAMILIES[n].lower()}%"))
            ).scalar_one()
        assert made == 1


def test_an_approval_racing_a_new_super_user_is_refused_or_comes_first(
    services: Services, admins: tuple[Actor, Actor, Actor]
) -> None:
    # §3.2, §3.6: a super user who can act makes new ones, so approval re-checks; the
    # organisation's row and its users' rows are locked, so a super user the portal adds at
    # the same moment either is seen by the check or arrives after the approval committed.
    ada, ben, _ = admins
    cases = services.super_user_cases
    refusals = firsts = 0
    for n in range(ROUNDS):
        ukprn = f"1004000{n}"
        reference = prepared(services, ada, ukprn, FAMILIES[n])

        def add_super_user(ukprn: str = ukprn, reference: str = reference) -> str:
            """The portal adds an active super user; returns the case's status it then sees."""
            with services.db.transaction() as session:
                org = session.execute(
                    select(Organisation).where(Organisation.ukprn == ukprn)
                ).scalar_one()
                portal_user(session, org, f"kim.davies{ukprn}", "Kim", "Davies")
                return str(
                    session.execute(
                        select(SuperUserCase.status).where(SuperUserCase.reference == reference)
                    ).scalar_one()
                )

        version = cases.show(ben, reference).version
        approval, seen = at_once(
            partial(cases.approve, ben, reference, expected_version=version), add_super_user
        )
        assert isinstance(seen, str), seen  # the addition always goes ahead
        if isinstance(approval, Exception):
            assert isinstance(approval, ValidationError) and approval.field == "Organisation"
            assert f"kim.davies{ukprn}" in str(approval)
            refusals += 1
        else:
            # Approved first: the addition came after the approval had committed.
            assert seen == SuperUserCaseStatus.APPROVED
            firsts += 1
    assert refusals + firsts == ROUNDS


def test_an_approval_racing_a_disabled_organisation_is_refused_or_comes_first(
    services: Services, admins: tuple[Actor, Actor, Actor]
) -> None:
    # §1.4, §3.6: no super user is made while the organisation's portal permissions are
    # disabled. Approval locks the organisation's row, as disabling does, so the disabling
    # either committed before approval's check (refused, naming it) or after its commit.
    ada, ben, cat = admins
    cases = services.super_user_cases
    refusals = firsts = 0
    for n in range(ROUNDS):
        ukprn = f"1005000{n}"
        reference = prepared(services, ada, ukprn, FAMILIES[n])
        version = cases.show(ben, reference).version
        approval, disabled = at_once(
            partial(cases.approve, ben, reference, expected_version=version),
            partial(services.organisations.disable_organisation, cat, ukprn, "Breach reported"),
        )
        assert not isinstance(disabled, Exception), disabled  # the disabling always goes ahead
        if isinstance(approval, Exception):
            assert isinstance(approval, ValidationError) and approval.field == "Organisation"
            assert "disabled" in str(approval)
            refusals += 1
        else:
            trail = factories.audit_log(
                services, actions=["approve-super-user-case", "disable-organisation"], limit=2
            )
            assert [e.action for e in trail] == ["disable-organisation", "approve-super-user-case"]
            firsts += 1
    assert refusals + firsts == ROUNDS


def test_an_approval_racing_a_rejection_of_the_same_case_lets_exactly_one_decide(
    services: Services, admins: tuple[Actor, Actor, Actor]
) -> None:
    # §3.6: a case is approved or rejected, never both. Both lock the case row: the second
    # finds it decided (named) and writes nothing; an account exists only when approved.
    ada, ben, cat = admins
    cases = services.super_user_cases
    for n in range(ROUNDS):
        ukprn = f"1006000{n}"
        reference = prepared(services, ada, ukprn, FAMILIES[n])
        version = cases.show(ben, reference).version
        approval, rejection = at_once(
            partial(cases.approve, ben, reference, expected_version=version),
            partial(cases.reject, cat, reference, "The form is forged.", expected_version=version),
        )
        decided = [o for o in (approval, rejection) if not isinstance(o, Exception)]
        refused = [o for o in (approval, rejection) if isinstance(o, Exception)]
        assert len(decided) == 1 and len(refused) == 1, (approval, rejection)
        assert isinstance(refused[0], ValidationError | StaleCase), refused[0]
        with services.db.transaction(read_only=True) as session:
            status = session.execute(
                select(SuperUserCase.status).where(SuperUserCase.reference == reference)
            ).scalar_one()
            made = session.execute(
                select(func.count())
                .select_from(PortalUser)
                .where(PortalUser.username.like(f"rhiannon.{FAMILIES[n].lower()}%"))
            ).scalar_one()
        approved = not isinstance(approval, Exception)
        assert status == (SuperUserCaseStatus.APPROVED if approved else "rejected")
        assert made == (1 if approved else 0)
