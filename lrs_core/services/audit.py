"""The tamper-evident audit trail.

Every look at personal data and every change appends one event. Each event's hash is an
HMAC-SHA-256, keyed with the deployment's ``audit-key`` secret, over its own fields and the
previous event's hash, and a one-row chain head holds the newest sequence and hash; so
editing, deleting or reordering any event, the newest included, breaks the chain and
``verify`` names the first broken event. Someone who can write to the database but does not
hold the key cannot recompute the hashes after a change.

What a key cannot show is a trail cut back at its end, the head set to an earlier event's
(sequence, hash): both are stored in the clear. A :class:`Checkpoint` kept outside the
database (``lrs-desk audit checkpoint``) catches that, and a rewrite by someone who does hold
the key: ``verify(checkpoints=...)`` requires each checkpoint's event, unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.db.database import Database, session_key
from lrs_core.db.models import AuditChainHead, AuditEvent, Operator
from lrs_core.db.types import utcnow
from lrs_core.domain.kinds import AccountStatus, AuditOutcome
from lrs_core.errors import (
    AuthenticationFailed,
    ConfigurationError,
    LrsError,
    PermissionDenied,
    ValidationError,
)
from lrs_core.permissions import PERMISSION_LABELS, Permission

GENESIS = "0" * 64
AUDIT_KEY = "audit-key"  # the application key (lrs_core.secrets) the chain is keyed with
REDACTED = "[redacted]"
_SECRET_WORDS = ("password", "passphrase", "otp", "secret", "answer", "token", "key")


def redact(detail: Any) -> Any:
    """Replace the value of any key that names a secret; an audit event never holds one."""
    if isinstance(detail, Mapping):
        return {
            str(k): REDACTED if any(word in str(k).lower() for word in _SECRET_WORDS) else redact(v)
            for k, v in detail.items()
        }
    if isinstance(detail, list | tuple):
        return [redact(v) for v in detail]
    return detail


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    key: bytes,
    sequence: int,
    occurred_at: datetime,
    actor: str,
    role: str,
    action: str,
    subject_type: str,
    subject_id: str,
    outcome: str,
    detail: str,
    prev_hash: str,
) -> str:
    body = canonical_json(
        [
            sequence,
            occurred_at.isoformat(timespec="microseconds"),
            actor,
            role,
            action,
            subject_type,
            subject_id,
            outcome,
            detail,
            prev_hash,
        ]
    )
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def _hash_of(event: AuditEvent, key: bytes) -> str:
    return event_hash(
        key=key,
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor=event.actor,
        role=event.role,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        outcome=str(event.outcome),
        detail=event.detail,
        prev_hash=event.prev_hash,
    )


def append(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str = "",
    subject_id: str | int = "",
    *,
    outcome: AuditOutcome = AuditOutcome.OK,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Append one event inside the caller's transaction; returns its sequence number.

    The chain's key comes with the transaction (its database's ``audit-key``), so every
    service appends alike; it is read before the head's lock is taken."""
    key = session_key(session, AUDIT_KEY).key
    head = session.execute(select(AuditChainHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, sequence=0, hash=GENESIS)
        session.add(head)
    # UTC with microseconds: what both databases give back, so the hash verifies later.
    occurred_at = (now or utcnow()).astimezone(UTC)
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=occurred_at,
        actor=actor.username,
        role=actor.role_label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        outcome=outcome,
        detail=canonical_json(redact(dict(detail or {}))),
        prev_hash=head.hash,
    )
    event.hash = _hash_of(event, key)
    session.add(event)
    head.sequence, head.hash = event.sequence, event.hash
    session.flush()
    return event.sequence


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    subject_type: str
    subject_id: str
    outcome: str
    detail: dict[str, Any]


_CHECKPOINT = re.compile(
    r"lrs-audit-checkpoint:(\d{1,12}):([0-9a-f]{64}):(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"
)
_CHECKPOINT_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Checkpoint:
    """The chain at one moment, to keep outside the database: the newest event's sequence,
    its keyed hash and when it was written. One line, no spaces (``str()``), so it is easy to
    save, append to a file, paste back, and find again among other text."""

    sequence: int
    hash: str
    occurred_at: datetime

    def __str__(self) -> str:
        when = self.occurred_at.astimezone(UTC).strftime(_CHECKPOINT_TIME)
        return f"lrs-audit-checkpoint:{self.sequence}:{self.hash}:{when}"

    @classmethod
    def find_all(cls, text: str) -> list[Checkpoint]:
        """Every checkpoint in ``text`` (one pasted value, or a file kept over time)."""
        found = []
        for match in _CHECKPOINT.finditer(text):
            try:
                when = datetime.strptime(match[3], _CHECKPOINT_TIME).replace(tzinfo=UTC)
            except ValueError:
                raise ValidationError(
                    "Checkpoint", f"{match[0]!r} holds no real time: copy it again in full"
                ) from None
            found.append(cls(int(match[1]), match[2], when))
        if not found:
            raise ValidationError(
                "Checkpoint",
                "none found: give a line printed by `lrs-desk audit checkpoint`"
                " (lrs-audit-checkpoint:SEQUENCE:HASH:TIME), or a file holding such lines",
            )
        return found


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken: int | None = None  # sequence number of the first broken event
    reason: str = ""
    head: Checkpoint | None = None  # the newest event verified (None: the trail is empty)


def read_entries(
    session: Session,
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    actions: Collection[str] | None = None,
    outcome: AuditOutcome | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest events first, inside the caller's transaction; no permission is checked
    here (see AuditService.entries and AuditService.about)."""
    query = select(AuditEvent).order_by(AuditEvent.sequence.desc()).limit(limit)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(actions))
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    if subject_type is not None:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == str(subject_id))
    return [
        AuditEntry(
            e.sequence,
            e.occurred_at,
            e.actor,
            e.role,
            e.action,
            e.subject_type,
            e.subject_id,
            str(e.outcome),
            json.loads(e.detail),
        )
        for e in session.execute(query).scalars()
    ]


def serialise_writers(session: Session) -> None:
    """Take the audit chain head's row lock now, at the start of the transaction, so a check
    made next (say, "no operator exists yet") still holds when the transaction commits: every
    writer appends to the chain, so every other writer waits. (SQLite's writers already run
    one at a time.)"""
    session.execute(select(AuditChainHead).with_for_update()).scalar_one_or_none()


Clock = Callable[[], datetime]


_AUDITED = "lrs_audited"  # set on an error once its refusal is in the audit trail


class _AccountRefused(AuthenticationFailed):
    """The operator's account is no longer active."""


class _PasswordFirst(PermissionDenied):
    """The operator still holds a one-time password."""


class AuditService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        second_factor_roles: Collection[str] = ("admin",),  # as [accounts] requires at least
    ) -> None:
        self.db = db
        self.clock = clock
        self.second_factor_roles = tuple(second_factor_roles)

    def record(
        self,
        actor: Actor,
        action: str,
        subject_type: str = "",
        subject_id: str | int = "",
        *,
        outcome: AuditOutcome = AuditOutcome.OK,
        detail: Mapping[str, Any] | None = None,
    ) -> int:
        """Append an event in a transaction of its own (for refusals and failures, which
        must be kept even though the action they belong to rolled back)."""
        with self.db.transaction() as session:
            return append(
                session,
                actor,
                action,
                subject_type,
                subject_id,
                outcome=outcome,
                detail=detail,
                now=self.clock(),
            )

    def require(
        self,
        actor: Actor,
        permission: Permission,
        action: str,
        subject_type: str = "",
        subject_id: str | int = "",
    ) -> None:
        """Raise PermissionDenied, and audit the refusal, when the role lacks the permission.

        The operator's role and status are read afresh, so an admin's change (a new role,
        a locked account) applies to a session already open, and a one-time password must
        be changed before anything else is done.
        """
        with self.db.transaction(read_only=True) as session:
            actor, refusal = self._refusal(session, actor, permission)
        if refusal is not None:
            self._refuse(actor, refusal, permission, action, subject_type, subject_id)

    @contextmanager
    def guarded(
        self,
        actor: Actor,
        permission: Permission,
        action: str,
        subject_type: str = "",
        subject_id: str | int = "",
    ) -> Iterator[Session]:
        """One user action's transaction, opened as :meth:`require` would allow it.

        The operator is checked inside the action's own transaction, saving the round
        trips of a transaction of its own on every look at a learner. A refusal is
        audited in a transaction of its own, once the action's has ended; so is an action
        that ends in an error (nothing found, no reason given for a restricted record):
        a look that failed is still a look (issue 9 item 6).
        """
        current = actor
        try:
            with self.db.transaction() as session:
                current, refusal = self._refusal(session, actor, permission)
                if refusal is None:
                    yield session
                    return
        except LrsError as failure:
            self._record_failure(current, failure, action, subject_type, subject_id)
            raise
        self._refuse(current, refusal, permission, action, subject_type, subject_id)

    @contextmanager
    def failures_audited(
        self, actor: Actor, action: str, subject_type: str = "", subject_id: str | int = ""
    ) -> Iterator[None]:
        """Audit, in a transaction of its own, an action that ends in an error inside the
        block (for actions that read in several transactions, as the PLR report does)."""
        try:
            yield
        except LrsError as failure:
            self._record_failure(actor, failure, action, subject_type, subject_id)
            raise

    def _record_failure(
        self,
        actor: Actor,
        failure: LrsError,
        action: str,
        subject_type: str,
        subject_id: str | int,
    ) -> None:
        # An unusable database or key cannot be audited; a refusal already audited is not
        # audited twice. The detail keeps the kind of failure, never its message.
        if isinstance(failure, ConfigurationError) or getattr(failure, _AUDITED, False):
            return
        detail = {"outcome": failure.audit_summary}
        if isinstance(failure, ValidationError):
            detail["field"] = failure.field
        denied = isinstance(failure, PermissionDenied)
        self.record(
            actor,
            action,
            subject_type,
            subject_id,
            outcome=AuditOutcome.DENIED if denied else AuditOutcome.FAILED,
            detail=detail,
        )
        setattr(failure, _AUDITED, True)

    def _refusal(
        self, session: Session, actor: Actor, permission: Permission
    ) -> tuple[Actor, LrsError | None]:
        """The operator as they are now (their current role), and why they may not do
        this: None when they may."""
        if actor.operator_id is None:
            # The system (and an unknown name) holds no permission, whatever role it carries.
            return actor, PermissionDenied(
                "only a signed-in desk operator may do this: "
                f"{PERMISSION_LABELS[permission].lower()}"
            )
        operator = session.get(Operator, actor.operator_id)
        # A lock whose time is up no longer refuses (it lifts at the next sign-in).
        lock_over = operator is not None and (
            operator.status is AccountStatus.LOCKED and not operator.lock_in_force(self.clock())
        )
        if operator is None or (operator.status is not AccountStatus.ACTIVE and not lock_over):
            status = "gone" if operator is None else str(operator.status)
            return actor, _AccountRefused(
                f"your account is {status}: sign in again or ask an LRS Desk admin"
            )
        if operator.must_change_password:
            return actor, _PasswordFirst("choose your own password before anything else")
        if second_factor.must_enrol(
            str(operator.role), operator.totp_secret is not None, self.second_factor_roles
        ):
            return actor, _PasswordFirst(
                "set up your second factor (an authenticator app) before anything else"
            )
        actor = dataclasses.replace(actor, role=operator.role)
        if actor.may(permission):
            return actor, None
        return actor, PermissionDenied(
            f"the {actor.role} role may not do this: {PERMISSION_LABELS[permission].lower()}"
        )

    def _refuse(
        self,
        actor: Actor,
        refusal: LrsError,
        permission: Permission,
        action: str,
        subject_type: str,
        subject_id: str | int,
    ) -> NoReturn:
        if isinstance(refusal, _AccountRefused | _PasswordFirst):
            # The account, not this action, is refused: the session's use is audited.
            self.record(
                actor,
                "use-session",
                "operator",
                actor.operator_id or "",
                outcome=AuditOutcome.DENIED,
                detail={"reason": str(refusal)},
            )
        else:
            self.record(
                actor,
                action,
                subject_type,
                subject_id,
                outcome=AuditOutcome.DENIED,
                detail={"permission": str(permission)},
            )
        setattr(refusal, _AUDITED, True)
        raise refusal

    def verify(
        self, actor: Actor, batch: int = 5000, *, checkpoints: Collection[Checkpoint] = ()
    ) -> Verification:
        """Recompute the keyed chain from the first event; name the first event that breaks
        it. Each of ``checkpoints`` (kept outside the database) must still hold: its event
        there, with its hash, so a trail cut back, or rewritten by someone holding the key,
        is caught behind the newest checkpoint. Only an operator allowed to view the audit
        trail may (a refusal is audited)."""
        self.require(actor, Permission.VIEW_AUDIT, "verify-audit", "audit")
        key = self.db.key(AUDIT_KEY).key
        expected = {c.sequence: c for c in checkpoints}
        checked = 0
        expected_prev = GENESIS
        expected_sequence = 1
        head: Checkpoint | None = None
        with self.db.transaction(read_only=True) as session:
            rows = session.execute(
                select(AuditEvent).order_by(AuditEvent.sequence).execution_options(yield_per=batch)
            ).scalars()
            for event in rows:
                if event.sequence != expected_sequence:
                    return Verification(
                        False,
                        checked,
                        expected_sequence,
                        f"event {expected_sequence} is missing (next found is {event.sequence})",
                    )
                if event.prev_hash != expected_prev:
                    return Verification(
                        False,
                        checked,
                        event.sequence,
                        f"event {event.sequence} does not follow event {event.sequence - 1}",
                    )
                if not hmac.compare_digest(_hash_of(event, key), event.hash):
                    return Verification(
                        False,
                        checked,
                        event.sequence,
                        f"event {event.sequence} was altered after it was written",
                    )
                kept = expected.get(event.sequence)
                if kept is not None and kept.hash != event.hash:
                    return Verification(
                        False,
                        checked,
                        event.sequence,
                        f"event {event.sequence} is not the one checkpointed at"
                        f" {kept.occurred_at:%Y-%m-%d %H:%M:%S} UTC:"
                        " the trail up to it was rewritten",
                    )
                checked += 1
                expected_prev = event.hash
                expected_sequence += 1
                head = Checkpoint(event.sequence, event.hash, event.occurred_at)
                session.expunge(event)
            chain_head = session.get(AuditChainHead, 1)
            head_sequence, head_hash = (
                (chain_head.sequence, chain_head.hash) if chain_head else (0, GENESIS)
            )
        if (head_sequence, head_hash) != (checked, expected_prev):
            return Verification(
                False,
                checked,
                checked + 1 if head_sequence > checked else head_sequence,
                f"the newest events after {checked} were removed "
                f"(the chain head records {head_sequence})",
            )
        beyond = [c for c in checkpoints if c.sequence > checked]
        if beyond:
            lost = min(beyond, key=lambda c: c.sequence)
            return Verification(
                False,
                checked,
                lost.sequence,
                f"event {lost.sequence}, checkpointed at"
                f" {lost.occurred_at:%Y-%m-%d %H:%M:%S} UTC, is gone:"
                f" the trail was cut back to {checked} events",
            )
        return Verification(True, checked, head=head)

    def entries(
        self,
        actor: Actor,
        *,
        subject_type: str | None = None,
        subject_id: str | int | None = None,
        actions: Collection[str] | None = None,
        outcome: AuditOutcome | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The newest events first, optionally about one subject, of some actions only, or
        with one outcome. Only an operator allowed to view the audit trail may (a refusal
        is audited)."""
        self.require(actor, Permission.VIEW_AUDIT, "read-audit", "audit")
        with self.db.transaction(read_only=True) as session:
            return read_entries(
                session,
                subject_type=subject_type,
                subject_id=subject_id,
                actions=actions,
                outcome=outcome,
                limit=limit,
            )

    def about(
        self,
        subject_type: str,
        subject_id: str | int,
        *,
        actions: Collection[str] | None = None,
        outcome: AuditOutcome | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The newest events about one subject, for a service that has already checked its
        actor may see that subject (a learner's profile lists the learner's own changes and
        looks to whoever may view the learner). Front ends read the trail through entries()."""
        with self.db.transaction(read_only=True) as session:
            return read_entries(
                session,
                subject_type=subject_type,
                subject_id=subject_id,
                actions=actions,
                outcome=outcome,
                limit=limit,
            )

    def count(self) -> int:
        with self.db.transaction(read_only=True) as session:
            return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
