"""The closed sets of codes LRS Desk records (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"
    TRAINING_PROVIDER = "training-provider"
    HIGHER_EDUCATION = "higher-education"
    PRISON_EDUCATION = "prison-education"
    ARMED_FORCES = "armed-forces"
    CAREERS_SERVICE = "careers-service"
    AWARDING_ORGANISATION = "awarding-organisation"


class PortalRole(StrEnum):
    """Organisation Portal roles (User Guide Appendix A)."""

    SUPER_USER = "super-user"
    BATCH_USER = "batch-user"
    ONLINE_USER = "online-user"
    VIEW_ONLY_USER = "view-only-user"
    LEARNER_RECORD = "learner-record"
    VLD_LEARNING_PROVIDER = "vld-learning-provider"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # portal: after repeated wrong passwords (§3.5.6)
    LOCKED = "locked"  # desk operator: after repeated wrong passwords
    DISABLED = "disabled"
    DELETED = "deleted"  # leavers are deleted, never reassigned (User Agreement §6)


class LearnerStatus(StrEnum):
    ACTIVE = "active"
    LINKED = "linked"  # merged into a master ULN (§4.2.3)
    RETIRED = "retired"  # e.g. a fictitious ULN withdrawn after a challenge


class EventSource(StrEnum):
    NPD = "NPD"
    ILR = "ILR"
    AO = "AO"


class ChallengeKind(StrEnum):
    ULN = "uln"
    EVENT = "event"


class ChallengeStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class IntakeStatus(StrEnum):
    RECEIVED = "received"
    AWAITING_PASSPHRASE = "awaiting-passphrase"
    OPENED = "opened"
    DISPOSED = "disposed"


class AuditOutcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"
