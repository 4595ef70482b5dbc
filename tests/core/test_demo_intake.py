"""The demo's intake (issue 13, item 9): the seven sample emails received into the demo
database as the mailbox would deliver them, their senders known to the directory, and the
compliant file's rows demo learners, so opening it shows every outcome (§1.4's breaches found
on the others)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.domain.kinds import BreachRule, IntakeStatus
from lrs_core.intake import samples
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.demo import seed_demo
from lrs_core.services.demo_challenges import demo_operator
from lrs_core.services.demo_intake import seed_demo_intake

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db: Database, settings: Settings) -> tuple[Services, tuple[str, ...]]:
    services = Services(db, settings, lambda: NOW)
    seed_demo(db, learners=40, seed=2026, totp_key=services.key("totp-key").key)
    return services, seed_demo_intake(db, settings, NOW)


def test_the_seven_samples_arrive_from_senders_the_directory_knows(
    seeded: tuple[Services, tuple[str, ...]],
) -> None:
    services, references = seeded
    analyst = demo_operator(services.db, "demo-analyst")
    assert len(references) == len(samples.NAMES) == 7
    queue = {row.reference: row for row in services.intake.queue(analyst)}
    assert set(queue) == set(references)
    assert all(row.organisation for row in queue.values())
    found = {
        rule
        for reference in references
        for rule in (f.rule for f in services.intake.show(analyst, reference).findings)
    }
    # §1.4: a ULN with a demographic in the body, a plain CSV, a ZipCrypto zip.
    assert {
        BreachRule.ULN_WITH_DEMOGRAPHIC,
        BreachRule.UNENCRYPTED_ATTACHMENT,
        BreachRule.WEAK_ENCRYPTION,
    } <= found
    # A second seed adds nothing.
    assert seed_demo_intake(services.db, services.settings, NOW) == ()


def test_the_compliant_file_opens_with_the_published_passphrase_and_shows_every_outcome(
    seeded: tuple[Services, tuple[str, ...]],
) -> None:
    services, references = seeded
    analyst = demo_operator(services.db, "demo-analyst")
    compliant = references[0]
    view = services.intake.show(analyst, compliant)
    assert view.row.status is IntakeStatus.AWAITING_PASSPHRASE and not view.findings
    opened = services.intake.open(analyst, compliant, Passphrase(samples.DEMO_PASSPHRASE))
    outcomes = [row.outcome for row in opened.rows.rows]
    assert {"WSRC0004", "WSRC0003", "WSRC0001", "INVALID"} <= set(outcomes)
    assert opened.guidance_met
