"""Synthetic records for tests: one place to build a valid learner row."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import pytest
import pyzipper
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.db.models import (
    DataChallenge,
    DataChallengeEvent,
    IntakeCase,
    IntakeFinding,
    Learner,
    LearningEvent,
    Operator,
    Organisation,
    PortalUser,
    PortalUserRole,
)
from lrs_core.domain.accounts import fold_organisation_name
from lrs_core.domain.kinds import (
    AccountStatus,
    BreachRule,
    ChallengeKind,
    ChallengeStatus,
    ChallengeType,
    EventStatus,
    IntakeStatus,
    LearnerStatus,
    OrganisationKind,
    PortalRole,
    RetiredReason,
)
from lrs_core.domain.names import name_key
from lrs_core.passwords import hash_password
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.audit import AuditEntry, read_entries


def learner(uln: str, given: str, family: str, **extra: object) -> Learner:
    """A valid active learner; ``extra`` overrides or adds any column."""
    fields: dict[str, object] = {
        "uln": uln,
        "given_name": given,
        "family_name": family,
        "given_key": name_key(given),
        "family_key": name_key(family),
        "postcode": "SW1A 1AA",
        "date_of_birth": date(2008, 3, 14),
        "gender": 2,
        "ability_to_share": 1,
        "verification_type": 2,
        "status": LearnerStatus.ACTIVE,
        "created_at": datetime(2024, 9, 1, tzinfo=UTC),
        "created_by": "Northgate College",
    }
    return Learner(**(fields | extra))


# PLRs (DOMAIN.md "Personal Learning Record").
SIAN = "9276308686"  # shared, four events, one sensitive, one under a data challenge
LINKED = "1174112637"  # merged into SIAN
NOT_SHARED = "1000000043"  # has not seen the Privacy Notice
EMPTY = "8414908070"  # no events


def event(learner_id: int, subject: str, source: str = "AO", **extra: object) -> LearningEvent:
    fields: dict[str, object] = {
        "learner_id": learner_id,
        "subject": subject,
        "source": source,
        "date_loaded": date(2024, 9, 1),
    }
    return LearningEvent(**(fields | extra))


def plr_learners(session: Session) -> dict[str, list[int]]:
    """Learners with PLRs that exercise the privacy rules; returns Siân's event ids."""
    ids: dict[str, list[int]] = {}
    sian = learner(SIAN, "Siân", "Ó Súilleabháin", date_of_birth=date(2006, 4, 2))
    shy = learner(NOT_SHARED, "Łukasz", "Zoë-Nowak", ability_to_share=0)
    empty = learner(EMPTY, "Eóin", "Doyle")
    session.add_all([sian, shy, empty])
    session.flush()
    session.add(learner(LINKED, "Sian", "O Suilleabhain", status=LearnerStatus.LINKED,
                        master_learner_id=sian.id))  # fmt: skip
    events = [
        event(sian.id, "Mathematics", "NPD", level="Level 2", grade="7",
              award_date=date(2022, 8, 25), qualification_type="GCSE"),
        event(sian.id, "Cymraeg Iaith Gyntaf", "NPD", level="Level 2", grade="A*",
              award_date=date(2021, 8, 20)),
        event(sian.id, "Health and Social Care", "ILR", level="Level 3",
              participation_start_date=date(2022, 9, 5), credits=60),
        event(sian.id, "Substance misuse awareness", "AO", level="Entry",
              award_date=date(2023, 3, 1), sensitive=True),
    ]  # fmt: skip
    session.add_all(events)
    session.add(event(shy.id, "English Language", "NPD", award_date=date(2020, 8, 20)))
    session.flush()
    challenge = DataChallenge(
        reference=f"DC-{SIAN}-0001", learner_id=sian.id, kind=ChallengeKind.EVENT,
        challenge_type=ChallengeType.EVENT_INFORMATION_WRONG,
        status=ChallengeStatus.OPEN, raiser_name="R. Patel",
        raiser_email="r.patel@example.org", raised_at=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    session.add(challenge)
    session.flush()
    session.add(DataChallengeEvent(challenge_id=challenge.id, event_id=events[0].id))
    ids["sian"] = [e.id for e in events]
    return ids


# A fixed, synthetic TOTP secret for tests and snapshots (never a real one).
TOTP_SECRET = "SYNTHETICTESTSECRETFORLRSDESK234"


class MovableClock(Protocol):
    now: datetime


def next_code(clock: MovableClock, secret: str = TOTP_SECRET) -> str:
    """Move the clock on one TOTP step (30 s) and give the code an app would show then:
    a code already used is never accepted again, so each sign-in needs a new step."""
    clock.now += timedelta(seconds=30)
    return second_factor.code_at(secret, clock.now)


def operator(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    now: datetime,
    totp_key: bytes | None = None,
) -> Actor:
    """A desk operator written straight into the database (no audit event, so tests that
    count events are unaffected), with their own password set ``now`` and, given the
    database's ``totp_key``, a second factor from TOTP_SECRET (admins need one); returns them
    as a signed-in actor (the services re-read their role and status on every action)."""
    row = Operator(
        username=username,
        display_name=username.replace(".", " ").title(),
        role=OperatorRole(role),
        status=AccountStatus.ACTIVE,
        password_hash=hash_password(password),
        must_change_password=False,
        password_changed_at=now,
        failed_attempts=0,
        created_at=now,
        created_by="tests",
    )
    session.add(row)
    session.flush()
    if totp_key is not None:
        row.totp_secret = second_factor.seal(totp_key, TOTP_SECRET, row.id)
        row.totp_enrolled_at = now
    return Actor(row.username, row.role, row.display_name, row.id)


def audit_log(services: Services, **filters: Any) -> list[AuditEntry]:
    """The newest audit events first, read as a test inspects them (no operator needed:
    front ends read through AuditService.entries, which needs VIEW_AUDIT)."""
    with services.db.transaction(read_only=True) as session:
        return read_entries(session, **filters)


def desk_admin(services: Services, username: str = "head.admin") -> Actor:
    """An admin to manage operators or look behind a test's back: made on first use,
    straight into the database (not audited), then found again."""
    with services.db.transaction() as session:
        found = session.execute(
            select(Operator).where(Operator.username == username)
        ).scalar_one_or_none()
        if found is not None:
            return Actor(found.username, found.role, found.display_name, found.id)
        return operator(
            session,
            username,
            "admin",
            "Head-Admin-2026",
            now=services.operators.clock(),
            totp_key=services.key("totp-key").key,
        )


# The tests' fixed clock (conftest's `clock`): the commands under test run on it too.
TEST_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

PG_URL = os.environ.get("LRS_TEST_DATABASE_URL", "")
# The backends every storage test runs on: PostgreSQL too where the run has one.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards whatever happens."""
    if not PG_URL:
        pytest.fail("PostgreSQL tests need LRS_TEST_DATABASE_URL")
    name = f"lrs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- Data challenges (DOMAIN.md "Data challenges") ---------------------------------------------

# Synthetic learners for challenges; every ULN has a valid check digit.
DUP_MASTER = "1000000019"  # Priya Shah, the master of a duplicate pair
DUP_SECOND = "1000000027"  # Priya Shah again, another postcode: a duplicate ULN
SAME_AS_MASTER = "1000000035"  # Priya Shah, same key data as the master (no reason needed)
MERGED_MASTER = "1000000051"  # Tom Hale, master of a merged pair
MERGED_LINKED = "1000000078"  # Tom Hale's merged-away ULN (linked)
RETIRED = "1000000086"  # retired (deceased)
TARGET = "1000000094"  # Jon Smith: where a misplaced event belongs
TWIN_A = "1000000108"  # Ella Moss
TWIN_B = "1000000116"  # Emma Moss: same family name, birthday and postcode


def challenge_learners(session: Session) -> dict[str, int]:
    """Learners and events for the challenge rules; returns the events' ids by name."""
    master = learner(
        DUP_MASTER, "Priya", "Shah", date_of_birth=date(2007, 6, 1), postcode="LS6 2AB"
    )
    second = learner(
        DUP_SECOND, "Priya", "Shah", date_of_birth=date(2007, 6, 1), postcode="LS1 4DY"
    )
    same = learner(
        SAME_AS_MASTER,
        "Priya",
        "Shah",
        date_of_birth=date(2007, 6, 1),
        postcode="LS6 2AB",
        gender=1,
    )
    tom = learner(MERGED_MASTER, "Tom", "Hale", date_of_birth=date(2005, 1, 9), postcode="M1 1AE")
    retired = learner(
        RETIRED, "Ann", "Gray", status=LearnerStatus.RETIRED, retired_reason=RetiredReason.DECEASED
    )
    target = learner(TARGET, "Jon", "Smith", date_of_birth=date(2006, 2, 2), postcode="B1 1AA")
    ella = learner(TWIN_A, "Ella", "Moss", date_of_birth=date(2008, 8, 8), postcode="YO1 7HH")
    emma = learner(TWIN_B, "Emma", "Moss", date_of_birth=date(2008, 8, 8), postcode="YO1 7HH")
    session.add_all([master, second, same, tom, retired, target, ella, emma])
    session.flush()
    session.add(learner(MERGED_LINKED, "Tom", "Hale", date_of_birth=date(2005, 1, 9),
                        postcode="M1 1AE", status=LearnerStatus.LINKED,
                        master_learner_id=tom.id))  # fmt: skip
    events = {
        "maths": event(master.id, "Mathematics", "AO", grade="5", award_date=date(2023, 8, 24)),
        "maths-again": event(master.id, "Mathematics", "AO", grade="5",
                             award_date=date(2023, 8, 24)),
        "english": event(master.id, "English Language", "NPD", grade="6",
                         award_date=date(2023, 8, 24)),
        "ilr-now": event(master.id, "Plumbing", "ILR", collection_type="ILR2627",
                         participation_start_date=date(2026, 9, 1), date_loaded=date(2026, 10, 5)),
        "ilr-old": event(master.id, "Carpentry", "ILR", collection_type="ILR2425",
                         participation_start_date=date(2024, 9, 1), date_loaded=date(2024, 10, 5)),
        "removed": event(master.id, "Art", "AO", status=EventStatus.REMOVED,
                         removed_reason="duplicated", removed_at=datetime(2026, 1, 5, tzinfo=UTC)),
        "toms": event(tom.id, "History", "AO", grade="B", award_date=date(2022, 8, 20)),
    }  # fmt: skip
    session.add_all(events.values())
    session.flush()
    return {name: e.id for name, e in events.items()}


def analyst(
    services: Services, username: str = "ana.lyst", password: str = "Ana-Lyst-2026"
) -> Actor:
    """A desk analyst written straight into the database (not audited)."""
    with services.db.transaction() as session:
        return operator(session, username, "analyst", password, now=services.clock())


# --- organisations and portal users (issue 12) ------------------------------------------------

ORG_PHONE = "0113 496 0500"  # the register's number (Ofcom's drama range)
FORM_PHONE = "0113 496 0999"  # a different number, as a forged form would give


def organisation(
    session: Session,
    ukprn: str = "10012345",
    name: str = "Northgate College",
    *,
    kind: str = "college",
    phone: str | None = ORG_PHONE,
    agreement_signatory: str | None = "Priya Shah",
    portal_enabled: bool = True,
) -> Organisation:
    org = Organisation(
        ukprn=ukprn,
        name=name,
        name_key=fold_organisation_name(name),
        kind=OrganisationKind(kind),
        is_lrb=kind != "awarding-organisation",
        is_ao=kind == "awarding-organisation",
        phone=phone,
        agreement_signatory=agreement_signatory,
        portal_enabled=portal_enabled,
    )
    session.add(org)
    session.flush()
    return org


def portal_user(
    session: Session,
    org: Organisation,
    username: str,
    given: str = "Sam",
    family: str = "Okafor",
    *,
    roles: tuple[str, ...] = ("super-user",),
    status: str = "active",
    on_long_term_leave: bool = False,
    last_sign_in_at: datetime | None = None,
    created_at: datetime | None = None,
    email: str | None = None,
) -> PortalUser:
    """A portal user; the password hash is a fixed placeholder (tests never sign in as one)."""
    user = PortalUser(
        organisation_id=org.id,
        username=username,
        given_name=given,
        family_name=family,
        email=email or f"{username}@example.org",
        phone="0113 496 0101",
        status=AccountStatus(status),
        failed_attempts=3 if status == "suspended" else 0,
        password_hash="$argon2id$placeholder",
        must_change_password=False,
        on_long_term_leave=on_long_term_leave,
        created_at=created_at or datetime(2020, 1, 6, 9, tzinfo=UTC),
        last_sign_in_at=last_sign_in_at or datetime(2026, 11, 2, 9, tzinfo=UTC),
        roles=[PortalUserRole(role=PortalRole(r)) for r in roles],
    )
    session.add(user)
    session.flush()
    return user


# --- intake cases (issue 13) -------------------------------------------------------------------


def intake_case(
    session: Session,
    reference: str = "IN-20261123-0001",
    *,
    organisation: Organisation | None = None,
    portal_user: PortalUser | None = None,
    findings: tuple[str, ...] = (),
    sender_email: str = "sam.okafor@example.org",
    subject: str = "Learners for [ULN] check",
    status: str = "new",
    received_at: datetime | None = None,
) -> IntakeCase:
    """An intake case row written straight into the database (as receipt would leave it:
    no message kept, nothing decrypted), with an IntakeFinding per rule in ``findings``
    (BreachRule values, in order, each found in the body)."""
    when = received_at or TEST_NOW
    case = IntakeCase(
        reference=reference,
        message_sha256=hashlib.sha256(reference.encode()).hexdigest(),
        sender_email=sender_email,
        subject=subject,
        received_at=when,
        organisation_id=organisation.id if organisation else None,
        portal_user_id=portal_user.id if portal_user else None,
        status=IntakeStatus(status),
        updated_at=when,
    )
    session.add(case)
    session.flush()
    for rule in findings:
        session.add(
            IntakeFinding(
                case_id=case.id,
                rule=BreachRule(rule),
                location="body",
                summary="synthetic finding",
                found_at=when,
            )
        )
    session.flush()
    return case


# --- the encrypted intake (issue 13) ----------------------------------------------------------

INTAKE_SENDER = "sam.okafor@example.org"  # portal_user(..., "sam.okafor")'s address
INTAKE_PASSPHRASE = "Harbour-4827-Lantern!"  # meets the guidance: 15+, letters, digits, symbols
INTAKE_COLUMNS = ("ULN", "Forename", "Surname", "DOB", "Sex", "Post Code")


def learners_csv(rows: list[tuple[str, ...]], header: tuple[str, ...] = INTAKE_COLUMNS) -> bytes:
    """A provider's spreadsheet as CSV (UTF-8 with a BOM, as Excel writes it)."""
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def aes_zip(members: dict[str, bytes], passphrase: str = INTAKE_PASSPHRASE) -> bytes:
    """A WinZip AES-256 zip, as providers send (pyzipper), made in memory."""
    out = io.BytesIO()
    with pyzipper.AESZipFile(
        out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def intake_email(
    *,
    sender: str | None = INTAKE_SENDER,
    subject: str = "Learners for matching",
    body: str = "Please find attached our learners. The passphrase will be phoned in.",
    attachments: tuple[tuple[str, bytes], ...] = (),
    message_id: str | None = None,
) -> bytes:
    """An email to the desk's mailbox (synthetic), made with the standard library."""
    message = EmailMessage()
    if sender is not None:
        message["From"] = f"Sam Okafor <{sender}>"
    message["To"] = "lrs.desk@example.org"
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 09:30:00 +0000"
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    message.set_content(body)
    for name, content in attachments:
        kind = ("text", "csv") if name.endswith(".csv") else ("application", "octet-stream")
        message.add_attachment(content, maintype=kind[0], subtype=kind[1], filename=name)
    return message.as_bytes()
