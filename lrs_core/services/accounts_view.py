"""What the organisation directory and the super-user cases hand to the front ends: frozen
dataclasses read inside a unit of work, so nothing lazy-loads outside one. Shared by
:mod:`lrs_core.services.organisations` and :mod:`lrs_core.services.super_user_cases`; the
rules themselves are :mod:`lrs_core.domain.accounts`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core.db.models import (
    BreachIncident,
    BreachIncidentStep,
    Operator,
    Organisation,
    PortalUser,
    SecurityAction,
    SuperUserCase,
)
from lrs_core.domain.accounts import (
    AccountFacts,
    NewSuperUser,
    Signatory,
    display_phone,
    housekeeping_flags,
    missing_steps,
    super_user_count_warning,
)
from lrs_core.domain.breaches import LADDER
from lrs_core.domain.kinds import (
    AccountStatus,
    IncidentStatus,
    LadderStep,
    OrganisationKind,
    PortalRole,
    SecurityActionKind,
    SuperUserCaseStatus,
    SuperUserLossReason,
)
from lrs_core.domain.text import shown

# Appendix A's roles, as the portal names them.
ROLE_LABELS: dict[PortalRole, str] = {
    PortalRole.SUPER_USER: "Super user",
    PortalRole.BATCH_USER: "Batch user",
    PortalRole.ONLINE_USER: "Online user",
    PortalRole.VIEW_ONLY_USER: "View only user",
    PortalRole.LEARNER_RECORD: "Learner record",
    PortalRole.VLD_LEARNING_PROVIDER: "VLD learning provider",
}

SECURITY_ACTION_LABELS: dict[SecurityActionKind, str] = {
    SecurityActionKind.SUSPEND_USER: "portal user suspended",
    SecurityActionKind.DISABLE_ORGANISATION: "portal permissions disabled",
    SecurityActionKind.ENABLE_ORGANISATION: "portal permissions re-enabled",
}

# §3.2, in bold in the guide: said on every portal user's view.
DESK_DOES_NOT_RESET = (
    "The Service Desk does not reset passwords or unlock accounts (§3.2): the organisation's"
    " super users do."
)
# Said after it when no super user of the organisation can act (§3.6).
NO_SUPER_USER_CAN_ACT = (
    "No super user of the organisation can act: it needs to send a Change of Super User form,"
    " hand-signed by a manager (§3.6)."
)
# Said instead when the user is its only super user who can act (§3.5.6, §3.6).
ONLY_SUPER_USER = (
    "They are the organisation's only super user who can act: they reset their own password"
    " with Forgotten Password; if they cannot, the organisation needs a Change of Super User"
    " form, hand-signed by a manager (§3.6)."
)


@dataclass(frozen=True)
class PortalUserRow:
    """One portal user as a list shows them."""

    id: int
    username: str
    title: str | None
    given_name: str
    family_name: str
    roles: tuple[PortalRole, ...]
    status: AccountStatus
    on_long_term_leave: bool
    last_sign_in_at: datetime | None
    flags: tuple[str, ...]  # housekeeping (§3.3): dormant, generic username, every role

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_super_user(self) -> bool:
        return PortalRole.SUPER_USER in self.roles

    @property
    def can_act(self) -> bool:
        """An active super user who is here: not suspended, deleted or on long-term leave."""
        return (
            self.is_super_user
            and self.status is AccountStatus.ACTIVE
            and not self.on_long_term_leave
        )


@dataclass(frozen=True)
class OrganisationSummary:
    id: int
    ukprn: str
    name: str
    kind: OrganisationKind
    is_lrb: bool
    is_ao: bool
    portal_enabled: bool
    active_super_users: int
    super_user_warning: str | None  # fewer than 3 or more than 5 (§3.1)


@dataclass(frozen=True)
class SecurityActionRow:
    action: SecurityActionKind
    label: str
    reason: str
    performed_at: datetime
    operator: str  # the desk operator's username
    portal_username: str | None


@dataclass(frozen=True)
class CaseSummary:
    """A super-user case as the organisation's view and the approval list show it."""

    reference: str
    organisation_ukprn: str
    organisation_name: str
    reason: SuperUserLossReason
    status: SuperUserCaseStatus
    form_received_on: date
    prepared_by: str
    prepared_at: datetime
    missing: tuple[str, ...]  # steps still to record before approval (domain.missing_steps)
    new_username: str | None


@dataclass(frozen=True)
class IncidentSummary:
    """A breach incident as the organisation's view lists it (§1.4; issue 13 item 2)."""

    reference: str
    opened_at: datetime
    status: IncidentStatus
    furthest: LadderStep | None  # the furthest step of §1.4's ladder taken on it
    furthest_wording: str | None  # its §1.4 words: "User permissions disabled"


@dataclass(frozen=True)
class OrganisationView:
    summary: OrganisationSummary
    phone: str | None  # the register's number, grouped for reading aloud
    agreement_signatory: str | None
    super_users: tuple[PortalUserRow, ...]  # every super user, deleted ones last
    users: tuple[PortalUserRow, ...]  # everyone, super users included
    by_role: tuple[tuple[PortalRole, int], ...]  # users not deleted, per role
    by_status: tuple[tuple[AccountStatus, int], ...]
    flagged: int  # users with a housekeeping flag
    security_actions: tuple[SecurityActionRow, ...]  # newest first
    cases: tuple[CaseSummary, ...]  # newest first
    incidents: tuple[IncidentSummary, ...] = ()  # its breach incidents, newest first


@dataclass(frozen=True)
class PortalUserView:
    user: PortalUserRow
    email: str
    phone: str | None
    verification_provided: str | None
    failed_attempts: int
    must_change_password: bool
    created_at: datetime
    organisation: OrganisationSummary
    # Whom a caller asking for a reset or an unlock should contact (§3.2).
    contact_super_users: tuple[PortalUserRow, ...]
    security_actions: tuple[SecurityActionRow, ...]
    desk_advice: str = DESK_DOES_NOT_RESET


@dataclass(frozen=True)
class CaseStep:
    at: datetime
    operator: str
    step: str  # opened, signatory, new super user, call-back, approved, rejected, completed
    text: str


@dataclass(frozen=True)
class SuperUserCaseView:
    reference: str
    version: int  # pass back as expected_version: a stale screen is refused
    status: SuperUserCaseStatus
    organisation: OrganisationSummary
    register_phone: str | None  # the number to call back, grouped
    reason: SuperUserLossReason
    reason_label: str
    form_received_on: date
    old_super_user: PortalUserRow | None
    old_account_fate: str  # what approval does to them: "deleted", "left suspended"...
    form_phone: str | None
    signatory: Signatory | None
    agreement_note: str | None  # whether the signatory is the register's agreement signatory
    callback_phone: str | None
    callback_confirmed_by: str | None
    callback_at: datetime | None
    callback_by: str | None
    new_user: NewSuperUser | None
    new_username: str | None
    prepared_by: str
    prepared_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    completed_by: str | None
    completed_at: datetime | None
    missing: tuple[str, ...]
    timeline: tuple[CaseStep, ...]
    # For the operator who asked: whether they may approve it now, and if not, why.
    approvable: bool
    not_approvable_because: str | None
    # What the data cannot settle and the call-back must (domain.accounts.reason_caution).
    caution: str | None = None


@dataclass(frozen=True)
class Approval:
    """What approval returns: the case and the new account's one-time password, shown once
    (never stored: only its Argon2id hash is; never in a repr, a log or an audit detail)."""

    case: SuperUserCaseView
    username: str
    one_time_password: str = field(repr=False)


# --- builders, inside a unit of work --------------------------------------------------------

AUDIT_SUBJECT_MAX = 64  # the audit trail's subject column


def audit_subject(typed: str) -> str:
    """What the audit event of a refusal names: a username, UKPRN or reference as typed, made
    visible (a control or bidi character never reaches the trail) and cut to the trail's
    column, so an overlong one is refused and audited, not a database error on PostgreSQL."""
    text = shown(str(typed).strip())
    return text if len(text) <= AUDIT_SUBJECT_MAX else text[: AUDIT_SUBJECT_MAX - 1] + "…"


def account_facts(user: PortalUser) -> AccountFacts:
    return AccountFacts(
        id=user.id,
        username=user.username,
        name=f"{user.given_name} {user.family_name}",
        status=user.status,
        roles=frozenset(r.role for r in user.roles),
        on_long_term_leave=user.on_long_term_leave,
        last_sign_in_at=user.last_sign_in_at,
        created_at=user.created_at,
    )


def user_row(user: PortalUser, now: datetime, dormant_days: int) -> PortalUserRow:
    roles = tuple(r for r in PortalRole if r in {x.role for x in user.roles})
    return PortalUserRow(
        id=user.id,
        username=user.username,
        title=user.title,
        given_name=user.given_name,
        family_name=user.family_name,
        roles=roles,
        status=user.status,
        on_long_term_leave=user.on_long_term_leave,
        last_sign_in_at=user.last_sign_in_at,
        flags=housekeeping_flags(account_facts(user), now, dormant_days),
    )


def organisation_users(session: Session, organisation_id: int) -> list[PortalUser]:
    return list(
        session.scalars(
            select(PortalUser)
            .where(PortalUser.organisation_id == organisation_id)
            .order_by(PortalUser.family_name, PortalUser.given_name, PortalUser.id)
        )
    )


def summary(organisation: Organisation, users: list[PortalUser]) -> OrganisationSummary:
    return summary_counted(organisation, sum(1 for u in users if account_facts(u).can_act))


def summary_counted(organisation: Organisation, active: int) -> OrganisationSummary:
    """The summary, given its count of super users who can act (counted in SQL by a list)."""
    return OrganisationSummary(
        id=organisation.id,
        ukprn=organisation.ukprn,
        name=organisation.name,
        kind=organisation.kind,
        is_lrb=organisation.is_lrb,
        is_ao=organisation.is_ao,
        portal_enabled=organisation.portal_enabled,
        active_super_users=active,
        super_user_warning=super_user_count_warning(active),
    )


def phone_shown(digits_or_text: str | None) -> str | None:
    """A stored telephone number grouped for reading aloud (stored as the register has it)."""
    if not digits_or_text:
        return None
    digits = "".join(c for c in digits_or_text if c.isdigit())
    return display_phone(digits) if len(digits) in (10, 11) else digits_or_text


def operator_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Operator.id, Operator.username).where(Operator.id.in_(wanted)))
    return {row.id: row.username for row in rows}


def security_action_rows(
    session: Session, actions: list[SecurityAction], usernames: dict[int, str]
) -> tuple[SecurityActionRow, ...]:
    """The actions as shown, in the order given; ``usernames`` by portal user id (those not
    in it are read)."""
    wanted = {a.portal_user_id for a in actions if a.portal_user_id is not None} - set(usernames)
    if wanted:
        rows = session.execute(
            select(PortalUser.id, PortalUser.username).where(PortalUser.id.in_(wanted))
        )
        usernames = {**usernames, **{row.id: row.username for row in rows}}
    operators = operator_names(session, {a.operator_id for a in actions})
    return tuple(
        SecurityActionRow(
            action=a.action,
            label=SECURITY_ACTION_LABELS[a.action],
            reason=a.reason,
            performed_at=a.performed_at,
            operator=operators.get(a.operator_id, "unknown") if a.operator_id else "unknown",
            portal_username=usernames.get(a.portal_user_id) if a.portal_user_id else None,
        )
        for a in actions
    )


def case_missing(case: SuperUserCase) -> tuple[str, ...]:
    """The steps a case still lacks before a second admin can approve it."""
    return missing_steps(
        signatory=case.signatory_name is not None,
        callback=case.callback_at is not None,
        new_user=case.new_username is not None,
    )


def case_summary(case: SuperUserCase, organisation: Organisation, prepared_by: str) -> CaseSummary:
    """One super-user case as a list shows it (the organisation's view, the cases list)."""
    return CaseSummary(
        reference=case.reference,
        organisation_ukprn=organisation.ukprn,
        organisation_name=organisation.name,
        reason=case.reason,
        status=case.status,
        form_received_on=case.form_received_on,
        prepared_by=prepared_by,
        prepared_at=case.prepared_at,
        missing=case_missing(case) if case.status is SuperUserCaseStatus.PREPARED else (),
        new_username=case.new_username,
    )


def organisation_cases(session: Session, organisation_id: int) -> tuple[CaseSummary, ...]:
    """An organisation's super-user cases, newest first (its view shows its past cases)."""
    found = session.execute(
        select(SuperUserCase, Organisation, Operator.username)
        .join(Organisation, Organisation.id == SuperUserCase.organisation_id)
        .outerjoin(Operator, Operator.id == SuperUserCase.prepared_by_operator_id)
        .where(SuperUserCase.organisation_id == organisation_id)
        .order_by(SuperUserCase.prepared_at.desc(), SuperUserCase.id.desc())
    ).all()
    return tuple(case_summary(case, org, who or "") for case, org, who in found)


def organisation_incidents(session: Session, organisation_id: int) -> tuple[IncidentSummary, ...]:
    """An organisation's breach incidents, newest first, each with the furthest step of
    §1.4's ladder taken on it (its view shows them beside the security actions they took)."""
    incidents = list(
        session.scalars(
            select(BreachIncident)
            .where(BreachIncident.organisation_id == organisation_id)
            .order_by(BreachIncident.opened_at.desc(), BreachIncident.id.desc())
        )
    )
    if not incidents:
        return ()
    taken: dict[int, set[LadderStep]] = {}
    rows = session.execute(
        select(BreachIncidentStep.incident_id, BreachIncidentStep.step).where(
            BreachIncidentStep.incident_id.in_([i.id for i in incidents])
        )
    )
    for incident_id, step in rows:
        taken.setdefault(incident_id, set()).add(step)
    found = []
    for incident in incidents:
        steps = taken.get(incident.id, set())
        furthest = next(((s, w) for s, w in reversed(LADDER) if s in steps), None)
        found.append(
            IncidentSummary(
                reference=incident.reference,
                opened_at=incident.opened_at,
                status=incident.status,
                furthest=furthest[0] if furthest else None,
                furthest_wording=furthest[1] if furthest else None,
            )
        )
    return tuple(found)
