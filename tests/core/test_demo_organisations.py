"""The demo's organisation directory cases (issue 12 item 7; User Guide §3.1, §3.3, §3.6,
§1.4): organisations with 0, 1, 3 and 7 active super users, the three that lost their only
super user (suspended, on long-term leave, left), dormant and generic-looking accounts, one
with its portal permissions disabled, and every organisation's register number and
agreement signatory. Read through the directory's own service, as an operator would."""

from __future__ import annotations

import re

import pytest
from factories import desk_admin
from sqlalchemy import select

from lrs_core import demo_data as data
from lrs_core.actor import Actor
from lrs_core.db.models import Organisation
from lrs_core.domain.kinds import AccountStatus, SecurityActionKind
from lrs_core.services import Services
from lrs_core.services.demo import seed_demo

SEED = 2026  # the configured seed (`make run`), which the lost-super-user constants name


@pytest.fixture
def head(services: Services) -> Actor:
    seed_demo(services.db, learners=0, seed=SEED)
    return desk_admin(services)


@pytest.mark.parametrize(
    ("org", "active", "warning"),
    [
        (data.DEMO_ORG_NO_SUPER_USERS, 0, "no active super user"),
        (data.DEMO_ORG_ONE_SUPER_USER, 1, "only 1 active super user"),
        (data.DEMO_ORG_THREE_SUPER_USERS, 3, None),
        (data.DEMO_ORG_SEVEN_SUPER_USERS, 7, "more than the 5"),
    ],
)
def test_organisations_with_0_1_3_and_7_active_super_users(
    services: Services, head: Actor, org: data.DemoOrganisation, active: int, warning: str | None
) -> None:
    # §3.1: at least three super users, no more than five.
    (found,), _ = services.organisations.find(head, org.ukprn)
    assert (found.name, found.active_super_users) == (org.name, active)
    assert warning is None if found.super_user_warning is None else warning is not None
    if warning is not None:
        assert warning in (found.super_user_warning or "")
    view = services.organisations.show(head, org.ukprn)
    assert len(view.super_users) == active  # none suspended, on leave or deleted here
    assert any("dormant" in flag for u in view.users for flag in u.flags)  # §3.3


@pytest.mark.parametrize(
    ("org", "state"),
    [
        (data.DEMO_ORG_SUSPENDED_SUPER_USER, "suspended"),
        (data.DEMO_ORG_LEAVE, "leave"),
        (data.DEMO_ORG_LEFT, "left"),
    ],
)
def test_the_lost_only_super_user_cases_are_the_named_ones(
    services: Services, head: Actor, org: data.DemoOrganisation, state: str
) -> None:
    # §3.6: suspended and cannot answer the security question, on long-term leave, or left.
    view = services.organisations.show(head, org.ukprn)
    assert view.summary.name == org.name and view.summary.active_super_users == 0
    (only,) = view.super_users
    assert {
        "suspended": only.status is AccountStatus.SUSPENDED,
        "leave": only.on_long_term_leave and only.status is AccountStatus.ACTIVE,
        "left": only.status is AccountStatus.DELETED,
    }[state]


def test_generic_usernames_are_flagged_and_the_admin_holds_every_role(
    services: Services, head: Actor
) -> None:
    # §3.5.1: no generic accounts; §3.3's review finds them.
    for username in data.DEMO_GENERIC_USERNAMES:
        view = services.organisations.portal_user(head, username)
        assert "generic username" in view.user.flags
    assert "holds every role" in services.organisations.portal_user(head, "admin").user.flags


def test_one_organisation_s_portal_permissions_are_disabled_with_its_security_action(
    services: Services, head: Actor
) -> None:
    # §1.4's escalation: organisation permissions disabled.
    view = services.organisations.show(head, data.DEMO_ORG_PORTAL_DISABLED.ukprn)
    assert not view.summary.portal_enabled
    (action,) = view.security_actions
    assert action.action is SecurityActionKind.DISABLE_ORGANISATION
    assert action.operator == "demo-admin" and "§1.4" in action.reason


def test_every_organisation_has_a_register_number_and_an_agreement_signatory(
    services: Services, head: Actor
) -> None:
    with services.db.transaction(read_only=True) as s:
        orgs = s.execute(select(Organisation)).scalars().all()
        contacts = [(o.phone, o.agreement_signatory) for o in orgs]
    assert len(contacts) > 30
    for phone, signatory in contacts:
        assert phone is not None and re.fullmatch(r"020 7946 0\d{3}", phone)  # Ofcom's drama
        assert signatory and len(signatory.split()) == 2


def test_a_second_seed_does_not_write_the_named_organisations_again(
    services: Services, head: Actor
) -> None:
    seed_demo(services.db, learners=0, seed=SEED + 1, actor=head)
    found, _ = services.organisations.find(head, data.DEMO_ORG_SEVEN_SUPER_USERS.name)
    assert [f.ukprn for f in found] == [data.DEMO_ORG_SEVEN_SUPER_USERS.ukprn]
