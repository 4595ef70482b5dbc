"""The encrypted-passphrase intake (User Guide §1.4, §7.1; DOMAIN.md "Security and the
encrypted intake"; issue 13): learner data a provider emails to the desk, as a case.

Receive (a mailbox scan, or one file added by hand) → the §1.4 breach checks, before anyone
opens anything (a breach opens an incident: ``breach_incidents``) → the passphrase phoned in
(never stored: only met / not met against the guidance; wrong ones counted, and after
``[intake] passphrase_tries`` the case asks for a new file) → decrypt in memory and read the
spreadsheet → every row validated and matched against the register (by ULN, else by personal
details), outcome code and best candidates → an export for the sender (an AES zip with a new
passphrase, shown once) → close (what was decrypted is deleted) → purge after
``[intake] retention_days`` (the message too).

At rest: the message as it came and anything decrypted, only sealed with AES-GCM under the
``intake-key`` (``intake/sealed.py``). Every action is HANDLE_INTAKE (analysts), one
transaction, audited (refusals too); the cron jobs act as ``system:intake-scan`` and
``system:intake-purge``. A change locks the case row and refuses a stale screen
(``expected_version``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lrs_core.actor import Actor
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.domain.kinds import AttachmentKind, BreachRule, IntakeStatus
from lrs_core.errors import LrsError
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services.audit import AuditService, Clock

# (done, total, what): a screen's progress bar; called from the worker's thread.
Progress = Callable[[int, int, str], None]


class NewFileNeeded(LrsError):
    """Too many wrong passphrases: the case waits for the sender to send a new file."""


class StaleIntake(LrsError):
    """The case changed after the screen showed it; the message says what changed."""

    audit_summary = "refused: the case changed meanwhile"


class WrongPassphraseTries(LrsError):
    """The passphrase did not open the file; ``tries_left`` before a new file is needed."""

    def __init__(self, message: str, tries_left: int) -> None:
        super().__init__(message)
        self.tries_left = tries_left


@dataclass(frozen=True)
class AttachmentView:
    position: int
    filename: str
    size: int
    sha256: str
    kind: AttachmentKind


@dataclass(frozen=True)
class FindingView:
    rule: BreachRule
    wording: str  # §1.4's words
    location: str
    summary: str
    found_at: datetime
    found_by: str | None  # None: the checks on receipt


@dataclass(frozen=True)
class IntakeRow:
    """One case in the queue."""

    reference: str
    status: IntakeStatus
    received_at: datetime
    sender_email: str
    organisation: str | None  # "10012345 Name" when known
    subject: str  # findings masked
    breach: bool  # findings, so an incident
    attachments: int
    row_count: int | None
    row_version: int


@dataclass(frozen=True)
class IntakeCaseView:
    row: IntakeRow
    findings: tuple[FindingView, ...]  # shown first
    attachments: tuple[AttachmentView, ...]
    sender_name: str | None
    sent_at: datetime | None
    portal_user: str | None  # the sender's username when the directory knows them
    sender_set_by: str | None  # None: matched by email
    incident: str | None  # the breach incident's reference
    body: str  # the body with findings masked (never the clear data)
    passphrase_tries: int
    tries_left: int
    passphrase_guidance_met: bool | None
    outcome_counts: Mapping[str, int]  # outcome code -> rows, once matched
    opened_by: str | None
    opened_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    dispose_after: datetime | None
    disposed_at: datetime | None


@dataclass(frozen=True)
class ScanResult:
    added: tuple[str, ...]  # references
    already: int  # messages already received (same SHA-256)
    refused: tuple[tuple[str, str], ...]  # (message name, why)


@dataclass(frozen=True)
class Candidate:
    uln: str
    name: str  # "Given Family"
    date_of_birth: str  # house style
    postcode: str
    score: float  # 0-1; 1 for a ULN found with details agreeing


@dataclass(frozen=True)
class RowResult:
    number: int  # the row's number in the sheet (the header is row 1)
    values: Mapping[str, str]  # learner field -> text as sent
    errors: tuple[tuple[str, str], ...]  # (field label, rule) for each field refused
    outcome: str  # WSRC0001-0004, WSRC0022, or "INVALID" when the row fails validation
    outcome_text: str  # "exact match", ...
    uln: str | None  # the learner matched (exact or linked), for Enter -> profile
    candidates: tuple[Candidate, ...]  # best first, at most 3


@dataclass(frozen=True)
class IntakeRows:
    """The decrypted rows of an open case with their outcomes (personal data: a look,
    audited); built from the sealed data in memory."""

    reference: str
    source: str  # the file (and member) the rows came from
    header: tuple[str, ...]
    mapping: Mapping[int, str]  # column index -> learner field
    rows: tuple[RowResult, ...] = field(repr=False)
    row_version: int = 0


@dataclass(frozen=True)
class OpenResult:
    view: IntakeCaseView
    guidance_met: bool
    advice: tuple[str, ...]  # what the passphrase lacks against the guidance
    rows: IntakeRows


@dataclass(frozen=True)
class Export:
    path: Path
    passphrase: Passphrase = field(repr=False)  # shown once, phoned back; never stored
    rows: int = 0


@dataclass(frozen=True)
class PurgeResult:
    purged: tuple[str, ...]  # references
    bytes_deleted: int


class IntakeService:
    def __init__(
        self,
        db: Database,
        audit: AuditService,
        clock: Clock,
        settings: Settings,
        intake_key: Callable[[], bytes],
    ) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.settings = settings
        self._intake_key = intake_key

    def receive(
        self, actor: Actor, raw: bytes, *, sender_email: str | None = None, source: str = ""
    ) -> IntakeCaseView:
        """One message received (an operator's manual add, with the sender's address when
        the file has none): parsed, checked for breaches against the register, matched to a
        portal user and organisation by email, sealed, audited; an incident opened when the
        checks find a breach. A message already received is refused, naming its case."""
        raise NotImplementedError

    def scan(self, actor: Actor, folder: Path | None = None) -> ScanResult:
        """Every message in the mailbox folder (``[intake] mailbox_path``) not yet received,
        each in its own transaction (one bad message does not stop the rest)."""
        raise NotImplementedError

    def queue(
        self, actor: Actor, status: IntakeStatus | None = None, *, breach: bool | None = None
    ) -> tuple[IntakeRow, ...]:
        raise NotImplementedError

    def show(self, actor: Actor, reference: str) -> IntakeCaseView:
        raise NotImplementedError

    def set_sender(
        self,
        actor: Actor,
        reference: str,
        *,
        ukprn: str | None = None,
        username: str | None = None,
        expected_version: int | None = None,
    ) -> IntakeCaseView:
        """Set or correct who sent it: a portal user (and so their organisation), or an
        organisation alone."""
        raise NotImplementedError

    def open(
        self,
        actor: Actor,
        reference: str,
        passphrase: Passphrase,
        *,
        progress: Progress | None = None,
        expected_version: int | None = None,
    ) -> OpenResult:
        """Decrypt in memory, check the passphrase is not in the email itself (a finding
        and an incident when it is), read the spreadsheet, map its header, validate and
        match every row, seal the result; the guidance recorded as met / not met."""
        raise NotImplementedError

    def rows(self, actor: Actor, reference: str) -> IntakeRows:
        raise NotImplementedError

    def remap(
        self,
        actor: Actor,
        reference: str,
        mapping: Mapping[int, str],
        *,
        progress: Progress | None = None,
        expected_version: int | None = None,
    ) -> IntakeRows:
        """The operator's corrected header mapping: every row validated and matched again."""
        raise NotImplementedError

    def match(
        self, actor: Actor, reference: str, *, progress: Progress | None = None
    ) -> IntakeRows:
        """Every row matched again against the register as it is now."""
        raise NotImplementedError

    def export(self, actor: Actor, reference: str, path: Path | str) -> Export:
        """The results for the sender as an AES zip with a new passphrase (returned once),
        written to a new private file; never in clear."""
        raise NotImplementedError

    def close(
        self, actor: Actor, reference: str, reason: str, *, expected_version: int | None = None
    ) -> IntakeCaseView:
        """Closed: what was decrypted deleted now; the message kept sealed until
        ``[intake] retention_days`` from now, then purged."""
        raise NotImplementedError

    def purge(self, actor: Actor) -> PurgeResult:
        """Every closed case due for disposal: its message and any decrypted data deleted,
        audited with what was deleted."""
        raise NotImplementedError
