"""The demo's super-user case (issue 12 item 7: "a prepared case waiting for approval";
User Guide §3.6): prepared through the service by demo-admin-2 for the organisation whose only
super user is suspended, every check recorded, waiting for demo-admin, the second admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lrs_core import second_factor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import Organisation, PortalUser
from lrs_core.domain.kinds import AccountStatus, SuperUserCaseStatus
from lrs_core.passwords import verify_password
from lrs_core.services import Services
from lrs_core.services.demo import DEMO_ADMIN_2_TOTP_SECRET, DEMO_OPERATORS, seed_demo
from lrs_core.services.demo_challenges import demo_operator
from lrs_core.services.demo_super_user_cases import (
    seed_demo_super_user_cases,
    suspended_only_super_user,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db: Database, settings: Settings) -> tuple[Services, str]:
    services = Services(db, settings, lambda: NOW)
    seed_demo(db, learners=0, seed=2026, totp_key=services.key("totp-key").key)
    organisation = suspended_only_super_user(db)
    reference = seed_demo_super_user_cases(db, settings, NOW)
    assert organisation is not None and reference == f"SU-{organisation.ukprn}-0001"
    return services, reference


def test_the_demo_case_is_prepared_by_demo_admin_2_and_waits_for_demo_admin(
    seeded: tuple[Services, str],
) -> None:
    services, reference = seeded
    cases = services.super_user_cases
    approver = demo_operator(services.db, "demo-admin")
    view = cases.show(approver, reference)
    assert view.status is SuperUserCaseStatus.PREPARED and view.missing == ()
    assert view.prepared_by == "demo-admin-2" and view.callback_by == "demo-admin-2"
    assert [s.step for s in view.timeline] == ["opened", "signatory", "new super user", "call-back"]
    assert view.timeline[0].at < view.timeline[-1].at <= NOW  # spread over the days before
    assert view.old_super_user is not None
    assert view.old_super_user.status is AccountStatus.SUSPENDED
    assert view.organisation.active_super_users == 0
    assert view.callback_phone == view.register_phone != view.form_phone
    assert view.new_username == "carys.ellismorgan"
    assert view.approvable  # demo-admin recorded none of it
    mine = cases.show(demo_operator(services.db, "demo-admin-2"), reference)
    assert not mine.approvable and "a second admin" in (mine.not_approvable_because or "")
    assert [c.reference for c in cases.list(approver)] == [reference]

    # The tour's next step works: demo-admin approves, the account exists.
    approval = cases.approve(approver, reference, expected_version=view.version)
    with services.db.transaction(read_only=True) as session:
        made = session.execute(
            select(PortalUser).where(PortalUser.username == approval.username)
        ).scalar_one()
        assert verify_password(approval.one_time_password, made.password_hash)


def test_the_second_demo_admin_signs_in_with_its_own_published_second_factor(
    seeded: tuple[Services, str],
) -> None:
    services, _ = seeded
    name, role, _display, password = DEMO_OPERATORS[-1]
    assert (name, password) == ("demo-admin-2", "Admin2-Demo-2026")
    code = second_factor.code_at(DEMO_ADMIN_2_TOTP_SECRET, NOW)
    assert services.operators.sign_in(name, password, code).actor.role is role


def test_no_second_case_and_none_without_the_organisation_or_the_second_factor(
    db: Database, settings: Settings, seeded: tuple[Services, str]
) -> None:
    assert seed_demo_super_user_cases(db, settings, NOW) is None  # its one organisation has one
    with db.transaction(read_only=True) as session:
        phones = session.execute(select(Organisation.phone)).scalars().all()
    assert any(phones)  # the call-back dialled the register's number


def test_no_case_when_the_demo_admins_have_no_second_factor(
    db: Database, settings: Settings
) -> None:
    seed_demo(db, learners=0, seed=2026)  # without the totp-key: admins enrol at sign-in
    assert seed_demo_super_user_cases(db, settings, NOW) is None
