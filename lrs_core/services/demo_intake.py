"""The demo's encrypted intake (issue 13, item 9): the seven sample emails of
``intake/samples.py``, as the desk's mailbox delivered them this morning, received through the
service as ``system:intake-scan`` would (breach checks, incidents and all).

Their senders are portal users of three demo organisations (a college, a school and a training
provider), made here with synthetic names, so every case names its organisation and the
breach incidents land on it. The compliant AES zip's rows are demo learners: some exactly as
registered, one with a slip in the family name, two without a ULN (found by personal
details), one nobody registered, one with an impossible date of birth, so opening it with the
published passphrase (``samples.DEMO_PASSPHRASE``) shows every outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import IntakeCase, Learner, Organisation, PortalUser
from lrs_core.domain.kinds import AccountStatus, LearnerStatus, OrganisationKind
from lrs_core.intake import samples
from lrs_core.services import Services

# Whose mailbox addresses belong to which demo organisation (the first of each kind).
SENDER_ORGANISATIONS: dict[OrganisationKind, tuple[tuple[str, str, str], ...]] = {
    OrganisationKind.COLLEGE: (
        (samples.SENDER_COMPLIANT, "Imogen", "Achterberg"),
        (samples.SENDER_ZIPCRYPTO, "Rhodri", "Penhaligon"),
    ),
    OrganisationKind.SCHOOL: (
        (samples.SENDER_OFFICE, "Farida", "Oyelaran"),
        (samples.SENDER_ULN_IN_BODY, "Declan", "Mulvaney"),
    ),
    OrganisationKind.TRAINING_PROVIDER: (
        (samples.SENDER_PASSPHRASE_IN_EMAIL, "Saoirse", "Quennell"),
        (samples.SENDER_PLAIN_CSV, "Tobias", "Wrenfield"),
        (samples.SENDER_HOSTILE, "Anouk", "Castellane"),
    ),
}
FROM_LEARNERS = 20  # the compliant file's rows are demo learners: needs this many


def demo_rows(db: Database) -> list[dict[str, str]]:
    """The compliant file's rows: demo learners, exact and with slips, and strangers."""
    with db.transaction(read_only=True) as session:
        learners = (
            session.execute(
                select(Learner)
                .where(Learner.status == LearnerStatus.ACTIVE)
                .order_by(Learner.id)
                .offset(7)
                .limit(7)
            )
            .scalars()
            .all()
        )
        rows = [
            {
                "uln": learner.uln,
                "given_name": learner.given_name,
                "family_name": learner.family_name,
                "date_of_birth": learner.date_of_birth.isoformat(),
                "gender": str(learner.gender),
                "postcode": learner.postcode,
            }
            for learner in learners
        ]
    if len(rows) < 7:
        return samples.sample_rows(6)
    rows[2]["family_name"] = rows[2]["family_name"][:-1] + "x"  # a slip: WSRC0003
    for row in rows[4:6]:
        row["uln"] = ""  # no ULN: found by personal details
    rows[6]["date_of_birth"] = "30/02/2009"  # no such day: the row names the field
    stranger = samples.sample_rows(1, seed=77)[0]  # nobody registered: WSRC0001
    return [*rows, stranger]


def seed_demo_intake(db: Database, settings: Settings, now: datetime) -> tuple[str, ...]:
    """The seven samples received into a demo database that has none yet; their references.
    Nothing when the database already holds an intake case or too few learners."""
    with db.transaction() as session:
        if session.execute(select(func.count()).select_from(IntakeCase)).scalar_one():
            return ()
        if session.execute(select(func.count()).select_from(Learner)).scalar_one() < FROM_LEARNERS:
            return ()
        for kind, senders in SENDER_ORGANISATIONS.items():
            org = session.execute(
                select(Organisation)
                .where(Organisation.kind == kind)
                .order_by(Organisation.id)
                .limit(1)
            ).scalar_one_or_none()
            if org is None:
                return ()
            for email, given, family in senders:
                exists = session.execute(
                    select(PortalUser.id).where(func.lower(PortalUser.email) == email)
                ).first()
                if exists is None:
                    session.add(
                        PortalUser(
                            organisation_id=org.id,
                            username=f"{given}.{family}".lower(),
                            given_name=given,
                            family_name=family,
                            email=email,
                            status=AccountStatus.ACTIVE,
                            must_change_password=False,
                            last_sign_in_at=now - timedelta(days=3),
                        )
                    )
    # Sent over this morning's first hour; received as the mailbox delivered them.
    sent = now.replace(hour=8, minute=5, second=0, microsecond=0)
    if sent > now:
        sent -= timedelta(days=1)
    clock: Callable[[], datetime] = lambda: now  # noqa: E731
    services = Services(db, settings, clock)
    mailbox = Actor.system("intake-scan")
    return tuple(
        services.intake.receive(mailbox, sample.raw, source=f"demo {sample.name}").row.reference
        for sample in samples.samples(demo_rows(db), sent_at=sent)
    )
