"""Issue 13 item 9: the demo's and the tests' intake emails, made by the code itself (never
real data): the seven samples, each what it says it is, and the synthetic rows that fill
them (valid learner fields, deterministic for a seed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import TEST_NOW

from lrs_core.domain.kinds import AttachmentKind, BreachRule
from lrs_core.domain.learner_fields import validate_field
from lrs_core.domain.values import is_valid_uln
from lrs_core.intake import samples as s
from lrs_core.intake.archives import (
    Hostile,
    HostileFile,
    Limits,
    WrongPassphrase,
    attachment_kind,
    check_before_opening,
    unlock,
)
from lrs_core.intake.mail import parse_message
from lrs_core.intake.passphrase import Passphrase, meets_guidance
from lrs_core.intake.sheets import map_header, sheets_in, text_of

ROWS = s.sample_rows(6)
SAMPLES = {sample.name: sample for sample in s.samples(ROWS)}
KINDS = {
    "compliant-aes-zip": [AttachmentKind.AES_ZIP],
    "zipcrypto-zip": [AttachmentKind.ZIPCRYPTO_ZIP],
    "encrypted-xlsx": [AttachmentKind.ENCRYPTED_OFFICE],
    "uln-and-dob-in-body": [],
    "passphrase-in-email": [AttachmentKind.AES_ZIP],
    "plain-csv": [AttachmentKind.PLAIN_FILE],
    "hostile-zip": [AttachmentKind.AES_ZIP],
}
ULN_WITH = BreachRule.ULN_WITH_DEMOGRAPHIC
ALL_PASSPHRASES = (
    s.DEMO_PASSPHRASE, s.ZIPCRYPTO_PASSPHRASE, s.OFFICE_PASSPHRASE, s.PASSPHRASE_IN_EMAIL,
    s.HOSTILE_PASSPHRASE,
)  # fmt: skip


def test_the_seven_samples_of_issue_13_in_order() -> None:
    assert tuple(SAMPLES) == s.NAMES
    assert len(s.NAMES) == 7
    assert set(KINDS) == set(SAMPLES)


@pytest.mark.parametrize("name", s.NAMES)
def test_each_sample_is_an_email_from_its_sender_to_the_desk(name: str) -> None:
    sample = SAMPLES[name]
    message = parse_message(sample.raw)
    assert message.sender_email == sample.sender
    assert sample.sender in s.SENDERS
    assert s.DESK_ADDRESS.encode() in sample.raw
    assert message.sent_at == s.SENT_AT + timedelta(minutes=7 * s.NAMES.index(name))
    assert message.message_id and name in message.message_id
    assert [attachment_kind(a.filename, a.content) for a in message.attachments] == KINDS[name]


def test_the_senders_are_distinct_addresses_in_fake_domains() -> None:
    assert len(set(s.SENDERS)) == 7
    assert {a.split("@")[1] for a in s.SENDERS} <= {
        "example-college.ac.uk", "example-academy.sch.uk", "example-training.co.uk",
    }  # fmt: skip
    assert {sample.sender for sample in SAMPLES.values()} == set(s.SENDERS)


@pytest.mark.parametrize("name", s.NAMES)
def test_the_expected_rules_are_breach_rules(name: str) -> None:
    sample = SAMPLES[name]
    assert all(BreachRule(rule) for rule in sample.expected_rules)
    assert set(sample.found_after_passphrase) <= set(sample.expected_rules)
    assert set(sample.found_at_receipt) | set(sample.found_after_passphrase) == set(
        sample.expected_rules
    )


@pytest.mark.parametrize(
    ("name", "rules", "at_receipt"),
    [
        ("compliant-aes-zip", set(), set()),
        ("zipcrypto-zip", {BreachRule.WEAK_ENCRYPTION}, {BreachRule.WEAK_ENCRYPTION}),
        ("encrypted-xlsx", set(), set()),
        (
            "uln-and-dob-in-body",
            {BreachRule.ULN_WITH_DEMOGRAPHIC},
            {BreachRule.ULN_WITH_DEMOGRAPHIC},
        ),
        ("passphrase-in-email", {BreachRule.PASSPHRASE_IN_EMAIL}, set()),
        (
            "plain-csv",
            {BreachRule.UNENCRYPTED_ATTACHMENT, ULN_WITH},
            {BreachRule.UNENCRYPTED_ATTACHMENT, ULN_WITH},
        ),
        ("hostile-zip", set(), set()),
    ],
)
def test_what_the_checks_should_find_in_each(
    name: str, rules: set[BreachRule], at_receipt: set[BreachRule]
) -> None:
    """§1.4's breaches, as each sample is built to show them."""
    assert set(SAMPLES[name].expected_rules) == rules
    assert set(SAMPLES[name].found_at_receipt) == at_receipt


@pytest.mark.parametrize(
    "name", ["compliant-aes-zip", "zipcrypto-zip", "encrypted-xlsx", "passphrase-in-email"]
)
def test_the_phoned_passphrase_opens_the_rows(name: str) -> None:
    sample = SAMPLES[name]
    assert sample.passphrase is not None and sample.hostile is None
    (attachment,) = parse_message(sample.raw).attachments
    members = unlock(attachment.filename, attachment.content, sample.passphrase, Limits())
    (sheet,) = sheets_in(attachment.filename, [(m.name, m.content) for m in members], 50, Limits())
    mapping = map_header(sheet.header)
    assert sorted(mapping.values()) == sorted(ROWS[0])
    got = [{mapping[i]: cell for i, cell in enumerate(row)} for row in sheet.rows]
    for row in got:  # a CSV has the date of birth as Excel's UK locale writes it
        row["date_of_birth"] = _iso(row["date_of_birth"])
    assert got == ROWS


def _iso(text: str) -> str:
    match = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", text)
    return f"{match[3]}-{match[2]}-{match[1]}" if match else text


@pytest.mark.parametrize("name", ["compliant-aes-zip", "zipcrypto-zip", "encrypted-xlsx"])
def test_another_passphrase_does_not_open_it(name: str) -> None:
    (attachment,) = parse_message(SAMPLES[name].raw).attachments
    with pytest.raises(WrongPassphrase):
        unlock(attachment.filename, attachment.content, Passphrase("Wrong-0000-Guess!"), Limits())


def test_the_hostile_zip_is_refused_when_opened_and_before() -> None:
    sample = SAMPLES["hostile-zip"]
    assert sample.hostile == Hostile.RATIO
    assert sample.passphrase is not None
    (attachment,) = parse_message(sample.raw).attachments
    with pytest.raises(HostileFile) as opened:
        unlock(attachment.filename, attachment.content, sample.passphrase, Limits())
    assert opened.value.outcome is Hostile.RATIO
    with pytest.raises(HostileFile) as before:  # its header says so, no passphrase needed
        check_before_opening(attachment.filename, attachment.content, Limits())
    assert before.value.outcome is Hostile.RATIO


def test_the_uln_and_date_of_birth_sample_holds_both_in_its_body() -> None:
    body = parse_message(SAMPLES["uln-and-dob-in-body"].raw).body
    ulns = re.findall(r"\b\d{10}\b", body)
    assert len(ulns) == 1 and is_valid_uln(ulns[0])
    learner = next(r for r in ROWS if r["uln"] == ulns[0])
    assert date.fromisoformat(learner["date_of_birth"]).strftime("%d/%m/%Y") in body
    assert SAMPLES["uln-and-dob-in-body"].passphrase is None


def test_the_plain_csv_holds_the_learners_unencrypted() -> None:
    (attachment,) = parse_message(SAMPLES["plain-csv"].raw).attachments
    text = text_of(attachment.filename, attachment.content)
    assert text is not None
    assert all(r["family_name"] in text for r in ROWS)
    assert all(r["uln"] in text for r in ROWS)


@pytest.mark.parametrize("name", s.NAMES)
def test_only_the_passphrase_in_email_sample_writes_a_passphrase(name: str) -> None:
    message = parse_message(SAMPLES[name].raw)
    written = {p for p in ALL_PASSPHRASES if p in message.body or p in message.subject}
    assert written == ({s.PASSPHRASE_IN_EMAIL} if name == "passphrase-in-email" else set())
    # No sample names a username or a password by accident (§1.4's credentials rule).
    assert not re.search(r"user ?name|password", message.body + message.subject, re.I)


def test_the_guidance_met_by_every_phoned_passphrase_but_the_zipcrypto_sender_s() -> None:
    phoned = {n: x.passphrase for n, x in SAMPLES.items() if x.passphrase is not None}
    assert {n for n, p in phoned.items() if not meets_guidance(p)} == {"zipcrypto-zip"}
    assert s.DEMO_PASSPHRASE == "Harbour-4827-Lantern!"


def test_a_sample_never_shows_its_bytes_or_passphrase() -> None:
    text = repr(SAMPLES["passphrase-in-email"])
    assert s.PASSPHRASE_IN_EMAIL not in text
    assert "raw=" not in text


def test_the_samples_take_the_rows_and_the_time_given() -> None:
    rows = [
        {"uln": "1000000043", "given_name": "Siân", "family_name": "O’Brien",
         "date_of_birth": "2005-03-12", "gender": "2", "postcode": "LS6 3HN"},
    ]  # fmt: skip
    when = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    made = {x.name: x for x in s.samples(rows, sent_at=when)}
    body = parse_message(made["uln-and-dob-in-body"].raw).body
    assert "1000000043" in body and "12/03/2005" in body
    assert parse_message(made["compliant-aes-zip"].raw).sent_at == when
    csv = parse_message(made["plain-csv"].raw).attachments[0].content
    assert csv.startswith(b"\xef\xbb\xbf") and "O’Brien".encode() in csv


@pytest.mark.parametrize("rows", [[], [{"given_name": "Ann", "date_of_birth": "2005-03-12"}]])
def test_the_samples_need_a_row_with_a_uln_and_a_date_of_birth(rows: list[dict[str, str]]) -> None:
    with pytest.raises(ValueError, match="need"):
        s.samples(rows)


# --- sample_rows ---------------------------------------------------------------------------


def test_sample_rows_are_the_same_for_the_same_seed() -> None:
    assert s.sample_rows(50, seed=7) == s.sample_rows(50, seed=7)
    assert s.sample_rows(50, seed=7) != s.sample_rows(50, seed=8)
    assert s.sample_rows(10, seed=7) == s.sample_rows(50, seed=7)[:10]


def test_sample_rows_are_valid_learner_fields() -> None:
    """Each row passes the core's own rules (so a test that matches them starts clean)."""
    rows = s.sample_rows(500, seed=2026)
    today = TEST_NOW.date()
    for row in rows:
        for field in ("given_name", "family_name", "date_of_birth", "gender", "postcode"):
            validate_field(field, row[field], today)
    with_uln = [r["uln"] for r in rows if r["uln"]]
    assert all(is_valid_uln(u) for u in with_uln)
    assert len(set(with_uln)) == len(with_uln)
    assert 0.6 < len(with_uln) / len(rows) < 0.9  # most with a ULN, some matched by details
    assert any(not r["family_name"].isascii() or "'" in r["family_name"] for r in rows)


def test_sample_rows_of_none() -> None:
    assert s.sample_rows(0) == []
