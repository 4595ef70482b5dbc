"""The organisation directory (User Guide §3; DOMAIN.md "Accounts and super users"): find an
organisation by UKPRN or name, its view (super users, users by role and status, §3.3's
housekeeping flags, the desk's security actions, its super-user cases, its breach incidents),
a portal user's view, and the security actions the guide gives the desk (§1.4's escalation,
§3.5.6.1): suspend a portal user, disable and re-enable an organisation's portal permissions.

Every operator reads the directory (VIEW_ORGANISATIONS); each look at a portal user's
details (an organisation's view lists them) is audited; the security actions are for admins
(MANAGE_PORTAL_USERS), each with a reason, audited, shown on the organisation. An analyst
confirming a breach incident's ladder step (``breach_incidents``, HANDLE_INTAKE) takes the
suspend and disable actions through the same bodies (:func:`suspend_portal_user`,
:func:`set_portal_permissions`); re-enabling stays an admin's."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.models import (
    Organisation,
    PortalUser,
    PortalUserRole,
    SecurityAction,
)
from lrs_core.domain.accounts import fold_organisation_name
from lrs_core.domain.kinds import (
    AccountStatus,
    PortalRole,
    SecurityActionKind,
)
from lrs_core.domain.names import name_key, validate_text
from lrs_core.domain.support_hours import desk_time
from lrs_core.domain.values import validate_ukprn
from lrs_core.errors import LrsError, NotFound, ValidationError
from lrs_core.permissions import Permission
from lrs_core.services.accounts_view import (
    DESK_DOES_NOT_RESET,
    NO_SUPER_USER_CAN_ACT,
    ONLY_SUPER_USER,
    OrganisationSummary,
    OrganisationView,
    PortalUserRow,
    PortalUserView,
    audit_subject,
    operator_names,
    organisation_cases,
    organisation_incidents,
    organisation_users,
    phone_shown,
    security_action_rows,
    summary,
    summary_counted,
    user_row,
)
from lrs_core.services.audit import AuditService, Clock, append

FIND_LIMIT = 50
FIND_USERS_LIMIT = 50
NAME_QUERY_MIN = 2  # letters or digits of an organisation's folded name
REASON_MAX = 500  # a security action's reason: one line
QUERY_MAX = 200


class AlreadyDone(LrsError):
    """The security action asked for is already in force: the account is already suspended,
    the permissions already disabled (or enabled). Names who did it and when, when a security
    action records it; nothing was written."""

    audit_summary = "refused: already in that state"

    def __init__(
        self,
        message: str,
        by: str | None = None,
        at: datetime | None = None,
        action_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.by = by
        self.at = at
        self.action_id = action_id  # the security action that put it in that state, if any


class OrganisationService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings

    @property
    def dormant_days(self) -> int:
        return self.settings.organisations.dormant_days

    # --- the directory ---------------------------------------------------------------------

    def find(self, actor: Actor, query: str) -> tuple[tuple[OrganisationSummary, ...], bool]:
        """By UKPRN (all digits: the 8-digit rule, exact) or by name (folded, partial, at
        least 2 characters); at most FIND_LIMIT, sorted by name, and whether there were more.
        An unknown well-formed UKPRN finds nothing (the caller says so).

        Not audited: an organisation's name, UKPRN and counts are no one's personal data (the
        refusal of an operator without the permission is audited, as every refusal is)."""
        text = validate_text(query, "Organisation", QUERY_MAX, required=True)
        compact = text.replace(" ", "")
        if re.fullmatch(r"[0-9]+", compact):
            where = Organisation.ukprn == validate_ukprn(compact)
        else:
            key = fold_organisation_name(text)
            if len(key) < NAME_QUERY_MIN:
                raise ValidationError(
                    "Organisation",
                    f"give at least {NAME_QUERY_MIN} letters or digits of the name, or the"
                    " 8-digit UKPRN",
                )
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where = Organisation.name_key.like(f"%{escaped}%", escape="\\")
        self.audit.require(actor, Permission.VIEW_ORGANISATIONS, "find-organisation")
        with self.db.transaction(read_only=True) as session:
            active = _active_super_users().subquery()
            rows = session.execute(
                select(Organisation, func.coalesce(active.c.active, 0))
                .outerjoin(active, active.c.organisation_id == Organisation.id)
                .where(where)
                .order_by(Organisation.name, Organisation.id)
                .limit(FIND_LIMIT + 1)
            ).all()
            found = tuple(summary_counted(org, int(n)) for org, n in rows[:FIND_LIMIT])
        return found, len(rows) > FIND_LIMIT

    def show(self, actor: Actor, ukprn: str) -> OrganisationView:
        """The organisation's view; audited as a look (it lists portal users)."""
        ukprn = validate_ukprn(ukprn)
        with self.audit.guarded(
            actor, Permission.VIEW_ORGANISATIONS, "view-organisation", "organisation", ukprn
        ) as session:
            org = _organisation(session, ukprn)
            view = self._view(session, org)
            append(
                session,
                actor,
                "view-organisation",
                "organisation",
                ukprn,
                detail={"users_shown": len(view.users)},
                now=self.clock(),
            )
            return view

    def find_users(
        self, actor: Actor, query: str, ukprn: str | None = None
    ) -> tuple[PortalUserRow, ...]:
        """Portal users by username or by given and family name (§3.5.3's Find User),
        optionally within one organisation; audited.

        A username matches exactly or by its start, in any case; otherwise every word of the
        query must begin one of the person's names, compared as folded keys (case, accents
        and lookalike letters as ``name_key`` reads them), so "zoe muller" finds Zoë Müller on
        either database. At most FIND_USERS_LIMIT, by family and given name."""
        text = validate_text(query, "Portal user", QUERY_MAX, required=True)
        within = validate_ukprn(ukprn) if ukprn is not None and ukprn.strip() else None
        words = [k for k in (name_key(w) for w in text.split()) if k]
        username = text.casefold()
        with self.audit.guarded(
            actor, Permission.VIEW_ORGANISATIONS, "find-portal-user", "portal_user", ""
        ) as session:
            scope = select(PortalUser.id, PortalUser.username, PortalUser.given_name,
                           PortalUser.family_name)  # fmt: skip
            if within is not None:
                scope = scope.where(PortalUser.organisation_id == _organisation(session, within).id)
            matched: list[int] = []
            for row in session.execute(scope):
                if _username_matches(row.username, username) or (
                    words and _names_match(words, row.given_name, row.family_name)
                ):
                    matched.append(row.id)
            users: list[PortalUser] = []
            if matched:
                users = list(
                    session.scalars(
                        select(PortalUser)
                        .where(PortalUser.id.in_(matched))
                        .order_by(PortalUser.family_name, PortalUser.given_name, PortalUser.id)
                        .limit(FIND_USERS_LIMIT)
                    )
                )
            now = self.clock()
            rows = tuple(user_row(u, now, self.dormant_days) for u in users)
            detail: dict[str, object] = {"shown": [r.username for r in rows]}
            if within is not None:
                detail["organisation"] = within
            append(
                session,
                actor,
                "find-portal-user",
                "portal_user",
                rows[0].username if rows else "",
                detail=detail,
                now=now,
            )
            return rows

    def portal_user(self, actor: Actor, username: str) -> PortalUserView:
        """One portal user's details; audited as a look. Names the organisation's super
        users who can act: the desk does not reset passwords or unlock accounts (§3.2)."""
        name = validate_text(username, "Username", 64, required=True)
        with self.audit.guarded(
            actor, Permission.VIEW_ORGANISATIONS, "view-portal-user", "portal_user", name
        ) as session:
            user = _portal_user(session, name)
            view = self._user_view(session, user)
            append(
                session, actor, "view-portal-user", "portal_user", user.username, now=self.clock()
            )
            return view

    # --- the security actions (§1.4, §3.5.6.1): admins -------------------------------------

    def suspend_user(self, actor: Actor, username: str, reason: str) -> PortalUserView:
        """Admins (§1.4, §3.5.6.1): suspend a portal user, with the reason. The user's row is
        locked first, so of two admins at once one suspends and the other is told who did."""
        typed = audit_subject(username)
        with self.audit.guarded(
            actor, Permission.MANAGE_PORTAL_USERS, "suspend-portal-user", "portal_user", typed
        ) as session:
            # Checked after the permission: an agent is refused (and audited) whatever they typed.
            name = validate_text(username, "Username", 64, required=True)
            why = _reason(reason)
            user = _portal_user(session, name, lock=True)
            suspend_portal_user(session, actor, user, why, self.clock())
            return self._user_view(session, user)

    def disable_organisation(self, actor: Actor, ukprn: str, reason: str) -> OrganisationView:
        """Admins (§1.4): disable the organisation's portal permissions, with the reason."""
        return self._set_portal(actor, ukprn, reason, enabled=False)

    def enable_organisation(self, actor: Actor, ukprn: str, reason: str) -> OrganisationView:
        """Admins: re-enable them, with the reason."""
        return self._set_portal(actor, ukprn, reason, enabled=True)

    def _set_portal(
        self, actor: Actor, ukprn: str, reason: str, *, enabled: bool
    ) -> OrganisationView:
        action = "enable-organisation" if enabled else "disable-organisation"
        with self.audit.guarded(
            actor, Permission.MANAGE_PORTAL_USERS, action, "organisation", audit_subject(ukprn)
        ) as session:
            # Checked after the permission: an agent is refused (and audited) whatever they typed.
            ukprn = validate_ukprn(ukprn)
            why = _reason(reason)
            org = _organisation(session, ukprn, lock=True)
            set_portal_permissions(session, actor, org, why, self.clock(), enabled=enabled)
            return self._view(session, org)

    # --- views, inside a unit of work ------------------------------------------------------

    def _view(self, session: Session, org: Organisation) -> OrganisationView:
        now = self.clock()
        users = organisation_users(session, org.id)
        rows = [user_row(u, now, self.dormant_days) for u in users]
        supers = sorted((r for r in rows if r.is_super_user), key=_super_user_order)
        present = [r for r in rows if r.status is not AccountStatus.DELETED]
        by_role = tuple((role, sum(1 for r in present if role in r.roles)) for role in PortalRole)
        by_status = tuple(
            (status, n)
            for status in AccountStatus
            if (n := sum(1 for r in rows if r.status is status))
        )
        actions = list(
            session.scalars(
                select(SecurityAction)
                .where(SecurityAction.organisation_id == org.id)
                .order_by(SecurityAction.performed_at.desc(), SecurityAction.id.desc())
            )
        )
        return OrganisationView(
            summary=summary(org, users),
            phone=phone_shown(org.phone),
            agreement_signatory=org.agreement_signatory,
            super_users=tuple(supers),
            users=tuple(rows),
            by_role=by_role,
            by_status=by_status,
            flagged=sum(1 for r in rows if r.flags),
            security_actions=security_action_rows(
                session, actions, {u.id: u.username for u in users}
            ),
            cases=organisation_cases(session, org.id),
            incidents=organisation_incidents(session, org.id),
        )

    def _user_view(self, session: Session, user: PortalUser) -> PortalUserView:
        now = self.clock()
        org = user.organisation
        users = organisation_users(session, org.id)
        contacts = tuple(
            row
            for row in (user_row(u, now, self.dormant_days) for u in users)
            if row.id != user.id and row.can_act
        )
        actions = list(
            session.scalars(
                select(SecurityAction)
                .where(SecurityAction.portal_user_id == user.id)
                .order_by(SecurityAction.performed_at.desc(), SecurityAction.id.desc())
            )
        )
        row = user_row(user, now, self.dormant_days)
        advice = DESK_DOES_NOT_RESET
        if not contacts:
            advice += f" {ONLY_SUPER_USER if row.can_act else NO_SUPER_USER_CAN_ACT}"
        return PortalUserView(
            user=row,
            email=user.email,
            phone=phone_shown(user.phone),
            verification_provided=user.verification_provided,
            failed_attempts=user.failed_attempts,
            must_change_password=user.must_change_password,
            created_at=user.created_at,
            organisation=summary(org, users),
            contact_super_users=contacts,
            security_actions=security_action_rows(session, actions, {user.id: user.username}),
            desk_advice=advice,
        )


# --- the security actions' bodies: the directory's and the breach ladder's (§1.4) ----------------


def suspend_portal_user(
    session: Session, actor: Actor, user: PortalUser, reason: str, now: datetime
) -> SecurityAction:
    """Suspend ``user`` (its row locked by the caller, the actor's permission checked by the
    caller: an admin's MANAGE_PORTAL_USERS here, an analyst's HANDLE_INTAKE on a breach
    incident's ladder), record the security action with ``reason`` (already through the text
    rule) and audit it. AlreadyDone, nothing written, when the user is already suspended or
    deleted (naming who did it and when, when a security action records it)."""
    if user.status in (AccountStatus.SUSPENDED, AccountStatus.DELETED):
        last = last_action(
            session, SecurityAction.portal_user_id == user.id, SecurityActionKind.SUSPEND_USER
        )
        state = "suspended" if user.status is AccountStatus.SUSPENDED else "deleted"
        raise _already(session, f"{user.username} is already {state}", last)
    user.status = AccountStatus.SUSPENDED
    action = SecurityAction(
        organisation_id=user.organisation_id,
        portal_user_id=user.id,
        action=SecurityActionKind.SUSPEND_USER,
        reason=reason,
        operator_id=actor.operator_id,
        performed_at=now,
    )
    session.add(action)
    session.flush()
    append(
        session,
        actor,
        "suspend-portal-user",
        "portal_user",
        user.username,
        detail={"organisation": user.organisation.ukprn, "reason": reason},
        now=now,
    )
    return action


def set_portal_permissions(
    session: Session,
    actor: Actor,
    org: Organisation,
    reason: str,
    now: datetime,
    *,
    enabled: bool,
) -> SecurityAction:
    """Disable (or re-enable) ``org``'s portal permissions (its row locked by the caller, the
    permission checked by the caller: re-enabling is only ever an admin's), record the
    security action with ``reason`` and audit it. AlreadyDone, nothing written, when they
    already are."""
    action_name = "enable-organisation" if enabled else "disable-organisation"
    kind = SecurityActionKind.DISABLE_ORGANISATION
    if enabled:
        kind = SecurityActionKind.ENABLE_ORGANISATION
    if org.portal_enabled is enabled:
        last = last_action(session, SecurityAction.organisation_id == org.id, kind)
        state = "enabled" if enabled else "disabled"
        raise _already(session, f"{org.name}'s portal permissions are already {state}", last)
    org.portal_enabled = enabled
    action = SecurityAction(
        organisation_id=org.id,
        action=kind,
        reason=reason,
        operator_id=actor.operator_id,
        performed_at=now,
    )
    session.add(action)
    session.flush()
    append(
        session, actor, action_name, "organisation", org.ukprn, detail={"reason": reason}, now=now
    )
    return action


# --- helpers -----------------------------------------------------------------------------------


def _active_super_users() -> Select[int, int]:
    """Per organisation, its super users who can act (``AccountFacts.can_act``: the role,
    active, not on long-term leave), counted in one grouped query."""
    return (
        select(PortalUser.organisation_id, func.count().label("active"))
        .join(
            PortalUserRole,
            and_(
                PortalUserRole.portal_user_id == PortalUser.id,
                PortalUserRole.role == PortalRole.SUPER_USER,
            ),
        )
        .where(PortalUser.status == AccountStatus.ACTIVE, PortalUser.on_long_term_leave.is_(False))
        .group_by(PortalUser.organisation_id)
    )


def _organisation(session: Session, ukprn: str, *, lock: bool = False) -> Organisation:
    query = select(Organisation).where(Organisation.ukprn == ukprn)
    if lock:
        query = query.with_for_update()
    org = session.execute(query).scalar_one_or_none()
    if org is None:
        raise NotFound(f"no organisation has UKPRN {ukprn}")
    return org


def _portal_user(session: Session, username: str, *, lock: bool = False) -> PortalUser:
    query = select(PortalUser).where(func.lower(PortalUser.username) == username.casefold())
    if lock:
        query = query.with_for_update()
    user = session.execute(query.order_by(PortalUser.id).limit(1)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no portal user has the username {username}")
    return user


def _reason(reason: str) -> str:
    return validate_text(reason, "Reason", REASON_MAX, required=True)


def last_action(
    session: Session, where: ColumnElement[bool], kind: SecurityActionKind
) -> SecurityAction | None:
    """The newest security action of ``kind`` matching ``where``."""
    return session.execute(
        select(SecurityAction)
        .where(where, SecurityAction.action == kind)
        .order_by(SecurityAction.performed_at.desc(), SecurityAction.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _already(session: Session, message: str, last: SecurityAction | None) -> AlreadyDone:
    if last is None:
        return AlreadyDone(f"{message}: nothing was changed")
    by = operator_names(session, {last.operator_id}).get(last.operator_id or 0, "unknown")
    return AlreadyDone(
        f"{message}: by {by} on {desk_time(last.performed_at)} ({last.reason});"
        " nothing was changed",
        by,
        last.performed_at,
        last.id,
    )


def _username_matches(username: str, asked: str) -> bool:
    """The username exactly or by its start, in any case (a query with a space is a name)."""
    name = username.casefold()
    return name == asked or (" " not in asked and name.startswith(asked))


def _names_match(words: list[str], given: str, family: str) -> bool:
    """Every word of the query begins one of the person's names (or one word of them)."""
    parts = {name_key(given), name_key(family)}
    parts |= {name_key(p) for p in re.split(r"[\s\-]+", f"{given} {family}") if p}
    parts.discard("")
    return all(any(p.startswith(w) for p in parts) for w in words)


def _super_user_order(row: PortalUserRow) -> int:
    """Those who can act first, deleted accounts last."""
    if row.can_act:
        return 0
    return 2 if row.status is AccountStatus.DELETED else 1
