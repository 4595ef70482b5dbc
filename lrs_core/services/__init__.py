"""One service per capability. Each public method is one user action: it checks the
actor's role, runs in one transaction, writes the audit record and returns plain data."""

from __future__ import annotations

from lrs_core import secrets
from lrs_core.config import Settings, data_dir
from lrs_core.db.database import Database
from lrs_core.db.types import utcnow
from lrs_core.services.audit import AuditService, Clock
from lrs_core.services.breach_incidents import BreachIncidentService
from lrs_core.services.challenges import ChallengeService
from lrs_core.services.intake import IntakeService
from lrs_core.services.learners import LearnerService
from lrs_core.services.operators import OperatorService
from lrs_core.services.organisations import OrganisationService
from lrs_core.services.plr import PlrService
from lrs_core.services.super_user_cases import SuperUserCaseService


class Services:
    """Everything a front end (the TUI, the CLI, a test) needs, built from one database."""

    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.audit = AuditService(db, clock, settings.accounts.second_factor_roles)
        self.operators = OperatorService(
            db, settings.accounts, self.audit, clock, totp_key=lambda: self.key("totp-key").key
        )
        self.learners = LearnerService(db, self.audit, clock, settings.search)
        self.plr = PlrService(db, self.audit, clock, reports_dir=data_dir() / "reports")
        self.challenges = ChallengeService(db, self.audit, clock, settings)
        self.organisations = OrganisationService(db, self.audit, clock, settings)
        self.super_user_cases = SuperUserCaseService(db, self.audit, clock, settings)
        self.intake = IntakeService(
            db, self.audit, clock, settings, intake_key=lambda: self.key("intake-key").key
        )
        self.breach_incidents = BreachIncidentService(db, self.audit, clock, settings)

    def key(self, name: str) -> secrets.ApplicationKey:
        """One of LRS Desk's own keys (``audit-key``, ``totp-key``, ``intake-key``), read once
        when first needed; the embedded SQLite database makes a missing one, a deployment must
        set it.
        The database handle holds them (:meth:`Database.key`): the audit chain in that
        database is keyed with its ``audit-key``, whoever writes to it."""
        return self.db.key(name)
