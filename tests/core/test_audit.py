"""The tamper-evident audit trail: DOMAIN.md "Security and the encrypted intake" (learners
may see who accessed their record) and the mission's audit of every look at personal data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from factories import audit_log, desk_admin
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.db.models import AuditChainHead, AuditEvent
from lrs_core.domain.kinds import AuditOutcome
from lrs_core.errors import ValidationError
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.audit import (
    AUDIT_KEY,
    GENESIS,
    REDACTED,
    Checkpoint,
    append,
    canonical_json,
    event_hash,
)

AGENT = Actor("kim.lee", OperatorRole.AGENT, "Kim Lee", 7)


def record_three(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    for n, uln in enumerate(("1000000043", "9276308686", "1174112637")):
        clock.now += timedelta(seconds=n + 1)
        services.audit.record(AGENT, "view-learner", "learner", uln, detail={"fields": ["name"]})


def test_an_untouched_chain_verifies(admin: Actor, services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    assert services.audit.verify(admin).ok
    record_three(services, clock)
    result = services.audit.verify(admin)
    assert result.ok and result.checked == 3


def test_editing_an_event_is_detected_and_named(admin: Actor, services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    with services.db.transaction() as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.sequence == 2).values(actor="someone.else")
        )
    result = services.audit.verify(admin)
    assert not result.ok
    assert result.first_broken == 2
    assert "altered" in result.reason


def _fields(event: AuditEvent, prev_hash: str) -> dict[str, object]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "outcome": str(event.outcome),
        "detail": event.detail,
        "prev_hash": prev_hash,
    }


Hasher = Callable[[AuditEvent, str], str]


def keyed(services: Services) -> Hasher:
    """How LRS Desk hashes: what a tamperer holding the audit key could do."""
    key = services.key(AUDIT_KEY).key
    return lambda event, prev: event_hash(key=key, **_fields(event, prev))  # type: ignore[arg-type]


def unkeyed(event: AuditEvent, prev: str) -> str:
    """The old plain SHA-256 over the same fields: what anyone with write access could do."""
    fields = _fields(event, prev)
    fields["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    return hashlib.sha256(canonical_json(list(fields.values())).encode()).hexdigest()


def rechain(session: Session, hasher: Hasher) -> None:
    """Recompute every link, every hash and the head, as a careful tamperer would."""
    prev = GENESIS
    events = session.execute(select(AuditEvent).order_by(AuditEvent.sequence)).scalars().all()
    for event in events:
        event.prev_hash, event.hash = prev, hasher(event, prev)
        prev = event.hash
    head = session.get(AuditChainHead, 1)
    assert head is not None
    head.sequence, head.hash = (events[-1].sequence if events else 0), prev


def test_rewriting_an_event_and_its_hash_honestly_is_caught_by_the_next_link(
    services: Services,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    # Issue 14 item 2: event 2 is rewritten and its own hash recomputed with the key, so it
    # verifies on its own; only event 3's link to it can tell, and event 3 is named.
    record_three(services, clock)
    with services.db.transaction() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.sequence == 2)).scalar_one()
        event.subject_id = "1000000051"
        event.hash = keyed(services)(event, event.prev_hash)
    result = services.audit.verify(desk_admin(services))
    assert (result.ok, result.first_broken, result.checked) == (False, 3, 2)
    assert result.reason == "event 3 does not follow event 2"


@pytest.mark.parametrize("change", ["edit", "delete", "insert", "everything"])
def test_a_rewrite_with_recomputed_unkeyed_hashes_is_detected(
    services: Services,
    clock,  # type: ignore[no-untyped-def]
    change: str,
) -> None:
    # Issue 9 item 5: without the key, recomputing every hash and the head no longer helps.
    record_three(services, clock)
    with services.db.transaction() as session:
        if change == "edit":
            session.execute(
                update(AuditEvent).where(AuditEvent.sequence == 2).values(actor="someone.else")
            )
        elif change == "delete":
            session.execute(delete(AuditEvent).where(AuditEvent.sequence == 2))
            session.execute(update(AuditEvent).where(AuditEvent.sequence == 3).values(sequence=2))
        elif change == "insert":  # a forged look, placed among the real ones
            second = session.execute(
                select(AuditEvent).where(AuditEvent.sequence == 2)
            ).scalar_one()
            session.execute(
                update(AuditEvent)
                .where(AuditEvent.sequence > 1)
                .values(sequence=AuditEvent.sequence + 10)
            )
            session.execute(
                update(AuditEvent)
                .where(AuditEvent.sequence > 10)
                .values(sequence=AuditEvent.sequence - 9)
            )
            forged = {**_fields(second, GENESIS), "sequence": 2, "subject_id": "5000000012"}
            session.add(AuditEvent(**forged, hash=""))
        else:  # keep one forged event in place of the whole trail
            session.execute(delete(AuditEvent).where(AuditEvent.sequence > 1))
        session.flush()
        rechain(session, unkeyed)
    result = services.audit.verify(desk_admin(services))
    assert not result.ok and result.first_broken == 1
    assert result.reason == "event 1 was altered after it was written"


def test_a_key_other_than_the_deployments_does_not_verify(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    other = b"k" * 32
    with services.db.transaction() as session:
        rechain(session, lambda e, prev: event_hash(key=other, **_fields(e, prev)))  # type: ignore[arg-type]
    assert services.audit.verify(desk_admin(services)).first_broken == 1


def test_truncation_with_the_head_fixed_is_caught_by_a_checkpoint(
    services: Services, clock
) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    checkpoint = services.audit.verify(desk_admin(services)).head
    assert checkpoint is not None and checkpoint.sequence == 3
    with services.db.transaction() as session:  # cut back to event 1, the head set to it
        first = session.execute(select(AuditEvent).where(AuditEvent.sequence == 1)).scalar_one()
        session.execute(delete(AuditEvent).where(AuditEvent.sequence > 1))
        head = session.get(AuditChainHead, 1)
        assert head is not None
        head.sequence, head.hash = 1, first.hash
    # No key is needed to do this, and without a checkpoint nothing shows it (the limit
    # a checkpoint kept outside the database is for).
    assert services.audit.verify(desk_admin(services)).ok
    result = services.audit.verify(desk_admin(services), checkpoints=[checkpoint])
    assert (result.ok, result.first_broken) == (False, 3)
    assert "event 3, checkpointed at 2026-11-23 10:00:06 UTC, is gone" in result.reason
    assert "cut back to 1 events" in result.reason


def test_deleting_everything_is_caught_by_a_checkpoint(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    checkpoint = services.audit.verify(desk_admin(services)).head
    assert checkpoint is not None
    with services.db.transaction() as session:
        session.execute(delete(AuditEvent))
        head = session.get(AuditChainHead, 1)
        assert head is not None
        head.sequence, head.hash = 0, GENESIS
    assert services.audit.verify(desk_admin(services)).ok
    result = services.audit.verify(desk_admin(services), checkpoints=[checkpoint])
    assert (result.ok, result.first_broken) == (False, 3)


def test_a_rewrite_behind_a_checkpoint_is_detected_even_with_the_key(
    services: Services,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    record_three(services, clock)
    checkpoint = services.audit.verify(desk_admin(services)).head
    assert checkpoint is not None
    clock.now += timedelta(minutes=5)
    services.audit.record(AGENT, "view-learner", "learner", "1000000043")  # after it: fine
    assert services.audit.verify(desk_admin(services), checkpoints=[checkpoint]).ok
    with services.db.transaction() as session:  # someone holding the key edits event 2
        session.execute(update(AuditEvent).where(AuditEvent.sequence == 2).values(actor="x"))
        session.flush()
        rechain(session, keyed(services))
    assert services.audit.verify(desk_admin(services)).ok  # the chain alone cannot tell
    result = services.audit.verify(desk_admin(services), checkpoints=[checkpoint])
    assert (result.ok, result.first_broken) == (False, 3)
    assert result.reason == (
        "event 3 is not the one checkpointed at 2026-11-23 10:00:06 UTC:"
        " the trail up to it was rewritten"
    )


def test_a_checkpoint_is_one_line_found_again_in_any_text(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    checkpoint = services.audit.verify(desk_admin(services)).head
    assert checkpoint is not None
    text = str(checkpoint)
    assert text == f"lrs-audit-checkpoint:3:{checkpoint.hash}:2026-11-23T10:00:06Z"
    assert " " not in text
    kept = f"# kept by the DPO\n2026-11-23 {text}\n\n{text.replace(':3:', ':2:')}\n"
    found = Checkpoint.find_all(kept)
    assert found[0] == checkpoint and [c.sequence for c in found] == [3, 2]
    # A checkpoint's hash was made with the key; the key is not in it.
    assert services.key(AUDIT_KEY).key.hex() not in text


@pytest.mark.parametrize(
    "text",
    ["", "lrs-audit-checkpoint:3:abc:2026-11-23T10:00:06Z", "3 " + "a" * 64],
)
def test_text_without_a_checkpoint_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValidationError, match=r"^Checkpoint: none found"):
        Checkpoint.find_all(text)
    with pytest.raises(ValidationError, match=r"^Checkpoint: .* no real time"):
        Checkpoint.find_all(f"lrs-audit-checkpoint:3:{'a' * 64}:2026-13-40T10:00:06Z")


def test_deleting_a_middle_event_is_detected(admin: Actor, services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    with services.db.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.sequence == 2))
    result = services.audit.verify(admin)
    assert not result.ok and result.first_broken == 2
    assert "missing" in result.reason


def test_deleting_the_newest_event_is_detected(admin: Actor, services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    with services.db.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.sequence == 3))
    result = services.audit.verify(admin)
    assert not result.ok and result.first_broken == 3


def test_rewinding_the_head_with_the_deletion_is_still_caught_by_hashes(
    admin: Actor,
    services: Services,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    record_three(services, clock)
    with services.db.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.sequence == 3))
        head = session.get(AuditChainHead, 1)
        assert head is not None
        head.sequence = 2  # a careful tamperer fixes the count but cannot forge the hash
    assert not services.audit.verify(admin).ok


def test_secrets_are_redacted_from_details(services: Services) -> None:
    services.audit.record(
        AGENT,
        "reset-password",
        "portal-user",
        "12",
        detail={"password": "Hunter-22!", "otp": "abcd", "nested": {"secret_answer": "Rex"}},
    )
    entry = audit_log(services, limit=1)[0]
    assert entry.detail["password"] == REDACTED
    assert entry.detail["otp"] == REDACTED
    assert entry.detail["nested"]["secret_answer"] == REDACTED
    assert "Hunter-22!" not in str(entry)


def test_audit_written_with_a_failed_action_rolls_back_with_it(
    admin: Actor, services: Services
) -> None:
    # One transaction per user action: an action that fails leaves no trace of itself.
    with pytest.raises(RuntimeError), services.db.transaction() as session:
        append(session, AGENT, "edit-learner", "learner", "1000000043")
        raise RuntimeError("the edit failed")
    assert services.audit.count() == 0
    assert services.audit.verify(admin).ok


def test_entries_filter_by_subject_newest_first(services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    services.audit.record(
        AGENT, "view-learner", "learner", "9276308686", outcome=AuditOutcome.DENIED
    )
    about = audit_log(services, subject_type="learner", subject_id="9276308686")
    assert [e.sequence for e in about] == [4, 2]
    assert about[0].outcome == "denied"
    assert about[1].role == "agent"


def test_a_clock_in_another_zone_still_verifies(admin: Actor, services: Services, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timezone

    clock.now = clock.now.astimezone(timezone(timedelta(hours=1)))
    record_three(services, clock)
    assert services.audit.verify(admin).ok
    assert audit_log(services, limit=1)[0].occurred_at.utcoffset() == timedelta(0)
