"""No one-time password or secret answer in plain text anywhere (issue 12 "Done when"; house
rules; User Guide §3.5.3: "Do not add the question or answer to the security question"):
after a whole super-user case, refusals included, neither the new super user's one-time
password nor a portal user's secret answer is in any column of any table, any audit detail,
any log record (every logger at DEBUG, SQLAlchemy's statements and parameters included),
any error message, or the Approval's repr."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import factories
import pytest
from factories import FORM_PHONE, ORG_PHONE, organisation, portal_user
from sqlalchemy import select

from lrs_core.actor import Actor
from lrs_core.db.models import Base
from lrs_core.errors import LrsError
from lrs_core.passwords import hash_password, verify_password
from lrs_core.services import Services
from lrs_core.services.audit import read_entries
from lrs_core.services.demo import fold_answer

UKPRN = "10012345"
REFERENCE = f"SU-{UKPRN}-0001"
QUESTION = "What was the name of your first pet?"
ANSWER = "Biscuit Tumbleweed"  # synthetic: a secret answer the walk must never reveal


def every_value_as_text(services: Services) -> str:
    """Every column of every row of every table, as text."""
    parts: list[str] = []
    with services.db.transaction(read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.extend(f"{table.name}.{k}={v}" for k, v in row._mapping.items())
    return "\n".join(parts)


def test_no_one_time_password_or_secret_answer_reaches_storage_logs_or_errors(
    services: Services, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    second = factories.desk_admin(services, "other.admin")
    with services.db.transaction() as session:
        org = organisation(session, UKPRN)
        lost = portal_user(session, org, "sam.okafor", status="suspended")
        lost.secret_question = QUESTION
        lost.secret_answer_hash = hash_password(fold_answer(ANSWER))
    cases = services.super_user_cases
    errors: list[str] = []

    def attempt(action: Callable[[], object]) -> None:
        try:
            action()
        except LrsError as error:
            errors.extend([str(error), repr(error)])
        else:
            pytest.fail("the step was meant to be refused")

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    cases.open(admin, UKPRN, "suspended", "16/11/2026", form_phone=FORM_PHONE)
    attempt(
        lambda: cases.record_signatory(
            admin, REFERENCE, name="Priya Shah", job_title="Principal", is_manager=True,
            signed_agreement=True, hand_signed=False,
        )
    )  # fmt: skip
    cases.record_signatory(
        admin, REFERENCE, name="Priya Shah", job_title="Principal", is_manager=True,
        signed_agreement=True, hand_signed=True,
    )  # fmt: skip
    attempt(
        lambda: cases.set_new_super_user(
            admin, REFERENCE, title="Ms", given_name="Rhiannon", family_name="Pryce",
            email="r.pryce@example.org", phone="", verification_provided=f"answer: {ANSWER}",
        )
    )  # fmt: skip
    cases.set_new_super_user(
        admin, REFERENCE, title="Ms", given_name="Rhiannon", family_name="Pryce",
        email="r.pryce@example.org", phone="0113 496 0321",
        verification_provided="Staff ID NG-4417",
    )  # fmt: skip
    attempt(lambda: cases.record_callback(admin, REFERENCE, dialled=FORM_PHONE, confirmed_by="P"))
    cases.record_callback(admin, REFERENCE, dialled=ORG_PHONE, confirmed_by="Priya Shah")
    attempt(lambda: cases.approve(admin, REFERENCE))
    reviewed = cases.show(second, REFERENCE).version
    approval = cases.approve(second, REFERENCE, expected_version=reviewed)
    otp = approval.one_time_password
    attempt(lambda: cases.approve(second, REFERENCE))
    cases.show(second, REFERENCE)
    cases.list(second)
    cases.complete(admin, REFERENCE, "Rhiannon Pryce")
    attempt(lambda: cases.complete(admin, REFERENCE, "Rhiannon Pryce"))

    secrets = {
        "the one-time password": otp,
        "the secret answer": ANSWER,
        "the folded secret answer": fold_answer(ANSWER),
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
        "the Approval's repr": repr(approval).casefold(),
        "the case view": repr(approval.case).casefold(),
    }
    for what, secret in secrets.items():
        for where, text in places.items():
            assert secret.casefold() not in text, f"{what} is in {where}"

    # The search looked where the secrets would have gone: the new account's Argon2id hash
    # (which verifies the one-time password) is in the dump, the walk's statements with their
    # parameters are in the log, and every refusal's message was kept.
    hashes = [v for v in stored.splitlines() if v.startswith("portal_user.password_hash=")]
    assert any(verify_password(otp, h.split("=", 1)[1]) for h in hashes)
    assert any(r.name.startswith("sqlalchemy.engine") and "INSERT" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert "rhiannon.pryce" in details and len(errors) == 12  # six refusals, str and repr
