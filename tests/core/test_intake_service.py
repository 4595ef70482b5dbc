"""The encrypted-passphrase intake as a case (issue 13, items 1-7; User Guide §1.4; DOMAIN.md
"Security and the encrypted intake"): an email received (scanned from the mailbox or added by
hand) → the §1.4 breach checks before anyone opens anything → the passphrase phoned in (wrong
ones counted, then a new file asked for) → decrypted in memory, every row matched → the
operator's mapping → the export for the sender (an AES zip with a new passphrase) → closed
(the decrypted data deleted) → purged on the clock. Every step audited, refusals too."""

from __future__ import annotations

import functools
import io
import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import factories
import pytest
import pyzipper
from factories import (
    INTAKE_PASSPHRASE,
    INTAKE_SENDER,
    aes_zip,
    audit_log,
    intake_email,
    learner,
    learners_csv,
    organisation,
    portal_user,
)
from sqlalchemy import select

from lrs_core.actor import Actor
from lrs_core.db.models import BreachIncident, IntakeAttachment, IntakeCase, IntakeFinding
from lrs_core.domain.kinds import AttachmentKind, BreachRule, IntakeStatus
from lrs_core.domain.values import permuted_uln
from lrs_core.errors import NotFound, PermissionDenied, ValidationError
from lrs_core.files import FileRefused
from lrs_core.intake.archives import HostileFile
from lrs_core.intake.passphrase import Passphrase
from lrs_core.intake.samples import NAMES, Sample, samples
from lrs_core.services import Services
from lrs_core.services import intake as intake_service
from lrs_core.services.audit import AuditEntry
from lrs_core.services.intake import (
    AlreadyReceived,
    NewFileNeeded,
    StaleIntake,
    WrongPassphraseTries,
)

if TYPE_CHECKING:
    # The tests' clock fixture's type (tests/conftest.py); imported for the annotations
    # only: as a module, `conftest` is ambiguous when the whole suite is collected.
    from conftest import FixedClock

UKPRN = "10012345"
AVA = "1000000043"  # Ava Reed, 14 Mar 2008, SW1A 1AA
UNKNOWN = "5595248156"  # a valid ULN nobody holds
JOSEPH = permuted_uln(301) or ""  # Joseph Czaja, found by his personal details
DAY = "IN-20261123"  # the tests' clock: Mon 23 Nov 2026
HEADER = ("ULN", "Forename", "Surname", "DOB", "Gender", "Post Code")
ROWS = [
    (AVA, "Ava", "Reed", "14/03/2008", "2", "SW1A 1AA"),  # row 2: exact by ULN
    ("", "Joseph", "Czaja", "15/10/2005", "1", "M14 4GT"),  # row 3: exact by details
    ("1000000063", "Bad", "Check", "01/01/2008", "1", "SW1A 1AA"),  # row 4: invalid ULN
    (UNKNOWN, "Zed", "Quill", "02/02/2008", "1", "TR1 1AA"),  # row 5: no such ULN
]


@pytest.fixture
def desk(services: Services) -> Services:
    with services.db.transaction() as session:
        org = organisation(session, UKPRN)
        portal_user(session, org, "sam.okafor", email=INTAKE_SENDER)
        session.add(learner(AVA, "Ava", "Reed", date_of_birth=date(2008, 3, 14)))
        session.add(
            learner(JOSEPH, "Joseph", "Czaja", date_of_birth=date(2005, 10, 15), gender=1,
                    postcode="M14 4GT")
        )  # fmt: skip
    return services


@pytest.fixture
def analyst(desk: Services) -> Actor:
    return factories.analyst(desk)


def encrypted_email(passphrase: str = INTAKE_PASSPHRASE, *, body: str | None = None) -> bytes:
    archive = aes_zip({"learners.csv": learners_csv(ROWS, HEADER)}, passphrase)
    extra = {"body": body} if body is not None else {}
    return intake_email(attachments=(("learners.zip", archive),), **extra)


def stored(services: Services, reference: str) -> IntakeCase:
    with services.db.transaction(read_only=True) as session:
        return session.execute(
            select(IntakeCase).where(IntakeCase.reference == reference)
        ).scalar_one()


def events(services: Services, action: str, **filters: Any) -> list[AuditEntry]:
    return audit_log(services, actions=[action], limit=10_000, **filters)


# --- receiving (item 1) -------------------------------------------------------------------------


def test_an_email_becomes_a_case_with_its_sender_and_attachments(
    desk: Services, analyst: Actor
) -> None:
    raw = encrypted_email()
    view = desk.intake.receive(analyst, raw)
    row = view.row
    assert row.reference == f"{DAY}-0001"
    assert row.status is IntakeStatus.AWAITING_PASSPHRASE
    assert (row.sender_email, row.organisation) == (INTAKE_SENDER, f"{UKPRN} Northgate College")
    assert view.portal_user == "sam.okafor" and view.sender_set_by is None  # matched by email
    assert (row.subject, row.breach, row.attachments) == ("Learners for matching", False, 1)
    (attachment,) = view.attachments
    assert (attachment.position, attachment.filename) == (1, "learners.zip")
    assert attachment.kind is AttachmentKind.AES_ZIP
    assert view.findings == () and view.incident is None
    assert view.tries_left == 3 and view.passphrase_tries == 0
    # The message is kept only sealed under the intake key.
    case = stored(desk, row.reference)
    assert case.message_sealed is not None and raw not in case.message_sealed
    assert case.opened_sealed is None
    # Audited with the facts, no personal data.
    (entry,) = events(desk, "intake-receive")
    assert entry.subject_id == row.reference and entry.actor == analyst.username
    assert entry.detail["sender"] == INTAKE_SENDER and entry.detail["attachments"] == 1
    assert entry.detail["findings"] == []


def test_references_are_numbered_per_desk_day(
    desk: Services, analyst: Actor, clock: FixedClock
) -> None:
    first = desk.intake.receive(analyst, encrypted_email()).row.reference
    second = desk.intake.receive(analyst, encrypted_email()).row.reference
    clock.now += timedelta(days=1)
    third = desk.intake.receive(analyst, encrypted_email()).row.reference
    assert (first, second, third) == (f"{DAY}-0001", f"{DAY}-0002", "IN-20261124-0001")


def test_the_same_message_again_is_refused_naming_its_case(desk: Services, analyst: Actor) -> None:
    raw = encrypted_email()
    reference = desk.intake.receive(analyst, raw).row.reference
    with pytest.raises(AlreadyReceived, match=reference) as refused:
        desk.intake.receive(analyst, raw)
    assert refused.value.reference == reference
    assert [e.outcome for e in events(desk, "intake-receive")] == ["failed", "ok"]


def test_a_sender_the_directory_does_not_know_is_left_for_the_operator_to_set(
    desk: Services, analyst: Actor
) -> None:
    raw = intake_email(sender=None, attachments=(("learners.zip", aes_zip({"a.csv": b"x"})),))
    view = desk.intake.receive(analyst, raw, sender_email="Someone@Elsewhere.example.org")
    assert view.row.sender_email == "someone@elsewhere.example.org"
    assert view.row.organisation is None and view.portal_user is None
    reference = view.row.reference
    by_user = desk.intake.set_sender(
        analyst, reference, username="SAM.OKAFOR", expected_version=view.row.row_version
    )
    assert (by_user.portal_user, by_user.sender_set_by) == ("sam.okafor", analyst.username)
    assert by_user.row.organisation == f"{UKPRN} Northgate College"
    by_org = desk.intake.set_sender(analyst, reference, ukprn=UKPRN)
    assert by_org.portal_user is None and by_org.row.organisation == f"{UKPRN} Northgate College"
    with pytest.raises(StaleIntake):
        desk.intake.set_sender(
            analyst, reference, ukprn=UKPRN, expected_version=view.row.row_version
        )
    with pytest.raises(ValidationError, match="username or the organisation's UKPRN"):
        desk.intake.set_sender(analyst, reference, ukprn=UKPRN, username="sam.okafor")
    with pytest.raises(NotFound, match="no portal user"):
        desk.intake.set_sender(analyst, reference, username="nobody.here")
    assert len(events(desk, "intake-set-sender")) == 5  # three refusals audited too


def test_a_plain_email_is_a_new_case_with_nothing_to_open(desk: Services, analyst: Actor) -> None:
    view = desk.intake.receive(analyst, intake_email(body="Can you call me back, please?"))
    assert view.row.status is IntakeStatus.NEW and view.attachments == ()
    with pytest.raises(ValidationError, match="no encrypted file to open"):
        desk.intake.open(analyst, view.row.reference, Passphrase(INTAKE_PASSPHRASE))


# --- breach checks on receipt (item 2, §1.4) --------------------------------------------------


def test_a_uln_with_its_learners_date_of_birth_in_the_body_is_a_breach_found_on_receipt(
    desk: Services, analyst: Actor
) -> None:
    body = f"Hello, please check learner {AVA}, born 14/03/2008. Thanks, Sam"
    view = desk.intake.receive(analyst, intake_email(subject=f"Query about {AVA}", body=body))
    rules = {f.rule for f in view.findings}
    assert BreachRule.ULN_WITH_DEMOGRAPHIC in rules
    finding = next(f for f in view.findings if f.rule is BreachRule.ULN_WITH_DEMOGRAPHIC)
    assert finding.wording.startswith("A ULN with any of the five demographics")  # §1.4
    assert finding.found_by is None  # the checks on receipt
    assert view.row.breach and view.incident is not None and view.incident.startswith("BR-")
    # Shown masked, never in clear: the queue's subject and the case's body.
    assert AVA not in view.row.subject and "[ULN]" in view.row.subject
    assert AVA not in view.body and "14/03/2008" not in view.body
    assert stored(desk, view.row.reference).subject == view.row.subject
    # The register's own learner was looked at for the check: in Ava's history.
    (look,) = events(desk, "intake-breach-check", subject_type="learner", subject_id=AVA)
    assert look.detail == {"case": view.row.reference}
    (receipt,) = events(desk, "intake-receive")
    assert receipt.detail["findings"] == sorted({str(r) for r in rules})
    assert AVA not in json.dumps(receipt.detail)


def test_an_unencrypted_spreadsheet_of_learners_is_a_breach(desk: Services, analyst: Actor) -> None:
    csv = learners_csv(ROWS, HEADER)
    view = desk.intake.receive(analyst, intake_email(attachments=(("learners.csv", csv),)))
    assert view.row.status is IntakeStatus.NEW  # nothing encrypted to open
    assert view.attachments[0].kind is AttachmentKind.PLAIN_FILE
    found = {(f.rule, f.location) for f in view.findings}
    assert (BreachRule.UNENCRYPTED_ATTACHMENT, "attachment learners.csv") in found
    assert view.incident is not None


def intake_rows_as_text(services: Services) -> str:
    """Every column of every intake case, attachment and finding, and every audit detail."""
    parts: list[str] = []
    with services.db.transaction(read_only=True) as session:
        for model in (IntakeCase, IntakeAttachment, IntakeFinding):
            for row in session.execute(select(model.__table__)):
                parts.extend(f"{k}={v!r}" for k, v in row._mapping.items())
    parts += [json.dumps(e.detail) for e in audit_log(services, limit=10_000)]
    return "\n".join(parts)


def test_attachment_names_and_the_senders_name_are_masked_as_the_subject_is(
    desk: Services, analyst: Actor
) -> None:
    """A file's name is the sender's words: "Ava Reed DOB 14-03-2008.csv" is a learner's
    personal data, kept in clear in the case's table, its findings' places and the screens.
    Names are masked as the subject is: the generic patterns, and the register's own learner
    for a ULN in the email (§1.4); the sender's display name too."""
    raw = intake_email(
        body=f"About learner {AVA}: see the list attached.",
        attachments=(
            ("Ava Reed DOB 14-03-2008.csv", learners_csv(ROWS, HEADER)),
            (f"ULN {UNKNOWN} notes.txt", b"Nothing personal here."),
        ),
    ).replace(b"From: Sam Okafor <", b"From: Reed 14/03/2008 <")
    view = desk.intake.receive(analyst, raw)
    names = [a.filename for a in view.attachments]
    assert names == ["[name] [name] DOB [date].csv", "ULN [ULN] notes.txt"]
    assert view.sender_name == "[name] [date]"
    assert (
        BreachRule.UNENCRYPTED_ATTACHMENT,
        "attachment [name] [name] DOB [date].csv",
    ) in {(f.rule, f.location) for f in view.findings}
    kept = intake_rows_as_text(desk)
    for personal in ("Ava", "Reed", "14-03-2008", "14/03/2008", UNKNOWN):
        assert personal not in kept
    assert desk.intake.show(analyst, view.row.reference).attachments == view.attachments


def test_a_later_look_masks_the_body_as_the_receipt_did(desk: Services, analyst: Actor) -> None:
    """The body is shown masked with the register's learners for the ULNs in the email: on
    receipt, those of every text; a later look read only the subject's and the body's, so a
    name masked on receipt (the ULN in a plain attachment) was shown in clear after."""
    raw = intake_email(
        body="Hi, Ava Reed's record is attached.",
        attachments=(("learners.csv", learners_csv(ROWS, HEADER)),),
    )
    view = desk.intake.receive(analyst, raw)
    assert view.body == "Hi, [name] [name] record is attached."
    assert desk.intake.show(analyst, view.row.reference).body == view.body


def test_the_checks_read_a_long_body_to_a_bound_and_the_view_says_what_is_left(
    desk: Services, analyst: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§1.4's checks run on receipt, holding the day's next reference while they read: a
    hostile body of many megabytes would hold every other receipt for minutes. They read the
    first CHECKED_CHARS characters of each text, the view shows that much masked, and says
    how much more the body holds (never shown, so never shown in clear)."""
    monkeypatch.setattr(intake_service, "CHECKED_CHARS", 400)
    body = (
        f"Please check learner {AVA}, born 14/03/2008. "
        + "The rest of this email is a long thread. " * 20
        + f"Also ULN {UNKNOWN}, DOB 02/02/2008."
    )
    view = desk.intake.receive(analyst, intake_email(body=body))
    assert [f.location for f in view.findings] == ["body"]
    assert "[ULN]" in view.body and UNKNOWN not in view.body and "02/02/2008" not in view.body
    more = len(body) - 400
    assert view.body.endswith(
        f"[{more:,} more characters of the body are not shown: only the first 400 are checked"
        " for breaches and shown]"
    )
    assert desk.intake.show(analyst, view.row.reference).body == view.body


def test_queue_filters_by_status_and_breach(desk: Services, analyst: Actor) -> None:
    waiting = desk.intake.receive(analyst, encrypted_email()).row.reference
    breach = desk.intake.receive(
        analyst, intake_email(body=f"ULN {AVA} date of birth 14/03/2008")
    ).row.reference
    everything = desk.intake.queue(analyst)
    assert [r.reference for r in everything] == [breach, waiting]  # newest first
    assert [r.reference for r in desk.intake.queue(analyst, breach=True)] == [breach]
    assert [r.reference for r in desk.intake.queue(analyst, breach=False)] == [waiting]
    awaiting = desk.intake.queue(analyst, IntakeStatus.AWAITING_PASSPHRASE)
    assert [r.reference for r in awaiting] == [waiting]


# --- the passphrase and opening (items 3-5) -----------------------------------------------------


def test_a_wrong_passphrase_is_counted_and_after_the_last_try_a_new_file_is_asked_for(
    desk: Services, analyst: Actor
) -> None:
    reference = desk.intake.receive(analyst, encrypted_email()).row.reference
    wrong = Passphrase("Not-The-Right-One-99!")
    with pytest.raises(WrongPassphraseTries, match=r"does not open learners\.zip: 2 tries left"):
        desk.intake.open(analyst, reference, wrong)
    with pytest.raises(WrongPassphraseTries, match="1 try left") as refused:
        desk.intake.open(analyst, reference, wrong)
    assert refused.value.tries_left == 1
    assert stored(desk, reference).passphrase_tries == 2  # each refusal kept
    with pytest.raises(NewFileNeeded, match="asks the sender for a new file"):
        desk.intake.open(analyst, reference, wrong)
    case = stored(desk, reference)
    assert (case.status, case.passphrase_tries) == (IntakeStatus.NEW_FILE_NEEDED, 3)
    # Even the right one is refused now: the sender sends a new file.
    with pytest.raises(ValidationError, match="new file"):
        desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    tries = events(desk, "intake-open")
    assert [e.detail.get("tries_left") for e in tries if "tries_left" in e.detail] == [0, 1, 2]
    assert len(tries) == 4


def test_the_right_passphrase_opens_the_file_and_every_row_is_matched(
    desk: Services, analyst: Actor
) -> None:
    reference = desk.intake.receive(analyst, encrypted_email()).row.reference
    heard: list[tuple[int, int, str]] = []
    opened = desk.intake.open(
        analyst,
        reference,
        Passphrase(INTAKE_PASSPHRASE),
        progress=lambda *step: heard.append(step),
    )
    assert opened.view.row.status is IntakeStatus.OPEN
    assert opened.guidance_met and opened.advice == ()
    assert opened.view.passphrase_guidance_met is True
    assert opened.view.opened_by == analyst.username
    rows = opened.rows
    assert rows.source.startswith("learners.zip") and "learners.csv" in rows.source
    assert rows.header == HEADER
    assert set(rows.mapping.values()) >= {"uln", "given_name", "family_name", "date_of_birth"}
    outcomes = {r.number: (r.outcome, r.uln) for r in rows.rows}
    assert outcomes == {
        2: ("WSRC0004", AVA),
        3: ("WSRC0004", JOSEPH),
        4: ("INVALID", None),
        5: ("WSRC0001", None),
    }
    assert dict(rows.rows[2].errors).keys() == {"ULN"}
    assert opened.view.outcome_counts == {"INVALID": 1, "WSRC0001": 1, "WSRC0004": 2}
    assert [h[:2] for h in heard if h[1]] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # Kept sealed, counts only in the clear.
    case = stored(desk, reference)
    assert case.opened_sealed is not None and b"Reed" not in case.opened_sealed
    assert (case.row_count, case.outcome_counts) == (4, opened.view.outcome_counts)
    # Each learner shown is a look in their history, naming the case and the row.
    (look,) = events(desk, "intake-match", subject_type="learner", subject_id=AVA)
    assert look.detail == {"case": reference, "rows": [2]}
    assert events(desk, "intake-match", subject_type="learner", subject_id=JOSEPH)
    (opening,) = [e for e in events(desk, "intake-open") if e.outcome == "ok"]
    assert opening.detail["rows"] == 4 and opening.detail["guidance_met"] is True


def test_a_passphrase_short_of_the_guidance_still_opens_with_advice(
    desk: Services, analyst: Actor
) -> None:
    # Data Encryption and Passphrase Guidance: 15+ characters, letters, digits and symbols.
    short = "lantern"
    reference = desk.intake.receive(analyst, encrypted_email(short)).row.reference
    opened = desk.intake.open(analyst, reference, Passphrase(short))
    assert not opened.guidance_met and opened.advice
    assert stored(desk, reference).passphrase_guidance_met is False


def test_the_passphrase_in_the_same_email_is_a_breach_found_when_it_is_typed(
    desk: Services, analyst: Actor
) -> None:
    # §1.4: "the password in the same email as the encrypted file".
    body = f"Learners attached. Password: {INTAKE_PASSPHRASE}"
    reference = desk.intake.receive(analyst, encrypted_email(body=body)).row.reference
    opened = desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    found = [f for f in opened.view.findings if f.rule is BreachRule.PASSPHRASE_IN_EMAIL]
    assert [(f.location, f.found_by) for f in found] == [("body", analyst.username)]
    assert opened.view.incident is not None
    assert INTAKE_PASSPHRASE not in opened.view.body  # masked in the view just opened
    with desk.db.transaction(read_only=True) as session:
        summaries = session.execute(select(IntakeFinding.summary)).scalars().all()
    assert all(INTAKE_PASSPHRASE not in s for s in summaries)


def test_a_hostile_file_is_refused_clearly_and_the_case_left_as_it_was(
    desk: Services, analyst: Actor
) -> None:
    archive = aes_zip({"../../etc/learners.csv": learners_csv(ROWS, HEADER)})
    raw = intake_email(attachments=(("learners.zip", archive),))
    reference = desk.intake.receive(analyst, raw).row.reference
    with pytest.raises(HostileFile) as refused:
        desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    assert "learners.zip" in str(refused.value) or "etc" in str(refused.value)
    case = stored(desk, reference)
    assert (case.status, case.passphrase_tries) == (IntakeStatus.AWAITING_PASSPHRASE, 0)
    (entry,) = [e for e in events(desk, "intake-open") if e.outcome == "failed"]
    assert entry.detail["rule"] == str(refused.value.outcome)


def test_a_file_with_no_spreadsheet_is_refused_but_the_passphrase_in_the_email_still_counts(
    desk: Services, analyst: Actor
) -> None:
    archive = aes_zip({"notes.txt": b"Nothing to match here."})
    body = f"Notes attached; the passphrase is {INTAKE_PASSPHRASE}"
    raw = intake_email(body=body, attachments=(("notes.zip", archive),))
    reference = desk.intake.receive(analyst, raw).row.reference
    for _ in range(2):  # tried twice: the breach is recorded once
        with pytest.raises(HostileFile, match="no spreadsheet") as refused:
            desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
        assert str(refused.value.outcome) == "unsupported"
    view = desk.intake.show(analyst, reference)
    assert view.row.status is IntakeStatus.AWAITING_PASSPHRASE
    assert [f.rule for f in view.findings] == [BreachRule.PASSPHRASE_IN_EMAIL]
    assert view.incident is not None


def test_a_stale_screen_is_refused(desk: Services, analyst: Actor) -> None:
    view = desk.intake.receive(analyst, encrypted_email())
    reference, version = view.row.reference, view.row.row_version
    desk.intake.set_sender(analyst, reference, ukprn=UKPRN)
    with pytest.raises(StaleIntake, match="changed after you opened it"):
        desk.intake.open(
            analyst, reference, Passphrase(INTAKE_PASSPHRASE), expected_version=version
        )
    with pytest.raises(StaleIntake):
        desk.intake.close(analyst, reference, "Sent in error.", expected_version=version)


@functools.cache
def issue_samples() -> dict[str, Sample]:
    return {sample.name: sample for sample in samples()}


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_email_is_received_checked_and_opened_as_issue_13_describes(
    desk: Services, analyst: Actor, name: str
) -> None:
    # Issue 13 item 9's seven emails, made by the code: what §1.4's checks find on receipt,
    # what they find once the passphrase is typed, and what opening gives.
    sample = issue_samples()[name]
    view = desk.intake.receive(analyst, sample.raw)
    assert {str(f.rule) for f in view.findings} == set(sample.found_at_receipt), sample.note
    waiting = IntakeStatus.AWAITING_PASSPHRASE if sample.passphrase else IntakeStatus.NEW
    assert view.row.status is waiting
    assert (view.incident is not None) == bool(sample.found_at_receipt)
    if sample.passphrase is None:
        return
    reference = view.row.reference
    if sample.hostile is not None:
        with pytest.raises(HostileFile) as refused:
            desk.intake.open(analyst, reference, sample.passphrase)
        assert refused.value.outcome == sample.hostile
        assert stored(desk, reference).status is IntakeStatus.AWAITING_PASSPHRASE
        return
    opened = desk.intake.open(analyst, reference, sample.passphrase)
    assert {str(f.rule) for f in opened.view.findings} == set(sample.expected_rules)
    assert (opened.view.incident is not None) == bool(sample.expected_rules)
    assert opened.guidance_met == (name != "zipcrypto-zip")  # its passphrase falls short
    # The LRS batch's headers and the usual variants alike: every row read and matched.
    assert len(opened.rows.rows) == 6
    assert all(r.outcome != "INVALID" for r in opened.rows.rows), opened.rows.rows


# --- rows, mapping, export (item 5) ----------------------------------------------------------


@pytest.fixture
def opened(desk: Services, analyst: Actor) -> str:
    reference = desk.intake.receive(analyst, encrypted_email()).row.reference
    desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    return reference


def test_the_rows_are_read_again_as_an_audited_look(
    desk: Services, analyst: Actor, opened: str
) -> None:
    rows = desk.intake.rows(analyst, opened)
    assert [r.outcome for r in rows.rows] == ["WSRC0004", "WSRC0004", "INVALID", "WSRC0001"]
    assert "Ava" not in repr(rows)  # the rows stay out of a repr
    (look,) = events(desk, "intake-rows", subject_type="learner", subject_id=AVA)
    assert look.detail == {"case": opened, "rows": [2]}


def test_the_operators_mapping_validates_and_matches_every_row_again(
    desk: Services, analyst: Actor, opened: str
) -> None:
    before = desk.intake.rows(analyst, opened)
    # Forename and Surname swapped by the operator: nobody agrees any more.
    swapped = dict(before.mapping)
    given = next(i for i, f in swapped.items() if f == "given_name")
    family = next(i for i, f in swapped.items() if f == "family_name")
    swapped[given], swapped[family] = "family_name", "given_name"
    after = desk.intake.remap(analyst, opened, swapped, expected_version=before.row_version)
    assert after.rows[0].outcome == "WSRC0003"  # the ULN found, its names differ
    assert after.row_version > before.row_version
    with pytest.raises(StaleIntake):
        desk.intake.remap(analyst, opened, before.mapping, expected_version=before.row_version)
    with pytest.raises(ValidationError):
        desk.intake.remap(analyst, opened, {99: "uln"})
    again = desk.intake.match(analyst, opened)
    assert [r.outcome for r in again.rows] == [r.outcome for r in after.rows]
    (remap,) = [e for e in events(desk, "intake-remap") if e.outcome == "ok"]
    assert remap.detail["mapping"][str(given)] == "family_name"


def test_the_export_is_an_aes_zip_for_the_sender_with_a_new_passphrase(
    desk: Services, analyst: Actor, opened: str, tmp_path: Path
) -> None:
    target = tmp_path / "results.zip"
    export = desk.intake.export(analyst, opened, target)
    assert export.path == target and export.rows == 4
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert export.passphrase.reveal() not in repr(export)
    content = target.read_bytes()
    assert b"Reed" not in content  # never in clear
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        (info,) = archive.infolist()
        assert info.filename == f"{opened}-results.csv"
        with pytest.raises(RuntimeError):
            archive.read(info.filename)  # no passphrase, no data
        archive.setpassword(export.passphrase.reveal().encode())
        text = archive.read(info.filename).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Row,ULN,Given name,Family name")
    assert lines[0].endswith("Outcome code,Outcome,Matched ULN,Possible matches,Errors")
    assert lines[1].startswith(f"2,{AVA},Ava,Reed,14/03/2008") and "WSRC0004" in lines[1]
    assert lines[3].startswith("4,1000000063") and "INVALID" in lines[3] and "ULN:" in lines[3]
    assert f",{UNKNOWN}," in lines[4] and ",WSRC0001," in lines[4]
    # Never over an existing file; the passphrase in no audit detail.
    with pytest.raises(FileRefused, match="already exists"):
        desk.intake.export(analyst, opened, target)
    entries = events(desk, "intake-export")
    assert all(export.passphrase.reveal() not in json.dumps(e.detail) for e in entries)
    assert any(e.subject_id == AVA for e in entries)  # the ULN sent back: in Ava's history


def test_an_export_racing_a_close_is_refused_and_leaves_no_file(
    desk: Services, analyst: Actor, opened: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export reads the decrypted rows, writes the file, then audits what it sends back.
    A close in between (another analyst: the rows are deleted, the case is done) left an
    export of rows the desk had disposed of, audited as sent; and a failure to audit left a
    file on disk that no audit shows. The export is audited under the case's lock, the case
    still open, or refused, and then its file is deleted."""
    target = tmp_path / "results.zip"
    other = factories.analyst(desk, "bo.lyst", "Bo-Lyst-2026")
    write = intake_service._write_new_private_file

    def written_then_closed(path: Path, content: bytes) -> None:
        write(path, content)
        desk.intake.close(other, opened, "The sender withdrew the file.")

    monkeypatch.setattr(intake_service, "_write_new_private_file", written_then_closed)
    with pytest.raises(StaleIntake, match=r"was closed by bo\.lyst"):
        desk.intake.export(analyst, opened, target)
    assert not target.exists()
    assert [e.outcome for e in events(desk, "intake-export")] == ["failed"]


def test_csv_cells_that_look_like_formulas_are_sent_as_text(
    desk: Services, analyst: Actor, tmp_path: Path
) -> None:
    rows = [(AVA, "=HYPERLINK(1)", "Reed", "14/03/2008", "2", "SW1A 1AA")]
    archive = aes_zip({"learners.csv": learners_csv(rows, HEADER)})
    reference = desk.intake.receive(
        analyst, intake_email(attachments=(("learners.zip", archive),))
    ).row.reference
    desk.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    export = desk.intake.export(analyst, reference, tmp_path / "out.zip")
    with pyzipper.AESZipFile(export.path) as archive_read:
        archive_read.setpassword(export.passphrase.reveal().encode())
        text = archive_read.read(f"{reference}-results.csv").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


# --- closing and disposal (item 6) --------------------------------------------------------------


def test_closing_deletes_the_decrypted_data_and_purge_disposes_on_the_clock(
    desk: Services, analyst: Actor, opened: str, clock: FixedClock
) -> None:
    closed = desk.intake.close(analyst, opened, "Results phoned back to the provider.")
    assert closed.row.status is IntakeStatus.CLOSED and closed.closed_by == analyst.username
    assert closed.dispose_after == clock.now + timedelta(days=30)  # [intake] retention_days
    case = stored(desk, opened)
    assert case.opened_sealed is None and case.message_sealed is not None
    with pytest.raises(ValidationError, match="closed"):
        desk.intake.rows(analyst, opened)
    with pytest.raises(ValidationError, match="closed"):
        desk.intake.close(analyst, opened, "Again.")
    (closing,) = [e for e in events(desk, "intake-close") if e.outcome == "ok"]
    assert closing.detail["decrypted_bytes_deleted"] > 0

    cron = Actor.system("intake-purge")
    clock.now += timedelta(days=29)
    assert desk.intake.purge(cron).purged == ()  # not yet due
    clock.now += timedelta(days=1)
    size = len(case.message_sealed or b"")
    result = desk.intake.purge(cron)
    assert result.purged == (opened,) and result.bytes_deleted == size
    case = stored(desk, opened)
    assert (case.status, case.message_sealed, case.opened_sealed) == (
        IntakeStatus.DISPOSED,
        None,
        None,
    )
    assert case.disposed_at == clock.now
    (purge,) = events(desk, "intake-purge")
    assert (purge.actor, purge.subject_id, purge.detail) == (
        "system:intake-purge",
        opened,
        {"bytes_deleted": size},
    )
    assert desk.intake.purge(cron).purged == ()  # nothing left to dispose of
    shown = desk.intake.show(analyst, opened)
    assert shown.row.status is IntakeStatus.DISPOSED and shown.body == ""


def test_purge_leaves_nothing_personal_in_any_column_of_the_case(
    desk: Services, analyst: Actor, clock: FixedClock
) -> None:
    """DOMAIN.md: personal data no longer needed is disposed of. Masking finds no name
    without a label or a ULN beside it, so the subject, an attachment's name (and its
    findings' places), the sender's display name and the close's reason kept a learner's
    name after the purge. They are blanked; the case's record (the sender's address, the
    findings' rules and kinds of data, the counts) remains."""
    raw = intake_email(
        subject="Query about Jane Quill in year 11",
        body="Name: Jane Quill, DOB 02/02/2008, postcode TR1 1AA.",
        attachments=(("Jane Quill history.csv", learners_csv(ROWS, HEADER)),),
    ).replace(b"From: Sam Okafor <", b"From: Sam Okafor for Jane Quill <")
    reference = desk.intake.receive(analyst, raw).row.reference
    desk.intake.close(analyst, reference, "Jane Quill's mother will call back.")
    kept = intake_rows_as_text(desk)
    assert "Quill" in kept  # what masking could not find, until the purge
    clock.now += timedelta(days=30)
    assert desk.intake.purge(Actor.system("intake-purge")).purged == (reference,)
    kept = intake_rows_as_text(desk)
    for personal in ("Jane", "Quill", "02/02/2008", "TR1 1AA"):
        assert personal not in kept
    view = desk.intake.show(analyst, reference)
    assert (view.row.subject, view.sender_name, view.close_reason, view.body) == (
        "",
        None,
        None,
        "",
    )
    assert [a.filename for a in view.attachments] == ["attachment 1"]
    assert {(f.rule, f.location) for f in view.findings} == {
        (BreachRule.DEMOGRAPHICS, "body"),
        (BreachRule.UNENCRYPTED_ATTACHMENT, "attachment 1"),
        (BreachRule.ULN_WITH_DEMOGRAPHIC, "attachment 1"),
    }
    assert view.row.sender_email == INTAKE_SENDER and view.row.breach


def test_a_case_can_be_closed_unopened(desk: Services, analyst: Actor) -> None:
    reference = desk.intake.receive(analyst, encrypted_email()).row.reference
    closed = desk.intake.close(analyst, reference, "The sender will send a new file.")
    assert closed.row.status is IntakeStatus.CLOSED
    with pytest.raises(ValidationError, match="Reason"):
        desk.intake.close(analyst, reference, "   ")


# --- who may (HANDLE_INTAKE; the system's two jobs for cron) -----------------------------------


def test_only_analysts_and_the_crons_own_jobs_may(
    desk: Services, analyst: Actor, agent: Actor, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        desk.intake.receive(agent, encrypted_email())
    with pytest.raises(PermissionDenied):
        desk.intake.queue(agent)
    with pytest.raises(PermissionDenied):
        desk.intake.purge(Actor.system("intake-scan"))  # each job its own
    with pytest.raises(PermissionDenied):
        desk.intake.receive(Actor.system("demo-seed"), encrypted_email())
    denied = audit_log(desk, outcome="denied", limit=100)
    assert len(denied) == 4
    view = desk.intake.receive(Actor.system("intake-scan"), encrypted_email())
    assert view.row.status is IntakeStatus.AWAITING_PASSPHRASE


def test_agents_and_each_cron_job_are_refused_every_other_step_and_audited(
    desk: Services, analyst: Actor, agent: Actor, tmp_path: Path
) -> None:
    """HANDLE_INTAKE is the analysts' (§1.4's checks, the passphrase, the rows, the ladder):
    an agent is refused every step of a case and of its incident, each refusal audited under
    the step's own action; the two cron jobs may do their one job each, nothing else."""
    body = f"Learner {AVA}, born 14/03/2008."
    view = desk.intake.receive(analyst, encrypted_email(body=body))
    reference, incident = view.row.reference, view.incident or ""
    intake, incidents = desk.intake, desk.breach_incidents
    steps: dict[str, Any] = {
        "intake-receive": lambda who: intake.receive(who, encrypted_email()),
        "intake-scan": lambda who: intake.scan(who, tmp_path),
        "intake-queue": lambda who: intake.queue(who),
        "intake-show": lambda who: intake.show(who, reference),
        "intake-set-sender": lambda who: intake.set_sender(who, reference, ukprn=UKPRN),
        "intake-open": lambda who: intake.open(who, reference, Passphrase(INTAKE_PASSPHRASE)),
        "intake-rows": lambda who: intake.rows(who, reference),
        "intake-remap": lambda who: intake.remap(who, reference, {0: "uln"}),
        "intake-rematch": lambda who: intake.match(who, reference),
        "intake-export": lambda who: intake.export(who, reference, tmp_path / "out.zip"),
        "intake-close": lambda who: intake.close(who, reference, "No."),
        "intake-purge": lambda who: intake.purge(who),
        "show-breach-incident": lambda who: incidents.show(who, incident),
        "list-breach-incidents": lambda who: incidents.for_organisation(who, UKPRN),
        "confirm-breach-step": lambda who: incidents.confirm_step(who, incident, "contact", ""),
        "close-breach-incident": lambda who: incidents.close(who, incident, "No."),
    }
    allowed = {"system:intake-scan": {"intake-receive", "intake-scan"},
               "system:intake-purge": {"intake-purge"}}  # fmt: skip
    for who in (agent, Actor.system("intake-scan"), Actor.system("intake-purge")):
        for action, step in steps.items():
            if action in allowed.get(who.username, set()):
                continue
            with pytest.raises(PermissionDenied):
                step(who)
            refusals = audit_log(desk, actions=[action], outcome="denied", limit=100)
            assert refusals and refusals[0].actor == who.username, (who.username, action)
    assert desk.intake.show(analyst, reference).row.status is IntakeStatus.AWAITING_PASSPHRASE


def test_purge_never_touches_a_case_that_is_not_closed(
    desk: Services, analyst: Actor, clock: FixedClock
) -> None:
    """Disposal follows the close (issue 13, item 6): a case new, awaiting its passphrase,
    asking for a new file or open keeps its message and rows however long ago it came."""
    new = desk.intake.receive(analyst, intake_email(body="Call me back?")).row.reference
    waiting = desk.intake.receive(analyst, encrypted_email()).row.reference
    stuck = desk.intake.receive(analyst, encrypted_email()).row.reference
    for _ in range(3):
        with pytest.raises((WrongPassphraseTries, NewFileNeeded)):
            desk.intake.open(analyst, stuck, Passphrase("Wrong-Guess-5150!"))
    opened = desk.intake.receive(analyst, encrypted_email()).row.reference
    desk.intake.open(analyst, opened, Passphrase(INTAKE_PASSPHRASE))
    clock.now += timedelta(days=3650)
    assert desk.intake.purge(Actor.system("intake-purge")).purged == ()
    statuses = {ref: stored(desk, ref) for ref in (new, waiting, stuck, opened)}
    assert {ref: c.status for ref, c in statuses.items()} == {
        new: IntakeStatus.NEW,
        waiting: IntakeStatus.AWAITING_PASSPHRASE,
        stuck: IntakeStatus.NEW_FILE_NEEDED,
        opened: IntakeStatus.OPEN,
    }
    assert all(c.message_sealed is not None for c in statuses.values())
    assert statuses[opened].opened_sealed is not None


def test_a_scan_adds_each_new_message_once_and_says_why_it_refused_any(
    desk: Services, analyst: Actor, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first, second = encrypted_email(), encrypted_email()
    (inbox / "1.eml").write_bytes(first)
    (inbox / "2.eml").write_bytes(second)
    (inbox / "3.eml").write_bytes(b"")  # no email
    (inbox / "4.eml").write_bytes(intake_email(sender=None))  # no sender
    cron = Actor.system("intake-scan")
    result = desk.intake.scan(cron, inbox)
    assert result.added == (f"{DAY}-0001", f"{DAY}-0002") and result.already == 0
    assert [name for name, _ in result.refused] == ["3.eml", "4.eml"]
    assert "empty" in result.refused[0][1] and "sender" in result.refused[1][1]
    again = desk.intake.scan(cron, inbox)
    assert (again.added, again.already) == ((), 2)
    with desk.db.transaction(read_only=True) as session:
        assert len(session.execute(select(IntakeAttachment)).all()) == 2
    (scan, _) = events(desk, "intake-scan")
    assert scan.detail == {"added": [], "already": 2, "refused": ["3.eml", "4.eml"]}


def test_a_mailbox_files_name_is_masked_in_the_audit_trail(
    desk: Services, analyst: Actor, tmp_path: Path
) -> None:
    """A mail client saving a message names the file after its subject: "Ava Reed DOB
    14-03-2008.eml" in the receipt's and the scan's audit details stayed there for good
    (the trail is never rewritten). Masked as the subject is (the register's learner for a
    ULN in the email, the generic patterns)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    body = f"About learner {AVA}."
    (inbox / "Ava Reed DOB 14-03-2008.eml").write_bytes(intake_email(body=body))
    (inbox / f"ULN {UNKNOWN} 02-02-2008.eml").write_bytes(intake_email(sender=None))
    result = desk.intake.scan(Actor.system("intake-scan"), inbox)
    assert len(result.added) == 1 and len(result.refused) == 1
    (receipt,) = events(desk, "intake-receive")
    assert receipt.detail["source"] == "[name] [name] DOB [date].eml"
    (scan,) = events(desk, "intake-scan")
    assert scan.detail["refused"] == ["ULN [ULN] [date].eml"]
    details = json.dumps([e.detail for e in audit_log(desk, limit=1000)])
    for personal in ("Ava", "Reed", "14-03-2008", UNKNOWN, "02-02-2008"):
        assert personal not in details


def test_a_scan_without_a_mailbox_says_what_to_set(desk: Services, analyst: Actor) -> None:
    with pytest.raises(ValidationError, match="mailbox_path"):
        desk.intake.scan(analyst)


def test_an_unknown_reference_is_refused(desk: Services, analyst: Actor) -> None:
    with pytest.raises(ValidationError, match="IN-20261123-0001"):
        desk.intake.show(analyst, "SU-1")
    with pytest.raises(NotFound):
        desk.intake.show(analyst, "in-20261123-0009")


def test_the_incident_follows_a_corrected_sender(desk: Services, analyst: Actor) -> None:
    raw = intake_email(sender=None, body=f"ULN {AVA} date of birth 14/03/2008")
    view = desk.intake.receive(analyst, raw, sender_email="unknown@elsewhere.example.org")
    assert view.incident is not None
    desk.intake.set_sender(analyst, view.row.reference, ukprn=UKPRN)
    with desk.db.transaction(read_only=True) as session:
        incident = session.execute(select(BreachIncident)).scalar_one()
        assert incident.organisation_id is not None
