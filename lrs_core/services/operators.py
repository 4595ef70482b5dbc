"""Desk operators: sign-in, passwords, lockout, the second factor, and operator management
(admins only).

Sign-in tells a stranger nothing: every failure (unknown name, wrong password, wrong code,
locked, suspended) gives the one message :data:`SIGN_IN_FAILED` after the same work (one
Argon2id check, against a decoy when there is no account). Only the rightful user, after
the right password, hears more: that a code is needed, that the password has expired."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.config import AccountSettings
from lrs_core.db.database import Database
from lrs_core.db.models import Operator
from lrs_core.db.types import utcnow
from lrs_core.domain.kinds import AccountStatus, AuditOutcome
from lrs_core.domain.text import clean_text
from lrs_core.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    SecondFactorRequired,
    ValidationError,
)
from lrs_core.passwords import (
    check_policy,
    check_strength,
    context_words,
    hash_password,
    one_time_password,
    verify_password,
)
from lrs_core.permissions import OperatorRole, Permission
from lrs_core.services.audit import AuditService, Clock, append, serialise_writers

USERNAME = re.compile(r"^[a-z][a-z0-9.\-]{2,63}$")
# The one answer to every failed sign-in, whatever the reason (issue 9 item 7).
SIGN_IN_FAILED = (
    "sign-in refused: the username, password or code is wrong, or the account is locked "
    "for a while; try again, or ask an LRS Desk admin"
)
CODE_NEEDED = "enter the six-digit code from your authenticator app"
CODE_USED = "code used already"  # an audit reason, never shown: the caller sees SIGN_IN_FAILED


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
    second_factor: bool = False  # a TOTP authenticator is set up
    locked_until: datetime | None = None


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in. When ``password_change_reason`` is set, the operator must
    choose a new password before doing anything else."""

    actor: Actor
    password_change_reason: str | None
    previous_sign_in_at: datetime | None
    # The role signs in with a code and the operator has none yet: set it up first.
    must_enrol_second_factor: bool = False


@dataclass(frozen=True)
class Enrolment:
    """A second factor being set up: shown once (QR code and secret), kept nowhere until
    a code from it is confirmed."""

    username: str
    secret: str
    uri: str

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return f"Enrolment(username={self.username!r})"


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
    display = clean_text(display_name, "Display name", 100, collapse=True) or name
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
        self,
        db: Database,
        settings: AccountSettings,
        audit: AuditService,
        clock: Clock = utcnow,
        totp_key: Callable[[], bytes] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.audit = audit
        self.clock = clock
        # Read only when a second factor is used (Services.key("totp-key")).
        self._totp_key = totp_key

    @property
    def totp_key(self) -> bytes:
        if self._totp_key is None:
            raise RuntimeError("OperatorService was built without the totp-key")
        return self._totp_key()

    # -- sign-in -------------------------------------------------------------------------

    def sign_in(
        self,
        username: str,
        password: str,
        code: str | None = None,
        *,
        agreement_follows: bool = False,
    ) -> SignIn:
        """Check the password (and the code, for an account that has one or whose role
        needs one). Every failure counts towards the lockout and gives :data:`SIGN_IN_FAILED`
        after one Argon2id check, whatever the account's state. With the right password and
        no code where one is needed, raises SecondFactorRequired (nothing is counted).

        The operator's last sign-in is when they last got in: at once for a command, but
        with ``agreement_follows`` (the app, which asks for the User Agreement next) only
        when :meth:`record_agreement` hears it accepted, so a declined attempt never shows
        as the "last sign-in" (DOMAIN.md "Accounts and super users")."""
        name = username.strip().lower()
        if not name or not password:
            raise AuthenticationFailed("enter your username and password")
        now = self.clock()
        with self.db.transaction() as session:
            operator = self._by_username(session, name)
            # Exactly one Argon2id check, whatever follows: against a decoy for an unknown
            # name, against the real hash for a locked or suspended account, so how long a
            # refusal takes says nothing about the account.
            password_ok = verify_password(password, operator.password_hash if operator else None)
            if operator is None:
                # What was typed is not kept: it may be a password typed in the wrong box.
                self._refused(session, Actor.unknown(), "", "unknown username", now)
            else:
                self._lift_expired_lock(session, operator, now)
                if operator.lock_in_force(now):
                    self._refused(session, _actor(operator), operator.id, "locked", now)
                elif operator.status is not AccountStatus.ACTIVE:
                    self._refused(session, _actor(operator), operator.id, operator.status, now)
                elif not password_ok:
                    self._count_failure(session, operator, "sign-in", now, "wrong password")
                else:
                    failure = self._check_code(operator, code, now)
                    if failure is None:
                        return self._signed_in(session, operator, now, agreement_follows)
                    if failure == CODE_USED:
                        # The right password and a real code, typed again (two commands within
                        # one step): refused, as a replay must be, but no guess to count.
                        self._refused(session, _actor(operator), operator.id, failure, now)
                    else:
                        self._count_failure(session, operator, "sign-in", now, failure)
        raise AuthenticationFailed(SIGN_IN_FAILED)

    def _check_code(self, operator: Operator, code: str | None, now: datetime) -> str | None:
        """None when the second factor is satisfied (or not needed); else why not. Raises
        SecondFactorRequired when no code was given (the password was right)."""
        enrolled = operator.totp_secret is not None
        roles = self.settings.second_factor_roles
        if not second_factor.code_needed(str(operator.role), enrolled, roles):
            return None
        if not enrolled:
            return None  # must enrol before anything else (SignIn.must_enrol_second_factor)
        if not code:
            raise SecondFactorRequired(CODE_NEEDED)
        assert operator.totp_secret is not None
        secret = second_factor.unseal(self.totp_key, operator.totp_secret, operator.id)
        step = second_factor.matching_step(secret, code, now, operator.totp_last_step)
        if step is None:
            if second_factor.matching_step(secret, code, now, None) is not None:
                return CODE_USED
            return "wrong code"
        operator.totp_last_step = step  # this code (and any earlier one) never works again
        return None

    def _signed_in(
        self, session: Session, operator: Operator, now: datetime, agreement_follows: bool
    ) -> SignIn:
        previous = operator.last_sign_in_at
        operator.failed_attempts = 0
        if not agreement_follows:
            operator.last_sign_in_at = now
        reason = self._password_change_reason(operator, now)
        enrol = second_factor.must_enrol(
            str(operator.role), operator.totp_secret is not None, self.settings.second_factor_roles
        )
        append(
            session,
            _actor(operator),
            "sign-in",
            "operator",
            operator.id,
            detail={
                "password_change_required": reason is not None,
                "second_factor": "to set up"
                if enrol
                else ("checked" if operator.totp_secret is not None else "not needed"),
            },
            now=now,
        )
        return SignIn(_actor(operator), reason, previous, enrol)

    @staticmethod
    def _refused(
        session: Session, actor: Actor, subject: int | str, reason: str, now: datetime
    ) -> None:
        append(
            session,
            actor,
            "sign-in",
            "operator",
            subject,
            outcome=AuditOutcome.FAILED,
            detail={"reason": str(reason)},
            now=now,
        )

    def _lift_expired_lock(self, session: Session, operator: Operator, now: datetime) -> None:
        """A lock set after repeated failures lifts by itself once its time is up."""
        if operator.status is AccountStatus.LOCKED and not operator.lock_in_force(now):
            operator.status = AccountStatus.ACTIVE
            operator.failed_attempts = 0
            operator.locked_until = None
            append(
                session,
                _actor(operator),
                "lock-lifted",
                "operator",
                operator.id,
                detail={"status": {"before": "locked", "after": "active"}, "by": "time"},
                now=now,
            )

    def record_agreement(self, actor: Actor, accepted: bool) -> None:
        """The User Agreement is accepted (or declined) at every sign-in (DOMAIN.md).
        Accepting it is getting in: it becomes the operator's last sign-in."""
        now = self.clock()
        with self.db.transaction() as session:
            if accepted and actor.operator_id:
                operator = self._get(session, actor)
                operator.last_sign_in_at = now
            append(
                session,
                actor,
                "accept-agreement" if accepted else "decline-agreement",
                "operator",
                actor.operator_id or actor.username,
                now=now,
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
            self._lift_expired_lock(session, operator, now)
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
        check_strength(new, context_words(actor.username, actor.display_name))
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

    # -- the second factor (TOTP) ---------------------------------------------------------

    def start_enrolment(self, actor: Actor) -> Enrolment:
        """A new secret for the signed-in operator's authenticator app, to show once (QR
        code and text). Nothing is stored until :meth:`confirm_enrolment` sees a code."""
        secret = second_factor.new_secret()
        uri = second_factor.provisioning_uri(secret, actor.username)
        return Enrolment(actor.username, secret, uri)

    def confirm_enrolment(self, actor: Actor, secret: str, code: str) -> None:
        """Keep the secret (sealed under the totp-key) once a code from it is right. The
        confirming code is used up: it cannot sign in afterwards."""
        secret = second_factor.check_secret(secret)
        if second_factor.normalise_code(code) is None:
            raise ValidationError("Code", "must be the six digits your authenticator app shows")
        now = self.clock()
        key = self.totp_key  # before the write: the embedded database may make the key now
        with self.db.transaction() as session:
            operator = self._get(session, actor)
            if operator.status is not AccountStatus.ACTIVE:
                raise AuthenticationFailed(self._inactive_message(operator))
            if operator.totp_secret is not None:
                raise ValidationError(
                    "Second factor", "is already set up: an LRS Desk admin can reset it"
                )
            step = second_factor.matching_step(secret, code, now, None)
            if step is None:
                raise ValidationError(
                    "Code",
                    "does not match: check that the phone's clock is right and type the code "
                    "the app shows now",
                )
            operator.totp_secret = second_factor.seal(key, secret, operator.id)
            operator.totp_last_step = step
            operator.totp_enrolled_at = now
            append(session, actor, "enrol-second-factor", "operator", operator.id, now=now)

    def reset_second_factor(self, actor: Actor, username: str) -> OperatorInfo:
        """Recovery (a lost phone): an admin removes another operator's second factor; they
        set up a new one at their next sign-in. Audited."""
        username = validate_username(username)  # what the audit keeps is checked first
        self.audit.require(
            actor, Permission.MANAGE_OPERATORS, "reset-second-factor", "operator", username
        )
        with self.db.transaction() as session:
            operator = self._require_username(session, username)
            if actor.operator_id is not None and operator.id == actor.operator_id:
                raise ValidationError(
                    "Username", "you cannot reset your own second factor: ask another admin"
                )
            had = operator.totp_secret is not None
            operator.totp_secret = None
            operator.totp_last_step = None
            operator.totp_enrolled_at = None
            append(
                session,
                actor,
                "reset-second-factor",
                "operator",
                operator.id,
                detail={"username": operator.username, "was_set_up": had},
                now=self.clock(),
            )
            return self._info(operator)

    def password_change_reason(self, actor: Actor) -> str | None:
        with self.db.transaction(read_only=True) as session:
            return self._password_change_reason(self._get(session, actor, lock=False), self.clock())

    # -- management (admins) -----------------------------------------------------------

    def add(
        self, actor: Actor, username: str, role: OperatorRole | str, display_name: str = ""
    ) -> NewOperator:
        """Create an operator with a one-time password that must be changed at first sign-in."""
        username = validate_username(username)  # what the audit keeps is checked first
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
        username = validate_username(username)  # what the audit keeps is checked first
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
            operator.locked_until = None
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
        username = validate_username(username)  # what the audit keeps is checked first
        self.audit.require(
            actor, Permission.MANAGE_OPERATORS, "unlock-operator", "operator", username
        )
        with self.db.transaction() as session:
            operator = self._require_username(session, username)
            if operator.status is not AccountStatus.LOCKED:
                raise ValidationError("Username", f"{operator.username} is not locked")
            operator.status = AccountStatus.ACTIVE
            operator.failed_attempts = 0
            operator.locked_until = None
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
        self,
        session: Session,
        operator: Operator,
        action: str,
        now: datetime,
        reason: str = "wrong password",
    ) -> str:
        """Count a wrong password or code; at the threshold, lock the account for
        ``lockout_minutes``. Returns what the signed-in operator is told (sign-in itself
        always answers SIGN_IN_FAILED)."""
        operator.failed_attempts += 1
        threshold = self.settings.lockout_threshold
        locked = operator.failed_attempts >= threshold
        if locked:
            operator.status = AccountStatus.LOCKED
            operator.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
        append(
            session,
            _actor(operator),
            action,
            "operator",
            operator.id,
            outcome=AuditOutcome.FAILED,
            detail={
                "reason": reason,
                "failed_attempts": operator.failed_attempts,
                "locked": locked,
            },
            now=now,
        )
        if locked:
            return (
                f"the account is now locked for {self._lock_duration()} after {threshold} "
                "wrong passwords: an LRS Desk admin can unlock it sooner"
            )
        left = threshold - operator.failed_attempts
        wrong = {"change-password": "the current password is wrong"}
        return (
            f"{wrong.get(action, 'wrong password')} ({left} {'try' if left == 1 else 'tries'} left)"
        )

    def _lock_duration(self) -> str:
        minutes = self.settings.lockout_minutes
        return f"{minutes:g} minute{'' if minutes == 1 else 's'}"

    def _password_change_reason(self, operator: Operator, now: datetime) -> str | None:
        if operator.must_change_password:
            return "you signed in with a one-time password: choose your own password"
        if now >= self._expires_at(operator):
            days = self.settings.password_expiry_days
            return f"your password is more than {days} days old: choose a new one"
        return None

    def _expires_at(self, operator: Operator) -> datetime:
        return operator.password_changed_at + timedelta(days=self.settings.password_expiry_days)

    def _inactive_message(self, operator: Operator) -> str:
        if operator.status is AccountStatus.LOCKED:
            return (
                "this account is locked after too many wrong passwords: it unlocks by itself "
                "after a while, or an LRS Desk admin can unlock it"
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
            second_factor=operator.totp_secret is not None,
            locked_until=operator.locked_until,
        )


def _actor(operator: Operator) -> Actor:
    return Actor(operator.username, operator.role, operator.display_name, operator.id)
