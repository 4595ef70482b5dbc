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


class SecurityActionKind(StrEnum):
    """What the desk did to an organisation's portal access (§1.4, §3.5.6.1)."""

    SUSPEND_USER = "suspend-user"
    DISABLE_ORGANISATION = "disable-organisation"
    ENABLE_ORGANISATION = "enable-organisation"


class SuperUserLossReason(StrEnum):
    """Why an organisation has no super user left (§3.6's three reasons)."""

    SUSPENDED = "suspended"  # suspended, and cannot answer the security question
    LONG_TERM_LEAVE = "long-term-leave"
    LEFT = "left"  # left the organisation


class SuperUserCaseStatus(StrEnum):
    PREPARED = "prepared"  # opened and being checked by one admin
    APPROVED = "approved"  # a second admin approved: the account exists, its password shown once
    REJECTED = "rejected"
    COMPLETED = "completed"  # the one-time password reached the new super user


class LearnerStatus(StrEnum):
    ACTIVE = "active"
    LINKED = "linked"  # merged into a master ULN (§4.2.3)
    RETIRED = "retired"  # withdrawn after a challenge; its ULN is never issued or used again


class RetiredReason(StrEnum):
    """Why a ULN was retired (a ULN challenge's outcome, §6.1)."""

    DECEASED = "deceased"
    FICTITIOUS = "fictitious"  # fictitious or fraudulent


class EventStatus(StrEnum):
    ACTIVE = "active"
    # Removed after an event challenge (disputed or duplicated): hidden from both PLR views,
    # kept with its reason for the audit, and restorable.
    REMOVED = "removed"


class EventSource(StrEnum):
    NPD = "NPD"
    ILR = "ILR"
    AO = "AO"


class ChallengeKind(StrEnum):
    ULN = "uln"
    EVENT = "event"


class ChallengeType(StrEnum):
    """What a data challenge is about (User Guide §6.1). Its kind follows from it."""

    # ULN incorrectly created
    DUPLICATE_ULN = "duplicate-uln"
    FICTITIOUS_ULN = "fictitious-uln"
    # ULN incorrectly merged
    INCORRECTLY_MERGED = "incorrectly-merged"
    # Other ULN problems
    SHARED_ULN = "shared-uln"
    DECEASED = "deceased"
    USING_ANOTHER_ULN = "using-another-uln"
    OTHER_ULN = "other-uln"
    # Event challenges
    EVENT_INFORMATION_WRONG = "event-information-wrong"
    EVENT_NOT_BELONGING = "event-not-belonging"
    EVENT_DUPLICATED = "event-duplicated"

    @property
    def kind(self) -> ChallengeKind:
        return ChallengeKind.EVENT if self.value.startswith("event-") else ChallengeKind.ULN


class EventChallengeAction(StrEnum):
    """What an "event does not belong" challenge asks for (§6.1)."""

    DISPUTED = "disputed"  # the learner disputes it
    REMOVE = "remove"
    TRANSFER = "transfer"  # to another ULN, named with the learner's name


class ChallengeStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"  # claimed by an analyst
    AWAITING_INFORMATION = "awaiting-information"  # the SLA clock is paused
    REFERRED = "referred"  # to the awarding organisation, whose data it is
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by its raiser


class RecordChangeKind(StrEnum):
    """A change to learners or events made to resolve a challenge: each one recorded with
    the exact state before it, so it can be reversed exactly."""

    MERGE = "merge"
    DEMERGE = "demerge"
    SHARED_ULN_SPLIT = "shared-uln-split"
    RETIRE = "retire"  # deceased, fictitious or fraudulent
    EVENT_TRANSFER = "event-transfer"
    EVENT_REMOVAL = "event-removal"
    EVENT_CORRECTION = "event-correction"
    REVERSAL = "reversal"  # undoes an earlier change


class IntakeStatus(StrEnum):
    """Where an emailed intake case stands (issue 13). A breach is not a status: a case of
    any status may carry breach findings and an incident."""

    NEW = "new"  # nothing encrypted to open (a plain email): read the findings, then close
    AWAITING_PASSPHRASE = "awaiting-passphrase"  # an encrypted file waits for the phone call
    NEW_FILE_NEEDED = "new-file-needed"  # too many wrong passphrases: ask for a new file
    OPEN = "open"  # decrypted (kept sealed under the intake key) and matched
    CLOSED = "closed"  # decrypted data deleted; the message waits for its disposal date
    DISPOSED = "disposed"  # purged: nothing of the message or its data remains


class AttachmentKind(StrEnum):
    AES_ZIP = "aes-zip"  # WinZip AES-256: what the passphrase guidance asks for
    ZIPCRYPTO_ZIP = "zipcrypto-zip"  # legacy ZipCrypto: weak, flagged
    ENCRYPTED_OFFICE = "encrypted-office"  # an Office file with a password to open
    PLAIN_ZIP = "plain-zip"  # a zip with nothing encrypted
    PLAIN_FILE = "plain-file"  # anything else, unencrypted


class BreachRule(StrEnum):
    """User Guide §1.4's breaches, as the core finds them in an email (domain/breaches.py)."""

    ULN_WITH_DEMOGRAPHIC = "uln-with-demographic"
    DEMOGRAPHICS = "demographics"  # more than one demographic unencrypted
    UNENCRYPTED_ATTACHMENT = "unencrypted-attachment"
    WEAK_ENCRYPTION = "weak-encryption"  # ZipCrypto, not AES-256
    PASSPHRASE_IN_EMAIL = "passphrase-in-email"
    CREDENTIALS_IN_EMAIL = "credentials-in-email"


class LadderStep(StrEnum):
    """§1.4's escalation for repeated breaches, in order."""

    CONTACT = "contact"
    USER_DISABLED = "user-disabled"
    ORGANISATION_DISABLED = "organisation-disabled"
    DPO_AND_SENIOR_MANAGEMENT = "dpo-and-senior-management"
    ICO = "ico"


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AuditOutcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"
