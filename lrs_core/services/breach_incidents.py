"""Breach incidents (User Guide §1.4; issue 13, item 2): a breach found in an intake email
opens an incident on the sender's organisation; §1.4's escalation ladder (contact the user
and the organisation's super users → user permissions disabled → organisation permissions
disabled → the Data Protection Officer and senior management → the Information
Commissioner's Office) is proposed from the organisation's breach history in
``[intake] breach_window_days`` and each step confirmed by an analyst (HANDLE_INTAKE). The
two steps that act use the organisation directory's suspend and disable actions, in the same
transaction, recorded as a ``SecurityAction`` shown on the organisation. Each step once per
incident (a unique constraint), each audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import BreachIncident, IntakeCase
from lrs_core.domain.kinds import IncidentStatus, LadderStep
from lrs_core.services.audit import AuditService, Clock


@dataclass(frozen=True)
class LadderRow:
    step: LadderStep
    wording: str  # §1.4's words
    done_by: str | None
    done_at: datetime | None
    note: str | None
    proposed: bool  # the step proposed next


@dataclass(frozen=True)
class IncidentView:
    reference: str
    case_reference: str
    status: IncidentStatus
    opened_at: datetime
    organisation: str | None  # "10012345 Name"
    ukprn: str | None
    portal_user: str | None  # the sender's username
    findings: tuple[str, ...]  # §1.4 wording of each rule found
    ladder: tuple[LadderRow, ...]  # all five steps, in order
    proposed: LadderStep | None  # None once closed or every step is done
    why: str  # "2 earlier breaches in 365 days reached 'User permissions disabled'"
    history: tuple[str, ...]  # the organisation's other incidents in the window (references)
    row_version: int


def open_incident(session: Session, case: IntakeCase, now: datetime) -> BreachIncident:
    """The incident for ``case``'s breach, made in the caller's transaction (once per case:
    an existing one is returned)."""
    raise NotImplementedError


class BreachIncidentService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings

    def show(self, actor: Actor, reference: str) -> IncidentView:
        raise NotImplementedError

    def for_organisation(self, actor: Actor, ukprn: str) -> tuple[IncidentView, ...]:
        raise NotImplementedError

    def confirm_step(
        self,
        actor: Actor,
        reference: str,
        step: LadderStep,
        note: str,
        *,
        expected_version: int | None = None,
    ) -> IncidentView:
        """Confirm a ladder step (the proposed one, or another with the note saying why).
        USER_DISABLED suspends the sender's portal user, ORGANISATION_DISABLED disables the
        organisation's portal permissions (both refused when the sender or organisation is not
        known; already in force is recorded, not an error)."""
        raise NotImplementedError

    def close(
        self, actor: Actor, reference: str, note: str, *, expected_version: int | None = None
    ) -> IncidentView:
        raise NotImplementedError
