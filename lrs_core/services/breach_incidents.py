"""Breach incidents (User Guide §1.4; issue 13, item 2): a breach found in an intake email
opens an incident on the sender's organisation; §1.4's escalation ladder (contact the user
and the organisation's super user → user permissions disabled → organisation permissions
disabled → the Data Protection Officer and senior management → the Information
Commissioner's Office) is proposed from the organisation's breach history in
``[intake] breach_window_days`` and each step confirmed by an analyst (HANDLE_INTAKE). The
two steps that act use the organisation directory's suspend and disable actions, in the same
transaction, recorded as a ``SecurityAction`` shown on the organisation. Each step once per
incident (a unique constraint), each audited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import (
    BreachIncident,
    BreachIncidentStep,
    IntakeCase,
    IntakeFinding,
    Organisation,
    PortalUser,
    SecurityAction,
)
from lrs_core.domain.breaches import LADDER, RULE_WORDING, propose_step, step_wording
from lrs_core.domain.kinds import AccountStatus, AuditOutcome, IncidentStatus, LadderStep
from lrs_core.domain.support_hours import LONDON, desk_time
from lrs_core.domain.text import clean_text
from lrs_core.domain.values import quoted, validate_ukprn
from lrs_core.errors import LrsError, NotFound, ValidationError
from lrs_core.permissions import Permission
from lrs_core.services.accounts_view import audit_subject, operator_names
from lrs_core.services.audit import AuditService, Clock, append, read_entries
from lrs_core.services.organisations import (
    AlreadyDone,
    set_portal_permissions,
    suspend_portal_user,
)

SUBJECT = "breach-incident"  # the audit trail's subject type
NOTE_MAX = 400  # a step's or a closing note: one line (it goes into a security action's reason)
_REFERENCE = re.compile(r"BR-[0-9]{8}-[0-9]{4}")
_ACTING = (LadderStep.USER_DISABLED, LadderStep.ORGANISATION_DISABLED)


# --- errors -----------------------------------------------------------------------------------


class IncidentNumberTaken(LrsError):
    """The unique reference's backstop: another unit of work drew the same number (it cannot
    while the day's lock is held)."""

    audit_summary = "failed: the incident's number was taken meanwhile"


class IncidentClosed(LrsError):
    """The incident is closed: it takes no more steps (names who closed it and when)."""

    audit_summary = "refused: the incident is closed"


class StepAlreadyTaken(LrsError):
    """The ladder step was already confirmed on this incident (each step once): names who
    took it and when."""

    audit_summary = "refused: the step was already taken"

    def __init__(self, message: str, by: str, at: datetime) -> None:
        super().__init__(message)
        self.by = by
        self.at = at


class StaleIncident(LrsError):
    """The incident changed after the screen showed it (a step, a close, the sender set on
    its case); nothing was saved."""

    audit_summary = "refused: the incident changed meanwhile"


# --- what the front ends get -----------------------------------------------------------------


@dataclass(frozen=True)
class LadderRow:
    step: LadderStep
    wording: str  # §1.4's words
    done_by: str | None
    done_at: datetime | None
    note: str | None
    proposed: bool  # the step proposed next
    # What an acting step did through the organisation directory: "portal user amy.brook
    # suspended", or the state already in force it points at. None for the other steps.
    action: str | None = None


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
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_note: str | None = None


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
    reference = f"{prefix}{number:04d}"
    incident = BreachIncident(
        reference=reference,
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
            f"another breach incident took {reference} meanwhile: try again"
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

    @property
    def window_days(self) -> int:
        return self.settings.intake.breach_window_days

    # -- reading -----------------------------------------------------------------------------

    def show(self, actor: Actor, reference: str) -> IncidentView:
        """An incident with its findings, §1.4's five steps (who took each, when, the note),
        the step proposed from the organisation's history and why; a look at the sender's
        details: audited."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, "show-breach-incident", SUBJECT, subject
        ) as session:
            incident = _incident(session, _parse_reference(reference))
            view = self._view(session, incident)
            append(
                session,
                actor,
                "show-breach-incident",
                SUBJECT,
                incident.reference,
                detail={"status": str(incident.status), "case": view.case_reference},
                now=self.clock(),
            )
            return view

    def for_organisation(self, actor: Actor, ukprn: str) -> tuple[IncidentView, ...]:
        """The organisation's incidents, newest first; audited as one look."""
        with self.audit.guarded(
            actor,
            Permission.HANDLE_INTAKE,
            "list-breach-incidents",
            "organisation",
            audit_subject(ukprn),
        ) as session:
            checked = validate_ukprn(ukprn)
            org = session.execute(
                select(Organisation).where(Organisation.ukprn == checked)
            ).scalar_one_or_none()
            if org is None:
                raise NotFound(f"no organisation has UKPRN {checked}")
            incidents = session.scalars(
                select(BreachIncident)
                .where(BreachIncident.organisation_id == org.id)
                .order_by(BreachIncident.opened_at.desc(), BreachIncident.id.desc())
            ).all()
            views = tuple(self._view(session, incident) for incident in incidents)
            append(
                session,
                actor,
                "list-breach-incidents",
                "organisation",
                org.ukprn,
                detail={"shown": [v.reference for v in views]},
                now=self.clock(),
            )
            return views

    # -- the ladder --------------------------------------------------------------------------

    def confirm_step(
        self,
        actor: Actor,
        reference: str,
        step: LadderStep | str,
        note: str,
        *,
        expected_version: int | None = None,
    ) -> IncidentView:
        """Confirm a ladder step (the proposed one, or another with the note saying why).
        USER_DISABLED suspends the sender's portal user, ORGANISATION_DISABLED disables the
        organisation's portal permissions (both refused when the sender or organisation is not
        known; already in force is recorded, not an error).

        Analysts (HANDLE_INTAKE): an analyst confirming a step takes the organisation
        directory's suspend or disable within it (issue 12's open question, settled for
        issue 13); re-enabling stays an admin's (MANAGE_PORTAL_USERS).

        The incident's row is locked first; refused, nothing written, in this order: a
        closed incident (who closed it), a step already taken (who took it, when: of two
        analysts at once, the second is told), a stale screen, the note (the text rule, one
        line; required when the step is not the proposed one), an acting step whose sender is
        not known (what to set first). The security action's reason names the incident:
        "Breach BR-...: <note>"."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, "confirm-breach-step", SUBJECT, subject
        ) as session:
            now = self.clock()
            wanted = _ladder_step(step)
            incident = _incident(session, _parse_reference(reference), for_update=True)
            _refuse_closed(session, incident, "a closed incident takes no more steps")
            taken = _step_taken(session, incident, wanted)
            if taken is not None:
                raise _already_taken(session, incident, taken)
            _refuse_stale(session, incident, expected_version)
            case = session.get_one(IntakeCase, incident.case_id)
            proposed = self._proposed(session, incident)
            text = clean_text(note, "Note", NOTE_MAX, collapse=True)
            if wanted is not proposed and not text:
                raise ValidationError("Note", _say_why(wanted, proposed))
            reason = f"Breach {incident.reference}: {text or step_wording(wanted)}"
            action_id = self._act(session, actor, incident, case, wanted, reason, now)
            row = BreachIncidentStep(
                incident_id=incident.id,
                step=wanted,
                operator_id=actor.operator_id,
                performed_at=now,
                note=text,
                security_action_id=action_id,
            )
            try:
                # A savepoint: the unique (incident, step) is the backstop, and after it the
                # transaction must still read who took the step.
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                taken = _step_taken(session, incident, wanted)
                if taken is None:
                    raise
                raise _already_taken(session, incident, taken) from None
            incident.row_version += 1
            session.flush()
            org = session.get(Organisation, incident.organisation_id or 0)
            user = session.get(PortalUser, incident.portal_user_id or 0)
            append(
                session,
                actor,
                "confirm-breach-step",
                SUBJECT,
                incident.reference,
                detail={
                    "step": str(wanted),
                    "proposed": str(proposed) if proposed else "",
                    "note": text,
                    "organisation": org.ukprn if org else "",
                    "portal_user": user.username if user else "",
                    "security_action": action_id,
                    "version": incident.row_version,
                },
                now=now,
            )
            return self._view(session, incident)

    def close(
        self, actor: Actor, reference: str, note: str, *, expected_version: int | None = None
    ) -> IncidentView:
        """Close the incident with a note saying how it ended (the text rule, one line,
        required); the note is kept in the close's audit event and shown with the incident.
        Refused when already closed (who, when) or on a stale screen."""
        subject = audit_subject(reference.upper())
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, "close-breach-incident", SUBJECT, subject
        ) as session:
            now = self.clock()
            incident = _incident(session, _parse_reference(reference), for_update=True)
            _refuse_closed(session, incident, "it is closed once")
            _refuse_stale(session, incident, expected_version)
            text = clean_text(note, "Note", NOTE_MAX, required=True, collapse=True)
            incident.status = IncidentStatus.CLOSED
            incident.closed_at = now
            incident.closed_by_operator_id = actor.operator_id
            incident.row_version += 1
            session.flush()
            append(
                session,
                actor,
                "close-breach-incident",
                SUBJECT,
                incident.reference,
                detail={"note": text, "version": incident.row_version},
                now=now,
            )
            return self._view(session, incident)

    # -- inside a unit of work ---------------------------------------------------------------

    def _act(
        self,
        session: Session,
        actor: Actor,
        incident: BreachIncident,
        case: IntakeCase,
        step: LadderStep,
        reason: str,
        now: datetime,
    ) -> int | None:
        """The organisation directory's action an acting step takes (its row locked first),
        and the security action the step points at: the one made now, or the one that put
        the account in that state already (None when no security action records it)."""
        if step is LadderStep.USER_DISABLED:
            if incident.portal_user_id is None:
                raise ValidationError(
                    "Sender",
                    f"the sender's portal user is not known, so there is no user to disable:"
                    f" set the sender on case {case.reference} first",
                )
            user = session.execute(
                select(PortalUser).where(PortalUser.id == incident.portal_user_id).with_for_update()
            ).scalar_one()
            try:
                return suspend_portal_user(session, actor, user, reason, now).id
            except AlreadyDone as done:
                return done.action_id
        if step is LadderStep.ORGANISATION_DISABLED:
            if incident.organisation_id is None:
                raise ValidationError(
                    "Sender",
                    f"the sender's organisation is not known, so there are no permissions to"
                    f" disable: set the sender on case {case.reference} first",
                )
            org = session.execute(
                select(Organisation)
                .where(Organisation.id == incident.organisation_id)
                .with_for_update()
            ).scalar_one()
            try:
                return set_portal_permissions(session, actor, org, reason, now, enabled=False).id
            except AlreadyDone as done:
                return done.action_id
        return None

    def _proposed(self, session: Session, incident: BreachIncident) -> LadderStep | None:
        """The step proposed for the incident now: none once it is closed, or once a step at
        or beyond the history's proposal has been taken on it."""
        if incident.status is IncidentStatus.CLOSED:
            return None
        base = propose_step(_history(session, incident, self.window_days)[1])
        order = [s for s, _ in LADDER]
        done = _steps(session, incident.id)
        if any(order.index(s) >= order.index(base) for s in done):
            return None
        return base

    def _view(self, session: Session, incident: BreachIncident) -> IncidentView:
        case = session.get_one(IntakeCase, incident.case_id)
        org = session.get(Organisation, incident.organisation_id or 0)
        user = session.get(PortalUser, incident.portal_user_id or 0)
        steps = _steps(session, incident.id)
        names = operator_names(
            session,
            {s.operator_id for s in steps.values()} | {incident.closed_by_operator_id},
        )
        references, earlier_steps = _history(session, incident, self.window_days)
        proposed = self._proposed(session, incident)
        actions = _actions(session, steps)
        ladder = []
        for step, wording in LADDER:
            done = steps.get(step)
            ladder.append(
                LadderRow(
                    step=step,
                    wording=wording,
                    done_by=_who(names, done.operator_id) if done else None,
                    done_at=done.performed_at if done else None,
                    note=done.note if done else None,
                    proposed=step is proposed,
                    action=(
                        _action_words(session, incident, done, actions, org, user, names)
                        if done is not None and step in _ACTING
                        else None
                    ),
                )
            )
        return IncidentView(
            reference=incident.reference,
            case_reference=case.reference,
            status=incident.status,
            opened_at=incident.opened_at,
            organisation=f"{org.ukprn} {org.name}" if org else None,
            ukprn=org.ukprn if org else None,
            portal_user=user.username if user else None,
            findings=_findings(session, case.id),
            ladder=tuple(ladder),
            proposed=proposed,
            why=_why(len(references), earlier_steps, self.window_days, org, case),
            history=references,
            row_version=incident.row_version,
            closed_at=incident.closed_at,
            closed_by=(
                _who(names, incident.closed_by_operator_id)
                if incident.status is IncidentStatus.CLOSED
                else None
            ),
            close_note=_close_note(session, incident),
        )


# --- reading what the steps need ---------------------------------------------------------------


def _parse_reference(reference: str) -> str:
    text = reference.strip().upper()
    if not _REFERENCE.fullmatch(text):
        raise ValidationError(
            "Reference", f"must look like BR-20261123-0001, not {quoted(reference.strip())}"
        )
    return text


def _ladder_step(value: LadderStep | str) -> LadderStep:
    if isinstance(value, LadderStep):
        return value
    text = str(value).strip().casefold().replace("_", "-").replace(" ", "-")
    try:
        return LadderStep(text)
    except ValueError:
        choices = "; ".join(f"{s.value} ({w})" for s, w in LADDER)
        raise ValidationError(
            "Step", f"must be one of §1.4's five: {choices}; not {quoted(value)}"
        ) from None


def _incident(session: Session, reference: str, *, for_update: bool = False) -> BreachIncident:
    query = select(BreachIncident).where(BreachIncident.reference == reference)
    if for_update:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no breach incident has reference {reference}")
    return found


def _steps(session: Session, incident_id: int) -> dict[LadderStep, BreachIncidentStep]:
    rows = session.scalars(
        select(BreachIncidentStep).where(BreachIncidentStep.incident_id == incident_id)
    )
    return {row.step: row for row in rows}


def _step_taken(
    session: Session, incident: BreachIncident, step: LadderStep
) -> BreachIncidentStep | None:
    return session.execute(
        select(BreachIncidentStep).where(
            BreachIncidentStep.incident_id == incident.id, BreachIncidentStep.step == step
        )
    ).scalar_one_or_none()


def _history(
    session: Session, incident: BreachIncident, window_days: int
) -> tuple[tuple[str, ...], tuple[LadderStep, ...]]:
    """The organisation's other incidents opened in the ``window_days`` before this one
    (references, newest first), and the steps taken on them."""
    if incident.organisation_id is None:
        return (), ()
    since = incident.opened_at - timedelta(days=window_days)
    earlier = session.execute(
        select(BreachIncident.id, BreachIncident.reference)
        .where(
            BreachIncident.organisation_id == incident.organisation_id,
            BreachIncident.id != incident.id,
            BreachIncident.opened_at >= since,
            or_(
                BreachIncident.opened_at < incident.opened_at,
                and_(
                    BreachIncident.opened_at == incident.opened_at,
                    BreachIncident.id < incident.id,
                ),
            ),
        )
        .order_by(BreachIncident.opened_at.desc(), BreachIncident.id.desc())
    ).all()
    if not earlier:
        return (), ()
    steps = session.scalars(
        select(BreachIncidentStep.step).where(
            BreachIncidentStep.incident_id.in_([row.id for row in earlier])
        )
    ).all()
    return tuple(row.reference for row in earlier), tuple(steps)


def _why(
    earlier: int,
    steps: Sequence[LadderStep],
    window_days: int,
    org: Organisation | None,
    case: IntakeCase,
) -> str:
    """Why the step is proposed, in plain words."""
    if org is None:
        return (
            "The sender's organisation is not known, so its breach history cannot be read:"
            f" set the sender on case {case.reference}"
        )
    if not earlier:
        return f"First breach by this organisation in {window_days} days"
    breaches = "1 earlier breach" if earlier == 1 else f"{earlier} earlier breaches"
    said = f"{breaches} in the last {window_days} days"
    if not steps:
        return f"{said}; no step of the ladder was taken on {'it' if earlier == 1 else 'them'}"
    order = [s for s, _ in LADDER]
    furthest = max(steps, key=order.index)
    return f"{said}; the furthest step reached was '{step_wording(furthest)}'"


def _say_why(step: LadderStep, proposed: LadderStep | None) -> str:
    if proposed is None:
        return (
            f"no step is proposed now, so '{step_wording(step)}' needs a note saying why it"
            " is taken"
        )
    return (
        f"'{step_wording(step)}' is not the proposed step ('{step_wording(proposed)}'):"
        " say why in the note"
    )


def _findings(session: Session, case_id: int) -> tuple[str, ...]:
    """§1.4's wording of each rule found on the case, each once, in the order found."""
    rules = session.scalars(
        select(IntakeFinding.rule)
        .where(IntakeFinding.case_id == case_id)
        .order_by(IntakeFinding.id)
    )
    return tuple(dict.fromkeys(RULE_WORDING[rule] for rule in rules))


def _actions(
    session: Session, steps: dict[LadderStep, BreachIncidentStep]
) -> dict[int, SecurityAction]:
    ids = [s.security_action_id for s in steps.values() if s.security_action_id is not None]
    if not ids:
        return {}
    return {
        a.id: a for a in session.scalars(select(SecurityAction).where(SecurityAction.id.in_(ids)))
    }


def _action_words(
    session: Session,
    incident: BreachIncident,
    step: BreachIncidentStep,
    actions: dict[int, SecurityAction],
    org: Organisation | None,
    user: PortalUser | None,
    names: dict[int, str],
) -> str:
    """What an acting step did: the action it took, or the state already in force."""
    action = actions.get(step.security_action_id or 0)
    if step.step is LadderStep.USER_DISABLED:
        target = session.get(PortalUser, action.portal_user_id or 0) if action else user
        subject = target.username if target else "the sender's portal user"
        done = f"portal user {subject} suspended"
        deleted = target is not None and target.status is AccountStatus.DELETED
        state = f"{subject} was already {'deleted' if deleted else 'suspended'}"
    else:
        subject = org.name if org else "the organisation"
        done = f"{subject}'s portal permissions disabled"
        state = f"{subject}'s portal permissions were already disabled"
    if action is None:
        return f"{state} when the step was taken"
    if action.reason.startswith(f"Breach {incident.reference}:"):
        return done
    by = operator_names(session, {action.operator_id}).get(action.operator_id or 0, "unknown")
    return f"{state}: by {by} on {desk_time(action.performed_at)} ({action.reason})"


def _who(names: dict[int, str], operator_id: int | None) -> str:
    if operator_id is None:
        return "the system"
    return names.get(operator_id, "a former operator")


def _close_note(session: Session, incident: BreachIncident) -> str | None:
    """The closing note, kept in the close's audit event (the incident has no column)."""
    if incident.status is not IncidentStatus.CLOSED:
        return None
    found = read_entries(
        session,
        subject_type=SUBJECT,
        subject_id=incident.reference,
        actions=["close-breach-incident"],
        outcome=AuditOutcome.OK,
        limit=1,
    )
    note = found[0].detail.get("note") if found else None
    return note if isinstance(note, str) else None


# --- the refusals ------------------------------------------------------------------------------


def _refuse_closed(session: Session, incident: BreachIncident, rule: str) -> None:
    if incident.status is not IncidentStatus.CLOSED:
        return
    by = _who(
        operator_names(session, {incident.closed_by_operator_id}), incident.closed_by_operator_id
    )
    when = f" on {desk_time(incident.closed_at)}" if incident.closed_at else ""
    raise IncidentClosed(
        f"{incident.reference} was closed by {by}{when}: {rule}; nothing was saved"
    )


def _already_taken(
    session: Session, incident: BreachIncident, taken: BreachIncidentStep
) -> StepAlreadyTaken:
    by = _who(operator_names(session, {taken.operator_id}), taken.operator_id)
    return StepAlreadyTaken(
        f"'{step_wording(taken.step)}' was already taken on {incident.reference} by {by} on"
        f" {desk_time(taken.performed_at)} (each step once); nothing was saved",
        by,
        taken.performed_at,
    )


def _refuse_stale(session: Session, incident: BreachIncident, expected_version: int | None) -> None:
    if expected_version is None or incident.row_version == expected_version:
        return
    said = f"{incident.reference} changed after you opened it; nothing was saved."
    latest = session.execute(
        select(BreachIncidentStep)
        .where(BreachIncidentStep.incident_id == incident.id)
        .order_by(BreachIncidentStep.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is not None:
        by = _who(operator_names(session, {latest.operator_id}), latest.operator_id)
        said += (
            f" Latest step: '{step_wording(latest.step)}' by {by} on"
            f" {desk_time(latest.performed_at)}."
        )
    raise StaleIncident(said + " Reload it and try again.")
