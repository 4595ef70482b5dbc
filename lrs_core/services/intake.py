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

import csv
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs_core.actor import Actor, SystemTask
from lrs_core.config import Settings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import (
    BreachIncident,
    IntakeAttachment,
    IntakeCase,
    IntakeFinding,
    Learner,
    Operator,
    Organisation,
    PortalUser,
)
from lrs_core.domain import breaches
from lrs_core.domain.kinds import (
    AccountStatus,
    AttachmentKind,
    AuditOutcome,
    BreachRule,
    IntakeStatus,
)
from lrs_core.domain.names import validate_text
from lrs_core.domain.support_hours import LONDON, desk_time
from lrs_core.domain.text import clean_text, shown
from lrs_core.domain.values import quoted, validate_ukprn
from lrs_core.errors import ConfigurationError, LrsError, NotFound, ValidationError
from lrs_core.files import FileRefused, new_file_path, reason
from lrs_core.intake import archives, mail, sheets
from lrs_core.intake.archives import Hostile, HostileFile, Limits, Unpacked, WrongPassphrase
from lrs_core.intake.passphrase import Passphrase, guidance_advice, new_export_passphrase
from lrs_core.intake.rows import Candidate as Candidate  # re-exported: the service's results
from lrs_core.intake.rows import RowResult as RowResult
from lrs_core.intake.rows import (
    label,
    learners_shown,
    match_rows,
    result_from_json,
    result_to_json,
    sheet_rows,
)
from lrs_core.intake.rows import outcome_counts as count_outcomes
from lrs_core.intake.sealed import seal, unseal
from lrs_core.permissions import Permission
from lrs_core.services.audit import AuditService, Clock, append
from lrs_core.services.breach_incidents import follow_sender, open_incident
from lrs_core.services.search import DemographicSearch

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


# --- errors and constants -------------------------------------------------------------------


class AlreadyReceived(LrsError):
    """The message was received before (same SHA-256): its case is named."""

    audit_summary = "refused: the message was received already"

    def __init__(self, message: str, reference: str) -> None:
        super().__init__(message)
        self.reference = reference


SUBJECT = "intake-case"
CLOSE_REASON_MAX = 1000
ENCRYPTED = frozenset(
    {AttachmentKind.AES_ZIP, AttachmentKind.ZIPCRYPTO_ZIP, AttachmentKind.ENCRYPTED_OFFICE}
)
PLAIN = frozenset({AttachmentKind.PLAIN_FILE, AttachmentKind.PLAIN_ZIP})
_REFERENCE = re.compile(r"IN-[0-9]{8}-[0-9]{4}")
# What the case stores of a message's own words, each through the text rule (or, when the
# rule refuses it, made safe with shown() and cut to the column).
_SUBJECT_MAX = 255
_NAME_MAX = 255
_SENDER_NAME_MAX = 100
_MESSAGE_ID_MAX = 255
_EMAIL_MAX = 254
_LOCATION_MAX = 300
# How much of each text (the subject, the body, a plain attachment's text) the §1.4 checks
# read and a case view shows, masked: far beyond any provider's email, and a bound on the
# time a hostile one (a 60 MB body) holds a receipt. What lies beyond is said, not shown.
CHECKED_CHARS = 1_000_000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Attached:
    """One attachment of a message as the case knows it."""

    position: int
    name: str  # through the text rule (what the case stores and says)
    kind: AttachmentKind
    attachment: mail.Attachment = field(repr=False)
    text: str | None = field(default=None, repr=False)  # a plain one's text, for the checks


@dataclass(frozen=True)
class _Opened:
    """What ``open`` read, decrypted and matched before it writes."""

    data: dict[str, Any] = field(repr=False)
    results: tuple[RowResult, ...] = field(repr=False)
    findings: tuple[breaches.Finding, ...]
    advice: tuple[str, ...]


# --- the service ----------------------------------------------------------------------------


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
        # One search for every row of every file: its name counts are remembered a while.
        self.search = DemographicSearch(settings.search)

    # -- receiving ---------------------------------------------------------------------------

    def receive(
        self, actor: Actor, raw: bytes, *, sender_email: str | None = None, source: str = ""
    ) -> IntakeCaseView:
        """One message received (an operator's manual add, with the sender's address when
        the file has none): parsed, checked for breaches against the register, matched to a
        portal user and organisation by email, sealed, audited; an incident opened when the
        checks find a breach. A message already received is refused, naming its case."""
        action = "intake-receive"
        self._require(actor, action, "", system="intake-scan")
        with self.audit.failures_audited(actor, action, SUBJECT, ""):
            return self._receive(actor, raw, sender_email, source)

    def scan(self, actor: Actor, folder: Path | None = None) -> ScanResult:
        """Every message in the mailbox folder (``[intake] mailbox_path``) not yet received,
        each in its own transaction (one bad message does not stop the rest)."""
        action = "intake-scan"
        self._require(actor, action, "", system="intake-scan")
        with self.audit.failures_audited(actor, action, "mailbox", ""):
            if folder is None:
                configured = self.settings.intake.mailbox_path.strip()
                if not configured:
                    raise ValidationError(
                        "Mailbox",
                        "no folder given and [intake] mailbox_path is empty: set it to the"
                        " folder the desk's mailbox delivers to (.eml files or a Maildir)",
                    )
                folder = Path(configured)
            added: list[str] = []
            already = 0
            refused: list[tuple[str, str]] = []
            for name, raw in mail.read_mailbox(folder):
                try:
                    if self._received(mail_sha256(raw)) is not None:
                        already += 1
                        continue
                    added.append(self._receive(actor, raw, None, name).row.reference)
                except AlreadyReceived:
                    already += 1
                except ConfigurationError:
                    raise  # no message can be received: the database or the intake key
                except LrsError as error:
                    refused.append((name, str(error)))
                except Exception as error:  # one bad message does not stop the rest
                    # Only the kind of failure: the message's words may hold personal data.
                    logger.error(
                        "intake scan: %s could not be read (%s)", _file_name(name), type(error)
                    )
                    refused.append((name, f"could not be read ({type(error).__name__})"))
            self.audit.record(
                actor,
                action,
                "mailbox",
                "",
                detail={
                    "added": added,
                    "already": already,
                    "refused": [_file_name(name) for name, _ in refused],
                },
            )
        return ScanResult(tuple(added), already, tuple(refused))

    def _receive(
        self, actor: Actor, raw: bytes, sender_email: str | None, source: str
    ) -> IntakeCaseView:
        message = mail.parse_message(raw, sender_email)
        attached = _attachments(message)
        texts = _texts(message, attached)
        ulns = _ulns(texts)
        sha = message.sha256
        try:
            with self.db.transaction() as session:
                now = self.clock()
                day = now.astimezone(LONDON).date()
                # Held to the commit: two receipts on one day number one after the other, and
                # the second of the same message finds the first's case below.
                hold_until_commit(session, "intake reference", day.isoformat())
                existing = _by_sha(session, sha)
                if existing is not None:
                    raise _already(existing)
                reference = _next_reference(session, day)
                known = self._known_learners(session, actor, ulns, reference, now)
                attached = _named(attached, known)
                findings = _receipt_findings(message, attached, known, now.date())
                organisation, user = _sender(session, message.sender_email)
                encrypted = any(a.kind in ENCRYPTED for a in attached)
                case = IntakeCase(
                    reference=reference,
                    message_sha256=sha,
                    message_id=_stored(message.message_id or "", "Message-ID", _MESSAGE_ID_MAX)
                    or None,
                    sender_email=_stored(message.sender_email, "Sender", _EMAIL_MAX),
                    sender_name=_stored(
                        breaches.mask(_checked(message.sender_name or ""), known),
                        "Sender",
                        _SENDER_NAME_MAX,
                    )
                    or None,
                    subject=_stored(
                        breaches.mask(_checked(message.subject), known), "Subject", _SUBJECT_MAX
                    ),
                    sent_at=message.sent_at,
                    received_at=now,
                    organisation_id=organisation.id if organisation else None,
                    portal_user_id=user.id if user else None,
                    status=IntakeStatus.AWAITING_PASSPHRASE if encrypted else IntakeStatus.NEW,
                    message_sealed=seal(self._intake_key(), reference, "message", raw),
                    passphrase_tries=0,
                    updated_at=now,
                    row_version=1,
                )
                session.add(case)
                session.flush()
                for a in attached:
                    session.add(
                        IntakeAttachment(
                            case_id=case.id,
                            position=a.position,
                            filename=a.name,
                            size=a.attachment.size,
                            sha256=a.attachment.sha256,
                            kind=a.kind,
                        )
                    )
                _add_findings(session, case, findings, None, now)
                session.flush()
                if findings:
                    open_incident(session, case, now)
                append(
                    session,
                    actor,
                    "intake-receive",
                    SUBJECT,
                    reference,
                    detail={
                        "reference": reference,
                        "sender": case.sender_email,
                        "attachments": len(attached),
                        "findings": sorted({str(f.rule) for f in findings}),
                        "status": str(case.status),
                        "source": _file_name(source, known),
                    },
                    now=now,
                )
                return self._view(session, case, message=message, known=known)
        except IntegrityError:
            # The unique constraints, the backstop of the lock above: the same message
            # received meanwhile (say, by a scan running at midnight), or its reference taken.
            found = self._received(sha)
            if found is not None:
                raise _already_named(found) from None
            raise LrsError(
                "another message took this case's reference meanwhile: receive it again"
            ) from None

    def _received(self, sha: str) -> tuple[str, datetime] | None:
        with self.db.transaction(read_only=True) as session:
            case = _by_sha(session, sha)
            return (case.reference, case.received_at) if case is not None else None

    def _known_learners(
        self, session: Session, actor: Actor, ulns: Sequence[str], reference: str, now: datetime
    ) -> dict[str, breaches.KnownLearner]:
        """The register's learners for the ULNs in the email (§1.4: what to look for beside
        them): a look at each, audited under the learner, as the checks' own."""
        known = _known(session, ulns)
        for uln in known:
            append(
                session,
                actor,
                "intake-breach-check",
                "learner",
                uln,
                detail={"case": reference},
                now=now,
            )
        return known

    # -- reading -------------------------------------------------------------------------------

    def queue(
        self, actor: Actor, status: IntakeStatus | None = None, *, breach: bool | None = None
    ) -> tuple[IntakeRow, ...]:
        """The cases, newest first, of one status and with or without breach findings. What
        it shows is no learner's data (subjects are masked), so reading it is not audited
        (a refusal is)."""
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, "intake-queue", SUBJECT, ""
        ) as session:
            query = select(IntakeCase).order_by(IntakeCase.received_at.desc(), IntakeCase.id.desc())
            if status is not None:
                query = query.where(IntakeCase.status == IntakeStatus(status))
            found = exists().where(IntakeFinding.case_id == IntakeCase.id)
            if breach is True:
                query = query.where(found)
            elif breach is False:
                query = query.where(~found)
            cases = list(session.execute(query).scalars())
            return tuple(_rows(session, cases))

    def show(self, actor: Actor, reference: str) -> IntakeCaseView:
        """One case, its breach findings first and its body masked (a look, audited)."""
        ref = _parse_reference(reference)
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, "intake-show", SUBJECT, ref
        ) as session:
            case = _case(session, ref)
            append(session, actor, "intake-show", SUBJECT, ref, now=self.clock())
            return self._view(session, case)

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
        organisation alone. The case's incident follows (``breach_incidents.follow_sender``)."""
        ref = _parse_reference(reference)
        action = "intake-set-sender"
        with self.audit.guarded(actor, Permission.HANDLE_INTAKE, action, SUBJECT, ref) as session:
            given_user = (username or "").strip()
            given_ukprn = (ukprn or "").strip()
            if bool(given_user) == bool(given_ukprn):
                raise ValidationError(
                    "Sender",
                    "give the portal user's username or the organisation's UKPRN (one of them)",
                )
            now = self.clock()
            case = _case(session, ref, for_update=True)
            _refuse_stale(session, case, expected_version)
            user: PortalUser | None = None
            if given_user:
                user = session.execute(
                    select(PortalUser).where(func.lower(PortalUser.username) == given_user.lower())
                ).scalar_one_or_none()
                if user is None:
                    raise NotFound(f"no portal user has username {quoted(given_user)}")
                organisation = session.get(Organisation, user.organisation_id)
                assert organisation is not None
            else:
                checked = validate_ukprn(given_ukprn)
                found = session.execute(
                    select(Organisation).where(Organisation.ukprn == checked)
                ).scalar_one_or_none()
                if found is None:
                    raise NotFound(f"no organisation has UKPRN {checked}")
                organisation = found
            case.organisation_id = organisation.id
            case.portal_user_id = user.id if user else None
            case.sender_set_by_operator_id = actor.operator_id
            _touch(case, now)
            follow_sender(session, case)
            session.flush()
            append(
                session,
                actor,
                action,
                SUBJECT,
                ref,
                detail={
                    "organisation": organisation.ukprn,
                    "username": user.username if user else "",
                    "version": case.row_version,
                },
                now=now,
            )
            return self._view(session, case)

    # -- opening -------------------------------------------------------------------------------

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
        match every row, seal the result; the guidance recorded as met / not met.

        The work is done outside the case's lock (decrypting and matching a large file takes
        seconds), then the case is locked and checked again: a second operator opening it
        meanwhile is told it was opened, and nothing of theirs is kept. ``progress`` hears
        (0, 0, what) while the file is decrypted and read, then (row, rows, what)."""
        ref = _parse_reference(reference)
        action = "intake-open"
        self._require(actor, action, ref)
        with self.audit.failures_audited(actor, action, SUBJECT, ref):
            outcome = self._open(actor, ref, passphrase, progress, expected_version)
        if isinstance(outcome, LrsError):
            raise outcome  # audited already, in the transaction that counted the try
        return outcome

    def _open(
        self,
        actor: Actor,
        ref: str,
        passphrase: Passphrase,
        progress: Progress | None,
        expected_version: int | None,
    ) -> OpenResult | LrsError:
        action = "intake-open"
        with self.db.transaction(read_only=True) as session:
            case = _case(session, ref)
            _refuse_unless(session, case, IntakeStatus.AWAITING_PASSPHRASE)
            _refuse_stale(session, case, expected_version)
            message = self._message(case)
            attached = _attachments(message)
            known = _known(session, _ulns(_texts(message, attached)))
        # Named as the case names them, and with the passphrase typed masked: a name holding
        # it is said in no message, audit detail or finding's place.
        attached = _named(attached, known, passphrase)
        encrypted = [a for a in attached if a.kind in ENCRYPTED]
        limits = Limits(
            max_members=self.settings.intake.max_members,
            max_unpacked_bytes=self.settings.intake.max_unpacked_mb * 1024 * 1024,
            max_ratio=self.settings.intake.max_ratio,
        )
        unpacked: list[tuple[_Attached, tuple[Unpacked, ...]]] = []
        for a in encrypted:
            if progress is not None:
                progress(0, 0, f"Decrypting {a.name}")
            try:
                members = archives.unlock(a.name, a.attachment.content, passphrase, limits)
            except WrongPassphrase:
                return self._wrong_passphrase(actor, ref, a.name, a.position)
            except HostileFile as hostile:
                return self._hostile(actor, ref, [a.position], hostile)
            unpacked.append((a, members))
        # §1.4: the passphrase phoned in must not be in the email itself: its subject, its
        # body, any attachment sent beside the encrypted file, or any attachment's name.
        texts = [("subject", message.subject), ("body", message.body)]
        texts += [(f"attachment {a.name}", a.text) for a in attached if a.text is not None]
        texts += [(f"attachment {a.name}", a.attachment.filename) for a in attached]
        found = breaches.passphrase_findings(passphrase, texts)
        hide = functools.partial(
            self._hide_passphrase,
            message=message,
            attached=attached,
            known=known,
            passphrase=passphrase,
        )
        advice = tuple(guidance_advice(passphrase))
        if progress is not None:
            progress(0, 0, "Reading the spreadsheet")
        try:
            source, sheet = self._first_sheet(unpacked)
        except HostileFile as hostile:
            positions = [a.position for a, _ in unpacked]
            return self._hostile(actor, ref, positions, hostile, found, hide)
        mapping = sheets.map_header(sheet.header)
        rows = [list(cells) for cells in sheet.rows]
        results = self._match(rows, mapping, progress)
        data: dict[str, Any] = {
            "source": source,
            "header": list(sheet.header),
            "mapping": {str(k): v for k, v in mapping.items()},
            "rows": rows,
            "results": [result_to_json(r) for r in results],
        }
        opened = _Opened(data, results, found, advice)
        with self.db.transaction() as session:
            now = self.clock()
            case = _case(session, ref, for_update=True)
            # Checked again under the lock: another operator may have opened or closed it
            # while this file was decrypted and matched.
            _refuse_unless(session, case, IntakeStatus.AWAITING_PASSPHRASE, meanwhile=True)
            _add_findings(session, case, opened.findings, actor.operator_id, now)
            if opened.findings:
                hide(session, case)
            case.opened_sealed = self._seal_opened(ref, opened.data)
            case.status = IntakeStatus.OPEN
            case.passphrase_guidance_met = not opened.advice
            case.row_count = len(opened.results)
            case.outcome_counts = count_outcomes(opened.results)
            case.opened_by_operator_id = actor.operator_id
            case.opened_at = now
            _touch(case, now)
            session.flush()
            if opened.findings:
                open_incident(session, case, now)
            self._audit_looks(session, actor, "intake-match", ref, opened.results, now)
            append(
                session,
                actor,
                action,
                SUBJECT,
                ref,
                detail={
                    "rows": len(opened.results),
                    "outcomes": case.outcome_counts,
                    "guidance_met": case.passphrase_guidance_met,
                    "findings": sorted({str(f.rule) for f in opened.findings}),
                    "version": case.row_version,
                },
                now=now,
            )
            view = self._view(session, case, message=message, passphrase=passphrase)
            return OpenResult(
                view,
                not opened.advice,
                opened.advice,
                _intake_rows(ref, opened.data, opened.results, case.row_version),
            )

    def _wrong_passphrase(self, actor: Actor, ref: str, name: str, position: int) -> LrsError:
        """Counted in a transaction of its own (the refusal must stay counted); at
        ``[intake] passphrase_tries`` the case asks the sender for a new file. The audit
        names the attachment by its place in the email: its name is the sender's words,
        which may hold the passphrase (not yet known to hide) or a learner's name."""
        allowed = self.settings.intake.passphrase_tries
        with self.db.transaction() as session:
            now = self.clock()
            case = _case(session, ref, for_update=True)
            _refuse_unless(session, case, IntakeStatus.AWAITING_PASSPHRASE, meanwhile=True)
            case.passphrase_tries += 1
            left = max(0, allowed - case.passphrase_tries)
            if left == 0:
                case.status = IntakeStatus.NEW_FILE_NEEDED
            _touch(case, now)
            session.flush()
            append(
                session,
                actor,
                "intake-open",
                SUBJECT,
                ref,
                outcome=AuditOutcome.FAILED,
                detail={
                    "outcome": "refused: wrong passphrase",
                    "attachment": position,
                    "tries": case.passphrase_tries,
                    "tries_left": left,
                    "status": str(case.status),
                },
                now=now,
            )
            tries = case.passphrase_tries
        if left == 0:
            return NewFileNeeded(
                f"The passphrase does not open {name}: that was wrong passphrase {tries} of"
                f" {allowed}, so {ref} now asks the sender for a new file (sent as a new"
                " email, with a new passphrase phoned in)"
            )
        return WrongPassphraseTries(
            f"The passphrase does not open {name}: {left} {'try' if left == 1 else 'tries'} left",
            left,
        )

    def _hostile(
        self,
        actor: Actor,
        ref: str,
        positions: Sequence[int],
        hostile: HostileFile,
        findings: Sequence[breaches.Finding] = (),
        hide: Callable[[Session, IntakeCase], None] | None = None,
    ) -> LrsError:
        """A file that cannot be opened safely: refused, audited with its rule and the
        attachments' places in the email (never their names, the sender's words); the case
        is left as it was (the sender is asked for a proper file). When the passphrase did
        open it and the email holds it, that breach is recorded all the same, and the
        passphrase hidden (``hide``)."""
        with self.db.transaction() as session:
            now = self.clock()
            case = _case(session, ref, for_update=True)
            # Only on the case as it was read: one closed (or disposed of) meanwhile takes no
            # more of the email's words back.
            if findings and case.status is IntakeStatus.AWAITING_PASSPHRASE:
                if hide is not None:
                    hide(session, case)
                if _add_findings(session, case, findings, actor.operator_id, now):
                    _touch(case, now)
                    session.flush()
                    open_incident(session, case, now)
            append(
                session,
                actor,
                "intake-open",
                SUBJECT,
                ref,
                outcome=AuditOutcome.FAILED,
                detail={
                    "outcome": "refused: the file cannot be opened safely",
                    "rule": str(hostile.outcome),
                    "attachments": list(positions),
                    "findings": sorted({str(f.rule) for f in findings}),
                },
                now=now,
            )
        return hostile

    def _hide_passphrase(
        self,
        session: Session,
        case: IntakeCase,
        *,
        message: mail.ReceivedMessage,
        attached: Sequence[_Attached],
        known: Mapping[str, breaches.KnownLearner],
        passphrase: Passphrase,
    ) -> None:
        """The passphrase found in the email (§1.4), hidden wherever the case keeps the
        email's own words, for every later view: the subject and the attachments' names (and
        their findings' places) masked again with it, and the body kept sealed with it
        masked (the passphrase itself is never stored, so a view could not mask it later)."""
        case.subject = _stored(
            breaches.mask(_checked(message.subject), known, passphrase=passphrase),
            "Subject",
            _SUBJECT_MAX,
        )
        names = {a.position: a.name for a in attached}
        places: dict[str, str] = {}
        for row in session.execute(
            select(IntakeAttachment).where(IntakeAttachment.case_id == case.id)
        ).scalars():
            name = names.get(row.position, row.filename)
            if name != row.filename:
                places[_place(row.filename)] = _place(name)
                row.filename = name
        if places:
            for finding in session.execute(
                select(IntakeFinding).where(IntakeFinding.case_id == case.id)
            ).scalars():
                finding.location = places.get(finding.location, finding.location)
        body = breaches.mask_passphrase(message.body, passphrase)
        if body != message.body:
            text = body.encode("utf-8", "surrogatepass")
            case.masked_body_sealed = seal(self._intake_key(), case.reference, "body", text)

    def _first_sheet(
        self, unpacked: Sequence[tuple[_Attached, tuple[Unpacked, ...]]]
    ) -> tuple[str, sheets.Sheet]:
        found = [
            (a, member)
            for a, members in unpacked
            for member in members
            if sheets.is_spreadsheet(member.name)
        ]
        if not found:
            names = ", ".join(a.name for a, _ in unpacked) or "the email"
            raise HostileFile(
                Hostile.UNSUPPORTED,
                f"{names} holds no spreadsheet LRS Desk reads (.xlsx or .csv): ask the sender"
                " for the learners in one",
            )
        a, member = found[0]
        source = (
            a.name
            if member.name in (a.name, a.attachment.filename)
            else f"{a.name}: {shown(member.name)}"
        )
        if len(found) > 1:
            source += f" (the first of {len(found)} spreadsheets)"
        sheet = sheets.read_sheet(member.name, member.content, self.settings.intake.max_rows)
        return source, sheet

    # -- the rows ------------------------------------------------------------------------------

    def rows(self, actor: Actor, reference: str) -> IntakeRows:
        """An open case's rows with their outcomes and candidates: a look at every learner
        they show, audited under each learner."""
        ref = _parse_reference(reference)
        action = "intake-rows"
        with self.audit.guarded(actor, Permission.HANDLE_INTAKE, action, SUBJECT, ref) as session:
            now = self.clock()
            case = _case(session, ref)
            _refuse_unless(session, case, IntakeStatus.OPEN)
            data = self._unseal_opened(case)
            results = tuple(result_from_json(r) for r in data["results"])
            self._audit_looks(session, actor, action, ref, results, now)
            append(session, actor, action, SUBJECT, ref, detail={"rows": len(results)}, now=now)
            return _intake_rows(ref, data, results, case.row_version)

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
        return self._rematch(actor, reference, "intake-remap", mapping, progress, expected_version)

    def match(
        self, actor: Actor, reference: str, *, progress: Progress | None = None
    ) -> IntakeRows:
        """Every row matched again against the register as it is now."""
        return self._rematch(actor, reference, "intake-rematch", None, progress, None)

    def _rematch(
        self,
        actor: Actor,
        reference: str,
        action: str,
        mapping: Mapping[int, str] | None,
        progress: Progress | None,
        expected_version: int | None,
    ) -> IntakeRows:
        ref = _parse_reference(reference)
        self._require(actor, action, ref)
        with self.audit.failures_audited(actor, action, SUBJECT, ref):
            with self.db.transaction(read_only=True) as session:
                case = _case(session, ref)
                _refuse_unless(session, case, IntakeStatus.OPEN)
                _refuse_stale(session, case, expected_version)
                version = case.row_version
                data = self._unseal_opened(case)
            if mapping is None:
                checked = {int(k): v for k, v in data["mapping"].items()}
            else:
                checked = sheets.check_mapping(mapping, len(data["header"]))
            results = self._match(data["rows"], checked, progress)
            data = data | {
                "mapping": {str(k): v for k, v in sorted(checked.items())},
                "results": [result_to_json(r) for r in results],
            }
            with self.db.transaction() as session:
                now = self.clock()
                case = _case(session, ref, for_update=True)
                _refuse_unless(session, case, IntakeStatus.OPEN, meanwhile=True)
                # Matched from the data as read: another change since would be overwritten.
                _refuse_stale(session, case, version)
                case.opened_sealed = self._seal_opened(ref, data)
                case.outcome_counts = count_outcomes(results)
                case.row_count = len(results)
                _touch(case, now)
                session.flush()
                self._audit_looks(session, actor, "intake-match", ref, results, now)
                detail: dict[str, Any] = {
                    "rows": len(results),
                    "outcomes": case.outcome_counts,
                    "version": case.row_version,
                }
                if mapping is not None:
                    detail["mapping"] = data["mapping"]
                append(session, actor, action, SUBJECT, ref, detail=detail, now=now)
                return _intake_rows(ref, data, results, case.row_version)

    def _match(
        self,
        rows: Sequence[Sequence[str]],
        mapping: Mapping[int, str],
        progress: Progress | None,
    ) -> tuple[RowResult, ...]:
        today = self.clock().date()
        with self.db.transaction(read_only=True) as session:
            return match_rows(session, sheet_rows(rows, mapping), self.search, today, progress)

    def _audit_looks(
        self,
        session: Session,
        actor: Actor,
        action: str,
        ref: str,
        results: Sequence[RowResult],
        now: datetime,
    ) -> None:
        """One event per learner the rows showed, under the learner: their history shows
        the look (DOMAIN.md: learners may see who accessed their record)."""
        for uln, numbers in learners_shown(results).items():
            append(
                session,
                actor,
                action,
                "learner",
                uln,
                detail={"case": ref, "rows": list(numbers)},
                now=now,
            )

    # -- the export ------------------------------------------------------------------------------

    def export(self, actor: Actor, reference: str, path: Path | str) -> Export:
        """The results for the sender as an AES zip with a new passphrase (returned once),
        written to a new private file; never in clear."""
        ref = _parse_reference(reference)
        action = "intake-export"
        self._require(actor, action, ref)
        with self.audit.failures_audited(actor, action, SUBJECT, ref):
            with self.db.transaction(read_only=True) as session:
                case = _case(session, ref)
                _refuse_unless(session, case, IntakeStatus.OPEN)
                data = self._unseal_opened(case)
            target = new_file_path(path, "File")
            results = tuple(result_from_json(r) for r in data["results"])
            mapping = {int(k): v for k, v in data["mapping"].items()}
            passphrase = new_export_passphrase()
            content = archives.make_aes_zip(
                {f"{ref}-results.csv": results_csv(results, mapping)}, passphrase
            )
            _write_new_private_file(target, content)
            try:
                self._audit_export(actor, ref, target, results)
            except BaseException:
                # Not audited (the case closed meanwhile, or the database failed), so not
                # sent: the file goes, and nothing is left half done.
                target.unlink(missing_ok=True)
                raise
        return Export(target, passphrase, len(results))

    def _audit_export(
        self, actor: Actor, ref: str, target: Path, results: Sequence[RowResult]
    ) -> None:
        """The export audited, the case locked and still open: a close meanwhile deleted
        the decrypted rows, and an export of them now is refused (the caller deletes the
        file)."""
        action = "intake-export"
        with self.db.transaction() as session:
            now = self.clock()
            case = _case(session, ref, for_update=True)
            _refuse_unless(session, case, IntakeStatus.OPEN, meanwhile=True)
            # The ULNs it sends back: a disclosure to the sender, in each learner's history.
            for result in results:
                if result.uln is not None:
                    append(
                        session,
                        actor,
                        action,
                        "learner",
                        result.uln,
                        detail={"case": ref, "rows": [result.number]},
                        now=now,
                    )
            append(
                session,
                actor,
                action,
                SUBJECT,
                ref,
                detail={"file": target.name, "rows": len(results)},
                now=now,
            )

    # -- closing and disposal --------------------------------------------------------------------

    def close(
        self, actor: Actor, reference: str, reason: str, *, expected_version: int | None = None
    ) -> IntakeCaseView:
        """Closed: what was decrypted deleted now; the message kept sealed until
        ``[intake] retention_days`` from now, then purged."""
        ref = _parse_reference(reference)
        action = "intake-close"
        with self.audit.guarded(actor, Permission.HANDLE_INTAKE, action, SUBJECT, ref) as session:
            words = validate_text(reason, "Reason", CLOSE_REASON_MAX, required=True)
            now = self.clock()
            case = _case(session, ref, for_update=True)
            if case.status in (IntakeStatus.CLOSED, IntakeStatus.DISPOSED):
                raise ValidationError("Status", _status_words(session, case))
            _refuse_stale(session, case, expected_version)
            deleted = len(case.opened_sealed or b"")
            case.opened_sealed = None
            case.status = IntakeStatus.CLOSED
            case.closed_by_operator_id = actor.operator_id
            case.closed_at = now
            case.close_reason = words
            case.dispose_after = now + timedelta(days=self.settings.intake.retention_days)
            _touch(case, now)
            session.flush()
            append(
                session,
                actor,
                action,
                SUBJECT,
                ref,
                detail={
                    "decrypted_bytes_deleted": deleted,
                    "dispose_after": case.dispose_after.isoformat(),
                    "version": case.row_version,
                },
                now=now,
            )
            return self._view(session, case)

    def purge(self, actor: Actor) -> PurgeResult:
        """Every closed case due for disposal: its message and any decrypted data deleted,
        audited with what was deleted."""
        action = "intake-purge"
        with self._guarded(actor, action, "", system="intake-purge") as session:
            now = self.clock()
            due = session.execute(
                select(IntakeCase)
                .where(IntakeCase.status == IntakeStatus.CLOSED, IntakeCase.dispose_after <= now)
                .order_by(IntakeCase.id)
                .with_for_update()
            ).scalars()
            purged: list[str] = []
            total = 0
            for case in due:
                deleted = len(case.message_sealed or b"") + len(case.opened_sealed or b"")
                deleted += len(case.masked_body_sealed or b"")
                case.message_sealed = None
                case.opened_sealed = None
                case.masked_body_sealed = None
                _blank_words(session, case)
                case.status = IntakeStatus.DISPOSED
                case.disposed_at = now
                _touch(case, now)
                session.flush()
                append(
                    session,
                    actor,
                    action,
                    SUBJECT,
                    case.reference,
                    detail={"bytes_deleted": deleted},
                    now=now,
                )
                purged.append(case.reference)
                total += deleted
            return PurgeResult(tuple(purged), total)

    # -- the machinery -----------------------------------------------------------------------------

    def _require(
        self, actor: Actor, action: str, subject_id: str, *, system: SystemTask | None = None
    ) -> None:
        """HANDLE_INTAKE; or the system doing the one job for cron it is named for (the
        system holds no permission: these two are allowed here by name, as the bootstrap is)."""
        if system is not None and _is_system(actor, system):
            return
        self.audit.require(actor, Permission.HANDLE_INTAKE, action, SUBJECT, subject_id)

    @contextmanager
    def _guarded(
        self, actor: Actor, action: str, subject_id: str, *, system: SystemTask
    ) -> Iterator[Session]:
        if _is_system(actor, system):
            with (
                self.audit.failures_audited(actor, action, SUBJECT, subject_id),
                self.db.transaction() as session,
            ):
                yield session
            return
        with self.audit.guarded(
            actor, Permission.HANDLE_INTAKE, action, SUBJECT, subject_id
        ) as session:
            yield session

    def _message(self, case: IntakeCase) -> mail.ReceivedMessage:
        if case.message_sealed is None:
            raise ValidationError("Status", f"{case.reference}'s message was disposed of")
        raw = unseal(self._intake_key(), case.reference, "message", case.message_sealed)
        return mail.parse_message(raw, case.sender_email)

    def _seal_opened(self, ref: str, data: Mapping[str, Any]) -> bytes:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return seal(self._intake_key(), ref, "opened", text.encode("utf-8"))

    def _unseal_opened(self, case: IntakeCase) -> dict[str, Any]:
        if case.opened_sealed is None:
            raise ValidationError("Status", f"{case.reference} holds no decrypted rows")
        data = unseal(self._intake_key(), case.reference, "opened", case.opened_sealed)
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def _view(
        self,
        session: Session,
        case: IntakeCase,
        *,
        message: mail.ReceivedMessage | None = None,
        known: Mapping[str, breaches.KnownLearner] | None = None,
        passphrase: Passphrase | None = None,
    ) -> IntakeCaseView:
        """The case as a screen shows it: the body masked (generic patterns and the
        register's own learners for the ULNs it holds; the passphrase, when it was just
        typed and the email holds it), never in clear."""
        if message is None and case.message_sealed is not None:
            try:
                message = self._message(case)
            except mail.MessageRefused:
                message = None
        body = ""
        if message is not None:
            if known is None:
                # The ULNs of every text, as on receipt: a plain attachment's ULN makes its
                # learner's name in the body a name to mask.
                known = _known(session, _ulns(_texts(message, _attachments(message))))
            text = message.body
            if case.masked_body_sealed is not None:  # the passphrase masked in it (§1.4)
                sealed = unseal(self._intake_key(), case.reference, "body", case.masked_body_sealed)
                text = sealed.decode("utf-8", "surrogatepass")
            body = breaches.mask(_checked(text), known, passphrase=passphrase)
            if len(text) > CHECKED_CHARS:
                more = len(text) - CHECKED_CHARS
                body += (
                    f"\n\n[{more:,} more characters of the body are not shown: only the first"
                    f" {CHECKED_CHARS:,} are checked for breaches and shown]"
                )
        row = _rows(session, [case])[0]
        findings = session.execute(
            select(IntakeFinding, Operator.username)
            .outerjoin(Operator, Operator.id == IntakeFinding.operator_id)
            .where(IntakeFinding.case_id == case.id)
            .order_by(IntakeFinding.id)
        ).all()
        attachments = session.execute(
            select(IntakeAttachment)
            .where(IntakeAttachment.case_id == case.id)
            .order_by(IntakeAttachment.position)
        ).scalars()
        names = _operator_names(
            session,
            {
                case.sender_set_by_operator_id,
                case.opened_by_operator_id,
                case.closed_by_operator_id,
            },
        )
        user = session.get(PortalUser, case.portal_user_id) if case.portal_user_id else None
        incident = session.execute(
            select(BreachIncident.reference).where(BreachIncident.case_id == case.id)
        ).scalar_one_or_none()
        allowed = self.settings.intake.passphrase_tries
        return IntakeCaseView(
            row=row,
            findings=tuple(
                FindingView(
                    f.rule,
                    breaches.RULE_WORDING[f.rule],
                    f.location,
                    f.summary,
                    f.found_at,
                    who,
                )
                for f, who in findings
            ),
            attachments=tuple(
                AttachmentView(a.position, a.filename, a.size, a.sha256, a.kind)
                for a in attachments
            ),
            sender_name=case.sender_name,
            sent_at=case.sent_at,
            portal_user=user.username if user else None,
            sender_set_by=names.get(case.sender_set_by_operator_id or 0),
            incident=incident,
            body=body,
            passphrase_tries=case.passphrase_tries,
            tries_left=max(0, allowed - case.passphrase_tries),
            passphrase_guidance_met=case.passphrase_guidance_met,
            outcome_counts=dict(case.outcome_counts or {}),
            opened_by=names.get(case.opened_by_operator_id or 0),
            opened_at=case.opened_at,
            closed_by=names.get(case.closed_by_operator_id or 0),
            closed_at=case.closed_at,
            close_reason=case.close_reason,
            dispose_after=case.dispose_after,
            disposed_at=case.disposed_at,
        )


# --- the export's file ----------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula is quoted with an
    apostrophe, so opening the export never runs what a row held."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def results_csv(results: Sequence[RowResult], mapping: Mapping[int, str]) -> bytes:
    """The results as a CSV for the sender (UTF-8 with a BOM, as Excel opens it): the row's
    number, its fields as sent, the outcome code and text, the learner's ULN for an exact or
    linked match only, how many possible matches, and the errors."""
    fields = [name for _, name in sorted(mapping.items())]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Row",
            *(label(name) for name in fields),
            "Outcome code",
            "Outcome",
            "Matched ULN",
            "Possible matches",
            "Errors",
        ]
    )
    for result in results:
        matched = result.uln if result.outcome in _MATCHED else ""
        possible = len([c for c in result.candidates if c.uln != matched])
        writer.writerow(
            [
                str(result.number),
                *(_cell(result.values.get(name, "")) for name in fields),
                result.outcome,
                _cell(result.outcome_text),
                matched or "",
                str(possible),
                _cell("; ".join(f"{f}: {rule}" for f, rule in result.errors)),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_MATCHED = frozenset({"WSRC0004", "WSRC0022"})


def _write_new_private_file(path: Path, content: bytes) -> None:
    """``content`` in a new file only its owner reads (0600), never over an existing one."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FileRefused(
            f"{path} already exists: choose another name (nothing was written)"
        ) from None
    except OSError as error:
        raise FileRefused(f"cannot write {path}: {reason(error)} (nothing was written)") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
    except OSError as error:
        path.unlink(missing_ok=True)
        raise FileRefused(f"cannot write {path}: {reason(error)} (nothing was written)") from None


# --- reading a message --------------------------------------------------------------------------


def mail_sha256(raw: bytes) -> str:
    """A message's SHA-256, as its case records it (``ReceivedMessage.sha256``)."""
    return hashlib.sha256(raw).hexdigest()


def _stored(raw: str, what: str, max_len: int) -> str:
    """A message's own words as the case stores them: through the text rule, one line; when
    the rule refuses them (a control character, too long), made safe with shown() and cut."""
    try:
        return clean_text(raw, what, max_len, collapse=True)
    except ValidationError:
        return shown(" ".join(raw.split()))[:max_len]


def _file_name(name: str, known: Mapping[str, breaches.KnownLearner] | None = None) -> str:
    """A mailbox file's name as the audit trail and the log keep it: masked, as the desk's
    mail client may name a saved message after its subject ("Ava Reed DOB 14-03-2008.eml"),
    and the trail is never rewritten."""
    return _stored(breaches.mask(_checked(name), known), "Source", _NAME_MAX)


def _checked(text: str) -> str:
    """The part of a text the breach checks read and a view shows (CHECKED_CHARS)."""
    return text[:CHECKED_CHARS]


def _attachment_name(
    filename: str,
    position: int,
    known: Mapping[str, breaches.KnownLearner] | None = None,
    passphrase: Passphrase | None = None,
) -> str:
    """An attachment's name as the case stores and says it: masked as a subject is (a name
    such as "Jane Smith DOB 03-08-2009.csv" is personal data; one holding the passphrase is
    a secret), through the text rule."""
    masked = breaches.mask(_checked(filename), known, passphrase=passphrase)
    return _stored(masked, "Attachment", _NAME_MAX) or f"attachment {position}"


def _named(
    attached: Sequence[_Attached],
    known: Mapping[str, breaches.KnownLearner],
    passphrase: Passphrase | None = None,
) -> list[_Attached]:
    """The attachments with their names masked for the register's learners (and the
    passphrase), once the case knows them."""
    return [
        dataclasses.replace(
            a, name=_attachment_name(a.attachment.filename, a.position, known, passphrase)
        )
        for a in attached
    ]


def _attachments(message: mail.ReceivedMessage) -> list[_Attached]:
    attached = []
    for position, attachment in enumerate(message.attachments, start=1):
        kind = archives.attachment_kind(attachment.filename, attachment.content)
        name = _attachment_name(attachment.filename, position)
        text = None
        if kind in PLAIN:
            try:
                text = sheets.text_of(attachment.filename, attachment.content)
                text = None if text is None else _checked(text)
            except HostileFile:
                text = None  # nothing readable in it: its kind still says it is plain
        attached.append(_Attached(position, name, kind, attachment, text))
    return attached


def _texts(message: mail.ReceivedMessage, attached: Sequence[_Attached]) -> list[tuple[str, str]]:
    texts = [("subject", _checked(message.subject)), ("body", _checked(message.body))]
    return texts + [(f"attachment {a.name}", a.text) for a in attached if a.text is not None]


def _ulns(texts: Sequence[tuple[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for _, text in texts:
        for uln in breaches.ulns_in(text):
            seen.setdefault(uln, None)
    return list(seen)


def _known(session: Session, ulns: Sequence[str]) -> dict[str, breaches.KnownLearner]:
    if not ulns:
        return {}
    learners = session.execute(select(Learner).where(Learner.uln.in_(list(ulns)))).scalars()
    known = {}
    for learner in learners:
        givens = [learner.given_name, learner.preferred_given_name or ""]
        givens += (learner.middle_other_name or "").split()
        families = [learner.family_name, learner.previous_family_name or ""]
        families.append(learner.family_name_at_16 or "")
        known[learner.uln] = breaches.KnownLearner(
            uln=learner.uln,
            given_names=tuple(dict.fromkeys(g for g in givens if g)),
            family_names=tuple(dict.fromkeys(f for f in families if f)),
            date_of_birth=learner.date_of_birth,
            postcode=learner.postcode,
        )
    return known


def _receipt_findings(
    message: mail.ReceivedMessage,
    attached: Sequence[_Attached],
    known: Mapping[str, breaches.KnownLearner],
    today: date,
) -> tuple[breaches.Finding, ...]:
    """§1.4's checks on receipt: the subject and the body (apart, and read together), every
    attachment."""
    subject, body = _checked(message.subject), _checked(message.body)
    found = list(breaches.scan_email(subject, body, known, today=today))
    for a in attached:
        found += breaches.attachment_findings(a.name, a.kind, a.text, known, today=today)
    return tuple(found)


def _add_findings(
    session: Session,
    case: IntakeCase,
    findings: Sequence[breaches.Finding],
    operator_id: int | None,
    now: datetime,
) -> int:
    """The findings the case does not hold yet (the same rule at the same place once);
    how many were new."""
    held = {
        (rule, location)
        for rule, location in session.execute(
            select(IntakeFinding.rule, IntakeFinding.location).where(
                IntakeFinding.case_id == case.id
            )
        )
    }
    added = 0
    for finding in findings:
        location = _stored(finding.location, "Location", _LOCATION_MAX)
        if (finding.rule, location) in held:
            continue
        held.add((finding.rule, location))
        session.add(
            IntakeFinding(
                case_id=case.id,
                rule=finding.rule,
                location=location,
                summary=finding.summary,
                found_at=now,
                operator_id=operator_id,
            )
        )
        added += 1
    return added


def _blank_words(session: Session, case: IntakeCase) -> None:
    """At disposal, what the case kept of the email's own words and the desk's about it:
    the subject, the sender's display name, the close's reason, each attachment's name (and
    so its findings' places) blanked; masking can miss a name, and nothing personal may
    outlive the message (DOMAIN.md: data no longer needed is disposed of). The sender's
    address, the counts, the findings' rules and kinds of data remain: the case's record."""
    case.subject = ""
    case.sender_name = None
    case.close_reason = None
    places: dict[str, str] = {}
    for row in session.execute(
        select(IntakeAttachment).where(IntakeAttachment.case_id == case.id)
    ).scalars():
        blank = f"attachment {row.position}"
        places[_place(row.filename)] = blank
        row.filename = blank
    for finding in session.execute(
        select(IntakeFinding).where(IntakeFinding.case_id == case.id)
    ).scalars():
        if finding.location.startswith("attachment "):
            finding.location = places.get(finding.location, "attachment")


def _place(attachment_name: str) -> str:
    """Where a finding in an attachment is, as the case stores it."""
    return _stored(f"attachment {attachment_name}", "Location", _LOCATION_MAX)


def _sender(session: Session, email: str) -> tuple[Organisation | None, PortalUser | None]:
    """The portal user whose email the sender's is (case ignored), and their organisation:
    a live account before a deleted one; several accounts of one organisation give the
    organisation alone; of several organisations, nobody (the operator sets it)."""
    users = list(
        session.execute(
            select(PortalUser)
            .where(func.lower(PortalUser.email) == email.strip().lower())
            .order_by(PortalUser.id)
        ).scalars()
    )
    live = [u for u in users if u.status is not AccountStatus.DELETED] or users
    organisations = {u.organisation_id for u in live}
    if len(organisations) != 1:
        return None, None
    organisation = session.get(Organisation, organisations.pop())
    return organisation, live[0] if len(live) == 1 else None


# --- the case's row ---------------------------------------------------------------------------


def _is_system(actor: Actor, task: SystemTask) -> bool:
    return actor.is_system and actor.username == Actor.system(task).username


def _parse_reference(reference: str) -> str:
    text = reference.strip().upper()
    if not _REFERENCE.fullmatch(text):
        raise ValidationError(
            "Reference", f"must look like IN-20261123-0001, not {quoted(reference.strip())}"
        )
    return text


def _case(session: Session, reference: str, *, for_update: bool = False) -> IntakeCase:
    query = select(IntakeCase).where(IntakeCase.reference == reference)
    if for_update:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no intake case has reference {reference}")
    return found


def _by_sha(session: Session, sha: str) -> IntakeCase | None:
    return session.execute(
        select(IntakeCase).where(IntakeCase.message_sha256 == sha)
    ).scalar_one_or_none()


def _already(case: IntakeCase) -> AlreadyReceived:
    return _already_named((case.reference, case.received_at))


def _already_named(found: tuple[str, datetime]) -> AlreadyReceived:
    reference, received_at = found
    return AlreadyReceived(
        f"this message was received already, on {desk_time(received_at)}: it is case {reference}",
        reference,
    )


def _next_reference(session: Session, day: date) -> str:
    """IN-<yyyymmdd>-<nnnn>, numbered per desk day (London) from 0001."""
    prefix = f"IN-{day:%Y%m%d}-"
    taken = session.execute(
        select(IntakeCase.reference).where(IntakeCase.reference.like(f"{prefix}%"))
    ).scalars()
    return f"{prefix}{max((int(r.rsplit('-', 1)[1]) for r in taken), default=0) + 1:04d}"


def _touch(case: IntakeCase, now: datetime) -> None:
    case.updated_at = now
    case.row_version = (case.row_version or 0) + 1


def _operator_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Operator.id, Operator.username).where(Operator.id.in_(wanted)))
    return {row.id: row.username for row in rows}


def _status_words(session: Session, case: IntakeCase) -> str:
    """Where the case stands, as a refusal says it."""
    ref = case.reference
    status = case.status
    if status is IntakeStatus.NEW:
        return f"{ref} holds no encrypted file to open: read its findings, then close it"
    if status is IntakeStatus.AWAITING_PASSPHRASE:
        return f"{ref} waits for the passphrase: open it first"
    if status is IntakeStatus.NEW_FILE_NEEDED:
        return (
            f"{ref} asks the sender for a new file after {case.passphrase_tries} wrong"
            " passphrases: the new file comes as a new email (a new case); close this one"
        )
    names = _operator_names(session, {case.opened_by_operator_id, case.closed_by_operator_id})
    if status is IntakeStatus.OPEN:
        who = names.get(case.opened_by_operator_id or 0, "the desk")
        when = f" on {desk_time(case.opened_at)}" if case.opened_at else ""
        return f"{ref} was opened by {who}{when}: read its rows"
    if status is IntakeStatus.CLOSED:
        who = names.get(case.closed_by_operator_id or 0, "the desk")
        when = f" on {desk_time(case.closed_at)}" if case.closed_at else ""
        return f"{ref} was closed by {who}{when}: what was decrypted from it is deleted"
    when = f" on {desk_time(case.disposed_at)}" if case.disposed_at else ""
    return f"{ref} was disposed of{when}: nothing of its message or data remains"


def _refuse_unless(
    session: Session, case: IntakeCase, allowed: IntakeStatus, *, meanwhile: bool = False
) -> None:
    if case.status is allowed:
        return
    words = _status_words(session, case)
    if meanwhile:
        raise StaleIntake(f"meanwhile, {words}; nothing of yours was saved")
    raise ValidationError("Status", words)


def _refuse_stale(session: Session, case: IntakeCase, expected_version: int | None) -> None:
    if expected_version is None or case.row_version == expected_version:
        return
    tries = (
        f", {case.passphrase_tries} wrong passphrase{'s' if case.passphrase_tries != 1 else ''}"
        if case.passphrase_tries
        else ""
    )
    raise StaleIntake(
        f"{case.reference} changed after you opened it; nothing was saved. It is now"
        f" {case.status}{tries}. Reload it and try again."
    )


def _rows(session: Session, cases: Sequence[IntakeCase]) -> list[IntakeRow]:
    if not cases:
        return []
    ids = [c.id for c in cases]
    organisations = {
        o.id: f"{o.ukprn} {o.name}"
        for o in session.execute(
            select(Organisation).where(
                Organisation.id.in_({c.organisation_id for c in cases if c.organisation_id})
            )
        ).scalars()
    }
    breached = set(
        session.execute(
            select(IntakeFinding.case_id).where(IntakeFinding.case_id.in_(ids)).distinct()
        ).scalars()
    )
    attachments: dict[int, int] = {
        case_id: count
        for case_id, count in session.execute(
            select(IntakeAttachment.case_id, func.count())
            .where(IntakeAttachment.case_id.in_(ids))
            .group_by(IntakeAttachment.case_id)
        )
    }
    return [
        IntakeRow(
            reference=c.reference,
            status=c.status,
            received_at=c.received_at,
            sender_email=c.sender_email,
            organisation=organisations.get(c.organisation_id or 0),
            subject=c.subject,
            breach=c.id in breached,
            attachments=attachments.get(c.id, 0),
            row_count=c.row_count,
            row_version=c.row_version,
        )
        for c in cases
    ]


def _intake_rows(
    ref: str, data: Mapping[str, Any], results: tuple[RowResult, ...], version: int
) -> IntakeRows:
    return IntakeRows(
        reference=ref,
        source=str(data["source"]),
        header=tuple(data["header"]),
        mapping={int(k): str(v) for k, v in data["mapping"].items()},
        rows=results,
        row_version=version,
    )
