"""Desk operators: sign-in, passwords, lockout, and operator management (admins only)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import AccountSettings
from lrs_core.db.database import Database
from lrs_core.db.models import Operator
from lrs_core.db.types import utcnow
from lrs_core.domain.kinds import AccountStatus, AuditOutcome
from lrs_core.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationError
from lrs_core.passwords import check_policy, hash_password, one_time_password, verify_password
from lrs_core.permissions import OperatorRole, Permission
from lrs_core.services.audit import AuditService, Clock, append, serialise_writers


@functools.cache
def _timing_decoy() -> str:
    """Checked against for unknown usernames, so they take as long to refuse as known ones."""
    return hash_password("no operator has this password")


USERNAME = re.compile(r"^[a-z][a-z0-9.\-]{2,63}$")
WRONG_CREDENTIALS = "wrong username or password"


@dataclass(frozen=True)
class OperatorInfo:
    id: int
    username: str
    display_name: str
    role: OperatorRole
    status: AccountStatus
    must_change_password: bool
    password_expires_at: datetime
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in. When ``password_change_reason`` is set, the operator must
    choose a new password before doing anything else."""

    actor: Actor
    password_change_reason: str | None
    previous_sign_in_at: datetime | None


@dataclass(frozen=True)
class NewOperator:
    operator: OperatorInfo
    one_time_password: str  # shown once to whoever created the account; never stored

    def __repr__(self) -> str:
        return f"NewOperator(operator={self.operator!r})"


def _new_operator(
    username: str, role: OperatorRole | str, display_name: str
) -> tuple[str, OperatorRole, str]:
    """A new operator's username, role and display name, checked."""
    name = validate_username(username)
    try:
        role = OperatorRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in OperatorRole)
        raise ValidationError("Role", f"must be one of {choices}") from None
    display = " ".join(display_name.split()) or name
    if len(display) > 100:
        raise ValidationError("Display name", "must be at most 100 characters")
    return name, role, display


def validate_username(username: str) -> str:
    value = username.strip().lower()
    if not USERNAME.match(value):
        raise ValidationError(
            "Username",
            "must be 3 to 64 characters: lower-case letters, digits, dots and hyphens, "
            "starting with a letter",
        )
    return value


class OperatorService:
    def __init__(
        self, db: Database, settings: AccountSettings, audit: AuditService, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.settings = settings
        self.audit = audit
        self.clock = clock

    # -- sign-in -------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> SignIn:
        """Check the password; count failures and lock the account at the threshold."""
        name = username.strip().lower()
        if not name or not password:
            raise AuthenticationFailed("enter your username and password")
        now = self.clock()
        failure: str | None = None
        with self.db.transaction() as session:
            operator = self._by_username(session, name)
            if operator is None:
                failure = WRONG_CREDENTIALS
                verify_password(password, _timing_decoy())  # as slow as a real check
                # What was typed is not kept: it may be a password typed in the wrong box.
                append(
                    session,
                    Actor.unknown(),
                    "sign-in",
                    "operator",
                    "",
                    outcome=AuditOutcome.FAILED,
                    detail={"reason": "unknown username"},
                    now=now,
                )
            elif operator.status is not AccountStatus.ACTIVE:
                failure = self._inactive_message(operator)
                append(
                    session,
                    _actor(operator),
                    "sign-in",
                    "operator",
                    operator.id,
                    outcome=AuditOutcome.FAILED,
                    detail={"reason": str(operator.status)},
                    now=now,
                )
            elif not verify_password(password, operator.password_hash):
                failure = self._count_failure(session, operator, "sign-in", now)
            else:
                previous = operator.last_sign_in_at
                operator.failed_attempts = 0
                operator.last_sign_in_at = now
                reason = self._password_change_reason(operator, now)
                append(
                    session,
                    _actor(operator),
                    "sign-in",
                    "operator",
                    operator.id,
                    detail={"password_change_required": reason is not None},
                    now=now,
                )
                return SignIn(_actor(operator), reason, previous)
        raise AuthenticationFailed(failure)

    def record_agreement(self, actor: Actor, accepted: bool) -> None:
        """The User Agreement is accepted (or declined) at every sign-in (DOMAIN.md)."""
        self.audit.record(
            actor,
            "accept-agreement" if accepted else "decline-agreement",
            "operator",
            actor.operator_id or actor.username,
        )

    def sign_out(self, actor: Actor, reason: str = "signed out") -> None:
        self.audit.record(
            actor,
            "sign-out",
            "operator",
            actor.operator_id or actor.username,
            detail={"reason": reason},
        )

    def confirm_password(self, actor: Actor, password: str) -> None:
        """Unlock an idle-locked session. Failures count towards the lockout as at sign-in."""
        now = self.clock()
        with self.db.transaction() as session:
            operator = self._get(session, actor)
            if operator.status is not AccountStatus.ACTIVE:
                failure = self._inactive_message(operator)
            elif verify_password(password, operator.password_hash):
                operator.failed_attempts = 0
                append(session, actor, "unlock-session", "operator", operator.id, now=now)
                return
            else:
                failure = self._count_failure(session, operator, "unlock-session", now)
        raise AuthenticationFailed(failure)

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        """The operator's own change: after a one-time password, on expiry, or at will."""
        check_policy(new)
        if new == current:
            raise ValidationError("New password", "must differ from the current password")
        now = self.clock()
        with self.db.transaction() as session:
            operator = self._get(session, actor)
            if not verify_password(current, operator.password_hash):
                failure = self._count_failure(session, operator, "change-password", now)
            else:
                operator.password_hash = hash_password(new)
                operator.password_changed_at = now
                operator.must_change_password = False
                operator.failed_attempts = 0
                append(session, actor, "change-password", "operator", operator.id, now=now)
                return
        raise AuthenticationFailed(failure)

    def password_change_reason(self, actor: Actor) -> str | None:
        with self.db.transaction(read_only=True) as session:
            return self._password_change_reason(self._get(session, actor, lock=False), self.clock())

    # -- management (admins) -----------------------------------------------------------

    def add(
        self, actor: Actor, username: str, role: OperatorRole | str, display_name: str = ""
    ) -> NewOperator:
        """Create an operator with a one-time password that must be changed at first sign-in."""
        self.audit.require(actor, Permission.MANAGE_OPERATORS, "add-operator", "operator", username)
        name, role, display = _new_operator(username, role, display_name)
        otp = one_time_password()
        password_hash = hash_password(otp)  # before the transaction: Argon2id takes a while
        with self.db.transaction() as session:
            if self._by_username(session, name) is not None:
                raise ValidationError("Username", f"{name!r} is already taken")
            operator = self._create(
                session, actor, "add-operator", name, role, display, password_hash
            )
            return NewOperator(self._info(operator), otp)

    def bootstrap_admin(self, username: str, display_name: str = "") -> NewOperator:
        """The first admin of a database that has no desk operator at all: the one account
        made with no one signed in (`lrs-desk operator add NAME --role admin` on a new
        database), audited as "bootstrap-admin" by the system. Once any operator exists it is
        refused, and the refusal audited: operators are then added by a signed-in admin."""
        name, role, display = _new_operator(username, OperatorRole.ADMIN, display_name)
        system = Actor.system("bootstrap")
        otp = one_time_password()
        password_hash = hash_password(otp)
        with self.db.transaction() as session:
            # Held to the commit, so two bootstraps at once cannot both find no operator.
            serialise_writers(session)
            if session.execute(select(Operator.id).limit(1)).first() is None:
                operator = self._create(
                    session, system, "bootstrap-admin", name, role, display, password_hash
                )
                return NewOperator(self._info(operator), otp)
        self.audit.record(
            system,
            "bootstrap-admin",
            "operator",
            name,
            outcome=AuditOutcome.DENIED,
            detail={"reason": "operators exist"},
        )
        raise PermissionDenied(
            "this database has desk operators already: an admin adds operators, "
            "signed in (with the CLI: --operator NAME)"
        )

    def _create(
        self,
        session: Session,
        actor: Actor,
        action: str,
        name: str,
        role: OperatorRole,
        display: str,
        password_hash: str,
    ) -> Operator:
        now = self.clock()
        operator = Operator(
            username=name,
            display_name=display,
            role=role,
            status=AccountStatus.ACTIVE,
            password_hash=password_hash,
            must_change_password=True,
            password_changed_at=now,
            failed_attempts=0,
            created_at=now,
            created_by=actor.username,
        )
        session.add(operator)
        session.flush()
        append(
            session,
            actor,
            action,
            "operator",
            operator.id,
            detail={"username": name, "role": str(role)},
            now=now,
        )
        return operator

    def reset_password(self, actor: Actor, username: str) -> str:
        """A new one-time password, shown once; also reactivates a locked account."""
        self.audit.require(
            actor, Permission.MANAGE_OPERATORS, "reset-password", "operator", username
        )
        otp = one_time_password()
        now = self.clock()
        with self.db.transaction() as session:
            operator = self._require_username(session, username)
            operator.password_hash = hash_password(otp)
            operator.must_change_password = True
            operator.password_changed_at = now
            operator.failed_attempts = 0
            before = str(operator.status)
            if operator.status is AccountStatus.LOCKED:
                operator.status = AccountStatus.ACTIVE
            append(
                session,
                actor,
                "reset-password",
                "operator",
                operator.id,
                detail={"status": {"before": before, "after": str(operator.status)}},
                now=now,
            )
        return otp

    def unlock(self, actor: Actor, username: str) -> OperatorInfo:
        self.audit.require(
            actor, Permission.MANAGE_OPERATORS, "unlock-operator", "operator", username
        )
        with self.db.transaction() as session:
            operator = self._require_username(session, username)
            if operator.status is not AccountStatus.LOCKED:
                raise ValidationError("Username", f"{operator.username} is not locked")
            operator.status = AccountStatus.ACTIVE
            operator.failed_attempts = 0
            append(
                session,
                actor,
                "unlock-operator",
                "operator",
                operator.id,
                detail={"status": {"before": "locked", "after": "active"}},
                now=self.clock(),
            )
            return self._info(operator)

    def list(self, actor: Actor) -> list[OperatorInfo]:
        self.audit.require(actor, Permission.MANAGE_OPERATORS, "list-operators")
        with self.db.transaction() as session:
            rows = session.execute(select(Operator).order_by(Operator.username)).scalars()
            return [self._info(o) for o in rows]

    def get(self, actor: Actor) -> OperatorInfo:
        """The signed-in operator's own account."""
        with self.db.transaction(read_only=True) as session:
            return self._info(self._get(session, actor, lock=False))

    # -- helpers -------------------------------------------------------------------------

    def _count_failure(
        self, session: Session, operator: Operator, action: str, now: datetime
    ) -> str:
        operator.failed_attempts += 1
        threshold = self.settings.lockout_threshold
        locked = operator.failed_attempts >= threshold
        if locked:
            operator.status = AccountStatus.LOCKED
        append(
            session,
            _actor(operator),
            action,
            "operator",
            operator.id,
            outcome=AuditOutcome.FAILED,
            detail={
                "reason": "wrong password",
                "failed_attempts": operator.failed_attempts,
                "locked": locked,
            },
            now=now,
        )
        if locked:
            return (
                f"the account is now locked after {threshold} wrong passwords: "
                "ask an LRS Desk admin to unlock it"
            )
        left = threshold - operator.failed_attempts
        wrong = {"sign-in": WRONG_CREDENTIALS, "change-password": "the current password is wrong"}
        return (
            f"{wrong.get(action, 'wrong password')} ({left} {'try' if left == 1 else 'tries'} left)"
        )

    def _password_change_reason(self, operator: Operator, now: datetime) -> str | None:
        if operator.must_change_password:
            return "you signed in with a one-time password: choose your own password"
        if now >= self._expires_at(operator):
            days = self.settings.password_expiry_days
            return f"your password is more than {days} days old: choose a new one"
        return None

    def _expires_at(self, operator: Operator) -> datetime:
        return operator.password_changed_at + timedelta(days=self.settings.password_expiry_days)

    @staticmethod
    def _inactive_message(operator: Operator) -> str:
        if operator.status is AccountStatus.LOCKED:
            return (
                "this account is locked after too many wrong passwords: ask an admin to unlock it"
            )
        return f"this account is {operator.status}: ask an LRS Desk admin"

    @staticmethod
    def _by_username(session: Session, username: str) -> Operator | None:
        # Locked for the transaction: concurrent wrong passwords must count one by one.
        return session.execute(
            select(Operator).where(Operator.username == username).with_for_update()
        ).scalar_one_or_none()

    def _require_username(self, session: Session, username: str) -> Operator:
        operator = self._by_username(session, username.strip().lower())
        if operator is None:
            raise NotFound(f"no desk operator is called {username!r}")
        return operator

    @staticmethod
    def _get(session: Session, actor: Actor, *, lock: bool = True) -> Operator:
        operator = (
            session.get(Operator, actor.operator_id, with_for_update=lock)
            if actor.operator_id
            else None
        )
        if operator is None:
            raise NotFound(f"no desk operator is called {actor.username!r}")
        return operator

    def _info(self, operator: Operator) -> OperatorInfo:
        return OperatorInfo(
            id=operator.id,
            username=operator.username,
            display_name=operator.display_name,
            role=operator.role,
            status=operator.status,
            must_change_password=operator.must_change_password,
            password_expires_at=self._expires_at(operator),
            last_sign_in_at=operator.last_sign_in_at,
        )


def _actor(operator: Operator) -> Actor:
    return Actor(operator.username, operator.role, operator.display_name, operator.id)
