"""The phoned passphrase goes nowhere (issue 13, item 3 and "Done when"; house rules; User
Guide §1.4): after a whole intake case — received, wrong passphrases, the right one, rows,
a new mapping, the export with its own new passphrase, a refusal or two, closed, purged —
neither the provider's passphrase, nor the wrong ones typed, nor the export's is in any
column of any table, any audit detail, any log record (every logger at DEBUG, SQLAlchemy's
statements and parameters included), any error message, or the repr of anything returned."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import factories
import pytest
from factories import (
    INTAKE_PASSPHRASE,
    INTAKE_SENDER,
    aes_zip,
    intake_email,
    learner,
    learners_csv,
    organisation,
    portal_user,
)
from sqlalchemy import select

from lrs_core.actor import Actor
from lrs_core.db.models import Base, IntakeCase
from lrs_core.errors import LrsError
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.audit import read_entries
from lrs_core.services.intake import IntakeService

if TYPE_CHECKING:
    # The tests' clock fixture's type (tests/conftest.py); imported for the annotations
    # only: as a module, `conftest` is ambiguous when the whole suite is collected.
    from conftest import FixedClock

AVA = "1000000043"
HEADER = ("ULN", "Forename", "Surname", "DOB", "Gender", "Post Code")
WRONG = ("Wrong-Guess-5150!", "Harbour-4827-Lanterns")  # the second nearly right


def every_value_as_text(services: Services) -> str:
    """Every column of every row of every table, as text."""
    parts: list[str] = []
    with services.db.transaction(read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.extend(f"{table.name}.{k}={v!r}" for k, v in row._mapping.items())
    return "\n".join(parts)


def test_no_passphrase_reaches_storage_logs_audit_errors_or_reprs(
    services: Services, caplog: pytest.LogCaptureFixture, clock: FixedClock, tmp_path: Path
) -> None:
    with services.db.transaction() as session:
        org = organisation(session)
        portal_user(session, org, "sam.okafor", email=INTAKE_SENDER)
        session.add(learner(AVA, "Ava", "Reed", date_of_birth=date(2008, 3, 14)))
    analyst = factories.analyst(services)
    intake = services.intake
    rows = [(AVA, "Ava", "Reed", "14/03/2008", "2", "SW1A 1AA")]
    archive = aes_zip({"learners.csv": learners_csv(rows, HEADER)}, INTAKE_PASSPHRASE)
    raw = intake_email(attachments=(("learners.zip", archive),))
    errors: list[str] = []
    returned: list[object] = []

    def attempt(action: Callable[[], object]) -> None:
        try:
            action()
        except LrsError as error:
            errors.extend([str(error), repr(error), repr(error.args)])
        else:
            pytest.fail("the step was meant to be refused")

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    view = intake.receive(analyst, raw)
    reference = view.row.reference
    returned.append(view)
    for wrong in WRONG:
        attempt(lambda wrong=wrong: intake.open(analyst, reference, Passphrase(wrong)))
    attempt(lambda: intake.rows(analyst, reference))  # not open yet
    opened = intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    returned += [opened, opened.view, opened.rows, *opened.rows.rows]
    attempt(lambda: intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE)))
    returned.append(intake.rows(analyst, reference))
    returned.append(intake.remap(analyst, reference, opened.rows.mapping))
    returned.append(intake.match(analyst, reference))
    export = intake.export(analyst, reference, tmp_path / "results.zip")
    returned.append(export)
    attempt(lambda: intake.export(analyst, reference, tmp_path / "results.zip"))
    returned += [intake.show(analyst, reference), intake.queue(analyst)]
    returned.append(intake.close(analyst, reference, "Results sent back."))
    clock.now += timedelta(days=31)
    returned.append(intake.purge(Actor.system("intake-purge")))

    secrets = {
        "the phoned passphrase": INTAKE_PASSPHRASE,
        **{f"wrong passphrase {n}": w for n, w in enumerate(WRONG, start=1)},
        "the export's passphrase": export.passphrase.reveal(),
    }
    stored = every_value_as_text(services)
    with services.db.transaction(read_only=True) as session:
        details = "\n".join(json.dumps(e.detail) for e in read_entries(session, limit=10_000))
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    places = {
        "a table": stored.casefold(),
        "an audit detail": details.casefold(),
        "a log record": logged.casefold(),
        "an error message": "\n".join(errors).casefold(),
        "what the service returned": "\n".join(repr(r) for r in returned).casefold(),
    }
    for what, secret in secrets.items():
        for where, text in places.items():
            assert secret.casefold() not in text, f"{what} is in {where}"

    # The search looked where the secrets would have gone: the wrong tries and the refusals
    # were kept, the walk's statements with their parameters logged, the export made.
    assert "does not open learners.zip" in "\n".join(errors) and len(errors) == 5 * 3
    assert any(r.name.startswith("sqlalchemy.engine") and "UPDATE intake_case" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert '"tries": 2' in details and "intake-export" in stored
    assert export.path.exists() and export.passphrase.reveal()


def test_a_passphrase_in_the_email_itself_is_found_but_never_repeated(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    # §1.4: the password in the same email as the encrypted file is a breach; the finding
    # names where, never the passphrase.
    with services.db.transaction() as session:
        organisation(session)
    analyst = factories.analyst(services)
    rows = [(AVA, "Ava", "Reed", "14/03/2008", "2", "SW1A 1AA")]
    archive = aes_zip({"learners.csv": learners_csv(rows, HEADER)}, INTAKE_PASSPHRASE)
    raw = intake_email(
        subject="Learners",
        body=f"Hi, the file is attached and the passphrase is {INTAKE_PASSPHRASE} as usual.",
        attachments=(("learners.zip", archive),),
    )
    caplog.set_level(logging.DEBUG)
    reference = services.intake.receive(analyst, raw).row.reference
    opened = services.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    assert [f.rule for f in opened.view.findings] == ["passphrase-in-email"]
    stored = every_value_as_text(services)
    with services.db.transaction(read_only=True) as session:
        details = "\n".join(json.dumps(e.detail) for e in read_entries(session, limit=10_000))
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for text in (stored, details, logged, repr(opened), opened.view.body):
        assert INTAKE_PASSPHRASE.casefold() not in text.casefold()
    assert "[passphrase]" in opened.view.body


def passphrase_email(archive_name: str = "learners.zip", member: str = "learners.csv") -> bytes:
    rows = [(AVA, "Ava", "Reed", "14/03/2008", "2", "SW1A 1AA")]
    content = learners_csv(rows, HEADER) if member.endswith(".csv") else b"no sheet"
    archive = aes_zip({member: content}, INTAKE_PASSPHRASE)
    return intake_email(
        subject=f"Learners, passphrase {INTAKE_PASSPHRASE.lower()}",
        body=f"Hi,\nthe file is attached; to open it use\n{INTAKE_PASSPHRASE}\nThanks, Sam",
        attachments=(
            (archive_name, archive),
            (f"key {INTAKE_PASSPHRASE}.txt", b"Nothing in here."),
        ),
    )


@pytest.mark.parametrize("opens", [True, False], ids=["opened", "no-spreadsheet-inside"])
def test_the_passphrase_found_in_the_email_stays_hidden_after_the_open(
    services: Services, clock: FixedClock, opens: bool
) -> None:
    """§1.4: the passphrase in the same email is a breach, found once it is typed. The case
    never stores the passphrase, so what it keeps of the email's words must not hold it
    either: the subject (the queue's), each attachment's name and its findings' places were
    kept in clear, and a later look at the body (another analyst, after the close) showed it
    in clear, the message being read afresh without the passphrase to mask it with."""
    with services.db.transaction() as session:
        organisation(session)
    analyst = factories.analyst(services)
    other = factories.analyst(services, "bo.lyst", "Bo-Lyst-2026")
    member = "learners.csv" if opens else "readme.txt"
    reference = services.intake.receive(analyst, passphrase_email(member=member)).row.reference
    typed = Passphrase(INTAKE_PASSPHRASE)
    if opens:
        services.intake.open(analyst, reference, typed)
    else:
        with pytest.raises(LrsError, match="holds no spreadsheet"):
            services.intake.open(analyst, reference, typed)
    later = services.intake.show(other, reference)
    assert later.body == ("Hi,\nthe file is attached; to open it use\n[passphrase]\nThanks, Sam")
    assert later.row.subject == "Learners, passphrase [passphrase]"
    assert [a.filename for a in later.attachments] == ["learners.zip", "key [passphrase].txt"]
    assert {(f.rule, f.location) for f in later.findings} >= {
        ("passphrase-in-email", "subject"),
        ("passphrase-in-email", "body"),
        ("passphrase-in-email", "attachment key [passphrase].txt"),
    }
    services.intake.close(analyst, reference, "The sender was told; a new file will come.")
    closed = services.intake.show(other, reference)
    assert closed.body == later.body and closed.row.subject == later.row.subject
    assert services.intake.queue(other)[0].subject == later.row.subject
    stored = every_value_as_text(services)
    with services.db.transaction(read_only=True) as session:
        details = "\n".join(json.dumps(e.detail) for e in read_entries(session, limit=10_000))
    for text in (stored, details, repr(later), repr(closed)):
        assert INTAKE_PASSPHRASE.casefold() not in text.casefold()


def test_a_wrong_passphrase_hides_nothing_and_a_name_holding_the_passphrase_is_not_said(
    services: Services,
) -> None:
    """Only the passphrase that opens the file is the sender's secret to hide; a wrong one
    changes nothing kept. The encrypted file's own name holding the passphrase is the
    passphrase in the same email too, and no refusal or finding repeats it."""
    with services.db.transaction() as session:
        organisation(session)
    analyst = factories.analyst(services)
    raw = passphrase_email(archive_name=f"{INTAKE_PASSPHRASE}.zip")
    view = services.intake.receive(analyst, raw)
    reference = view.row.reference
    with pytest.raises(LrsError) as wrong:
        services.intake.open(analyst, reference, Passphrase("Learners, passphrase"))
    assert "[passphrase]" not in str(wrong.value)  # the wrong one masked in the name said
    assert services.intake.show(analyst, reference).row.subject == view.row.subject
    opened = services.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    assert opened.view.attachments[0].filename == "[passphrase].zip"
    assert ("passphrase-in-email", "attachment [passphrase].zip") in {
        (f.rule, f.location) for f in opened.view.findings
    }
    assert opened.rows.source == "[passphrase].zip: learners.csv"
    assert INTAKE_PASSPHRASE.casefold() not in every_value_as_text(services).casefold()


def test_a_case_disposed_of_while_its_file_is_opened_takes_no_words_back(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The open reads the message, decrypts outside the case's lock, then writes. A file
    that opens but holds no spreadsheet is refused, and the passphrase found in the email is
    recorded and hidden all the same: on a case closed and purged meanwhile, that put the
    subject and the body (sealed) back on a case disposed of. Only the case as it was read
    takes the finding."""
    with services.db.transaction() as session:
        organisation(session)
    analyst = factories.analyst(services)
    other = factories.analyst(services, "bo.lyst", "Bo-Lyst-2026")
    raw = passphrase_email(member="readme.txt")
    reference = services.intake.receive(analyst, raw).row.reference
    first_sheet = IntakeService._first_sheet

    def disposed_meanwhile(self: IntakeService, *args: object) -> object:
        services.intake.close(other, reference, "The sender will send it again.")
        clock.now += timedelta(days=31)
        services.intake.purge(Actor.system("intake-purge"))
        return first_sheet(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(IntakeService, "_first_sheet", disposed_meanwhile)
    with pytest.raises(LrsError, match="holds no spreadsheet"):
        services.intake.open(analyst, reference, Passphrase(INTAKE_PASSPHRASE))
    with services.db.transaction(read_only=True) as session:
        case = session.execute(
            select(IntakeCase).where(IntakeCase.reference == reference)
        ).scalar_one()
        assert (case.status, case.subject, case.masked_body_sealed) == ("disposed", "", None)
