"""The demo's super-user case (issue 12 item 7, "a prepared case waiting for approval"):
the organisation whose only super user is suspended (the first school of the seed) sent a
Change of Super User form (§3.6), and demo-admin-2 has prepared it, each check recorded
through the service as an admin at the desk would: the form, its hand-signed signatory, the
call-back on the register's number, the new super user. It waits for a second admin,
demo-admin, who recorded none of it and so may approve it.

The steps are spread over the two days before ``now`` (the form arrived three days before),
so the case's timeline reads as a desk's work does.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import (
    Operator,
    Organisation,
    PortalUser,
    PortalUserRole,
    SuperUserCase,
)
from lrs_core.domain.kinds import AccountStatus, PortalRole, SuperUserLossReason
from lrs_core.services import Services
from lrs_core.services.demo_challenges import demo_operator

PREPARED_BY = "demo-admin-2"
APPROVER = "demo-admin"  # who the case waits for
# The register's number for the organisation when the seed recorded none (Ofcom's drama
# range: never a real line); the form's own number, which the call-back never dials.
REGISTER_PHONE = "0113 496 0480"
FORM_PHONE = "020 7946 0815"
SIGNATORY = "Gwen Howells"
NEW_GIVEN, NEW_FAMILY = "Carys", "Ellis-Morgan"  # username carys.ellismorgan


def suspended_only_super_user(db: Database) -> Organisation | None:
    """The first organisation (by id) whose one super user is suspended, with no case yet."""
    with db.transaction(read_only=True) as session:
        supers = (
            select(
                PortalUser.organisation_id.label("organisation_id"),
                func.count().label("supers"),
                func.sum(case((PortalUser.status == AccountStatus.SUSPENDED, 1), else_=0)).label(
                    "suspended"
                ),
            )
            .join(PortalUserRole, PortalUserRole.portal_user_id == PortalUser.id)
            .where(PortalUserRole.role == PortalRole.SUPER_USER)
            .group_by(PortalUser.organisation_id)
            .subquery()
        )
        found = session.execute(
            select(Organisation)
            .join(supers, supers.c.organisation_id == Organisation.id)
            .where(
                supers.c.supers == 1,
                supers.c.suspended == 1,
                ~select(SuperUserCase.id)
                .where(SuperUserCase.organisation_id == Organisation.id)
                .exists(),
            )
            .order_by(Organisation.id)
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            session.expunge(found)
        return found


def seed_demo_super_user_cases(db: Database, settings: Settings, now: datetime) -> str | None:
    """Prepare the demo's case as demo-admin-2; returns its reference (None when there is no
    such organisation, or demo-admin-2 has no second factor and so may not act)."""
    with db.transaction(read_only=True) as session:
        second_factor = session.execute(
            select(Operator.totp_secret).where(Operator.username == PREPARED_BY)
        ).scalar_one_or_none()
    organisation = suspended_only_super_user(db)
    if second_factor is None or organisation is None:
        return None
    if not organisation.phone:
        # The register's number the call-back dials (a seed that recorded none).
        with db.transaction() as session:
            row = session.get(Organisation, organisation.id)
            assert row is not None
            row.phone = REGISTER_PHONE
        organisation.phone = REGISTER_PHONE
    clock = _Clock(now - timedelta(days=2, hours=1))
    services = Services(db, settings, clock)
    admin = demo_operator(db, PREPARED_BY)
    cases = services.super_user_cases
    reference = cases.open(
        admin,
        organisation.ukprn,
        SuperUserLossReason.SUSPENDED,
        (now - timedelta(days=3)).date(),
        form_phone=FORM_PHONE,
    ).reference
    clock.later(minutes=20)
    cases.record_signatory(
        admin,
        reference,
        name=organisation.agreement_signatory or SIGNATORY,
        job_title="Headteacher",
        is_manager=True,
        signed_agreement=True,
        hand_signed=True,
    )
    clock.later(minutes=10)
    cases.set_new_super_user(
        admin,
        reference,
        title="Ms",
        given_name=NEW_GIVEN,
        family_name=NEW_FAMILY,
        email=f"carys.ellis-morgan@{_domain(organisation.name)}",
        phone="0113 496 0772",
        verification_provided="Staff ID 20417, checked by the school office",
    )
    # §3.6: the call-back comes last: it confirms the signatory and the new super user.
    clock.later(hours=22)
    cases.record_callback(
        admin,
        reference,
        dialled=organisation.phone,
        confirmed_by=f"{organisation.agreement_signatory or SIGNATORY}, Headteacher",
    )
    return reference


class _Clock:
    """The seed's own clock, moved on between the steps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _domain(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return f"{slug or 'school'}.example.org"
