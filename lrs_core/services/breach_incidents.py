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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import BreachIncident, IntakeCase
from lrs_core.domain.kinds import IncidentStatus, LadderStep
from lrs_core.domain.support_hours import LONDON
from lrs_core.errors import LrsError
from lrs_core.services.audit import AuditService, Clock

SUBJECT = "breach-incident"  # the audit trail's subject type


class IncidentNumberTaken(LrsError):
    """The unique reference's backstop: another unit of work drew the same number (it cannot
    while the day's lock is held)."""

    audit_summary = "failed: the incident's number was taken meanwhile"


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
    an existing one is returned).

    Its reference is ``BR-<yyyymmdd>-<nnnn>``, the desk's (London) date of ``now`` and the
    day's next number, drawn under a lock named by the day (``hold_until_commit``: a second
    unit of work opening an incident that day waits for this one's commit, then sees its
    number); the unique reference and the unique case are the backstops. The incident takes
    the case's organisation and portal user as the directory knows them now (either may be
    None: :func:`follow_sender` keeps it in step when the sender is set later); it opens
    OPEN. Not audited here: the caller's action (receipt, a check) is."""
    day = now.astimezone(LONDON).strftime("%Y%m%d")
    hold_until_commit(session, "breach incident reference", day)
    existing = incident_of(session, case)
    if existing is not None:
        return existing
    prefix = f"BR-{day}-"
    taken = session.execute(
        select(BreachIncident.reference).where(BreachIncident.reference.startswith(prefix))
    ).scalars()
    number = max((int(r.rsplit("-", 1)[1]) for r in taken), default=0) + 1
    incident = BreachIncident(
        reference=f"{prefix}{number:04d}",
        case_id=case.id,
        organisation_id=case.organisation_id,
        portal_user_id=case.portal_user_id,
        status=IncidentStatus.OPEN,
        opened_at=now,
    )
    try:
        # A savepoint: a violated backstop leaves the caller's transaction usable.
        with session.begin_nested():
            session.add(incident)
            session.flush()
    except IntegrityError:
        existing = incident_of(session, case)
        if existing is not None:
            return existing
        raise IncidentNumberTaken(
            f"another breach incident took {incident.reference} meanwhile: try again"
        ) from None
    return incident


def incident_of(session: Session, case: IntakeCase) -> BreachIncident | None:
    """The case's incident, if a breach opened one."""
    return session.execute(
        select(BreachIncident).where(BreachIncident.case_id == case.id)
    ).scalar_one_or_none()


def follow_sender(session: Session, case: IntakeCase) -> BreachIncident | None:
    """After the case's sender is set or corrected (``IntakeService.set_sender``), in the
    same transaction: the case's incident takes the case's organisation and portal user, so
    its ladder acts on, and its history is read for, the sender as now known. The incident's
    row is locked first (a step being confirmed finishes first, with the sender it showed)
    and its version bumps when anything changed, so a screen showing the old sender is
    refused as stale. None when the case has no incident."""
    incident = session.execute(
        select(BreachIncident).where(BreachIncident.case_id == case.id).with_for_update()
    ).scalar_one_or_none()
    if incident is None:
        return None
    if (incident.organisation_id, incident.portal_user_id) != (
        case.organisation_id,
        case.portal_user_id,
    ):
        incident.organisation_id = case.organisation_id
        incident.portal_user_id = case.portal_user_id
        incident.row_version += 1
        session.flush()
    return incident


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
