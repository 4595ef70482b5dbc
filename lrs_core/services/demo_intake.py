"""The demo's encrypted intake (issue 13, item 9): the seven sample emails of
``intake/samples.py``, as the desk's mailbox delivered them this morning, received through the
service as ``system:intake-scan`` would (breach checks, incidents and all).

Their senders are portal users of three demo organisations (a college, a school and a training
provider), made here with synthetic names, so every case names its organisation and the
breach incidents land on it. The spreadsheets hold README's learners and a few strangers
(:func:`demo_rows`, which ``lrs-desk intake sample`` writes too), so opening the compliant
AES zip with the published passphrase (``samples.DEMO_PASSPHRASE``) shows every outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import IntakeCase, Learner, Organisation, PortalUser
from lrs_core.demo_data import DemoLearner
from lrs_core.domain.kinds import AccountStatus, OrganisationKind
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
FROM_LEARNERS = 30  # README's learners are in a demo seed of at least this many
LONDON = ZoneInfo("Europe/London")


def demo_rows() -> list[dict[str, str]]:
    """The samples' spreadsheets: README's learners as a provider sends them, so opening the
    compliant file on the demo database shows each outcome (the PLR learner by ULN; André
    MacKenzie with no ULN, typed as a caller gives him, "Andre McKenzie"; Michael Davis by
    ULN, whom README's `learner update` renames, so the name differs by then), a few synthetic
    learners the register does not hold (no match) and one with a date that does not exist
    (the row names the field and the rule)."""
    from lrs_core.demo_data import README_LEARNER, README_NEAR_MATCH, README_PLR_LEARNER

    def row(learner: DemoLearner, **typed: str) -> dict[str, str]:
        return {
            "uln": learner.uln,
            "given_name": learner.given_name,
            "family_name": learner.family_name,
            "date_of_birth": learner.date_of_birth.isoformat(),
            "gender": "9",  # not specified: a match by ULN compares names and date of birth
            "postcode": learner.postcode,
        } | typed

    strangers = samples.sample_rows(4)
    strangers[-1] = strangers[-1] | {"uln": "", "date_of_birth": "30/02/2009"}
    return [
        row(README_PLR_LEARNER),
        row(README_NEAR_MATCH, uln="", given_name="Andre", family_name="McKenzie", gender="1"),
        row(README_LEARNER),
        *strangers,
    ]


def this_morning(now: datetime) -> datetime:
    """08:05 UK time on ``now``'s day (the day before, when that is still to come): when the
    samples were sent."""
    local = now.astimezone(LONDON)
    sent = local.replace(hour=8, minute=5, second=0, microsecond=0)
    if sent > local:
        sent -= timedelta(days=1)
    return sent.astimezone(UTC)


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
    clock: Callable[[], datetime] = lambda: now  # noqa: E731
    services = Services(db, settings, clock)
    mailbox = Actor.system("intake-scan")
    return tuple(
        services.intake.receive(mailbox, sample.raw, source=f"demo {sample.name}").row.reference
        for sample in samples.samples(demo_rows(), sent_at=this_morning(now))
    )
