"""The tamper-evident audit trail: DOMAIN.md "Security and the encrypted intake" (learners
may see who accessed their record) and the mission's audit of every look at personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import audit_log
from sqlalchemy import delete, select, update

from lrs_core.actor import Actor
from lrs_core.db.models import AuditChainHead, AuditEvent
from lrs_core.domain.kinds import AuditOutcome
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.audit import REDACTED, append

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


def test_rewriting_an_event_and_its_hash_breaks_the_next_link(
    admin: Actor, services: Services, clock
) -> None:  # type: ignore[no-untyped-def]
    record_three(services, clock)
    with services.db.transaction() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.sequence == 1)).scalar_one()
        event.hash = "f" * 64
    result = services.audit.verify(admin)
    assert not result.ok and result.first_broken in (1, 2)


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
