"""User Guide §1.4's breaches, found in an email before anyone opens anything (issue 13,
item 2), and its escalation ladder; pure (DOMAIN.md "Security and the encrypted intake").

The checks run over the subject, the body and every unencrypted attachment's text:

- a ULN (a valid check digit) with any of the five demographics: given and family name
  (together they count as one), date of birth, gender, postcode. Generic patterns (a date, a
  postcode) count, and so does the register itself: for a ULN that belongs to a learner, the
  service passes that learner's own names, date of birth and postcode (:class:`KnownLearner`)
  and the checks look for them in the text;
- more than one demographic, with no ULN;
- an unencrypted attachment holding learner data; a ZipCrypto zip (not AES-256: weak);
- the passphrase in the same email (checked once the phoned passphrase is typed);
- a username and password in an email.

A finding names the rule, where it was found and what kind of data ("a ULN with a date of
birth"), never the data itself; :func:`mask` gives a text with what was found replaced by its
kind ("[ULN]", "[date]"), for a subject the queue can show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from lrs_core.domain.kinds import AttachmentKind, BreachRule, LadderStep
from lrs_core.intake.passphrase import Passphrase

# §1.4's own words for each breach, shown with every finding.
RULE_WORDING: dict[BreachRule, str] = {
    BreachRule.ULN_WITH_DEMOGRAPHIC: (
        "A ULN with any of the five demographics (given and family name, date of birth,"
        " gender, postcode) in an unencrypted email"
    ),
    BreachRule.DEMOGRAPHICS: "More than one demographic in an unencrypted email",
    BreachRule.UNENCRYPTED_ATTACHMENT: "Learner data sent unencrypted",
    BreachRule.WEAK_ENCRYPTION: (
        "The file is not encrypted to AES-256, as the passphrase guidance requires"
    ),
    BreachRule.PASSPHRASE_IN_EMAIL: "The password in the same email as the encrypted file",
    BreachRule.CREDENTIALS_IN_EMAIL: "A username and password in an email",
}

# §1.4's escalation for repeated breaches, in order, in its words.
LADDER: tuple[tuple[LadderStep, str], ...] = (
    (LadderStep.CONTACT, "Contact the user and the organisation's super users"),
    (LadderStep.USER_DISABLED, "User permissions disabled"),
    (LadderStep.ORGANISATION_DISABLED, "Organisation permissions disabled"),
    (
        LadderStep.DPO_AND_SENIOR_MANAGEMENT,
        "Escalation to the Data Protection Officer and senior management",
    ),
    (LadderStep.ICO, "Report to the Information Commissioner's Office"),
)


@dataclass(frozen=True)
class KnownLearner:
    """The register's own data for a ULN found in an email (a system look, audited by the
    service): what to look for in the text beside it."""

    uln: str
    given_names: tuple[str, ...]  # given, preferred, middle
    family_names: tuple[str, ...]  # family, previous
    date_of_birth: date | None
    postcode: str | None


@dataclass(frozen=True)
class Finding:
    rule: BreachRule
    location: str  # "subject", "body", "attachment pupils.csv"
    summary: str  # what kind of data, never the data: "a ULN with a date of birth"

    @property
    def wording(self) -> str:
        return RULE_WORDING[self.rule]


def ulns_in(text: str) -> tuple[str, ...]:
    """Every ten-digit run with a valid ULN check digit (DOMAIN.md "Formats and codes"), in
    order, each once; 9999999999 (the ILR's temporary ULN) is not a learner's."""
    raise NotImplementedError


def scan_text(
    location: str, text: str, known: Mapping[str, KnownLearner] | None = None
) -> tuple[Finding, ...]:
    """The §1.4 findings in one text (ULN with a demographic; more than one demographic;
    a username and password). ``known``: the register's learners for the ULNs in it."""
    raise NotImplementedError


def attachment_findings(
    filename: str,
    kind: AttachmentKind,
    text: str | None,
    known: Mapping[str, KnownLearner] | None = None,
) -> tuple[Finding, ...]:
    """An attachment's findings: ZipCrypto is weak; a plain file or plain zip holding learner
    data (a ULN, demographics, or a learner-data header such as Surname and DOB) is learner
    data sent unencrypted, with the findings of its text."""
    raise NotImplementedError


def passphrase_findings(
    passphrase: Passphrase, texts: Sequence[tuple[str, str]]
) -> tuple[Finding, ...]:
    """Where the phoned passphrase appears in the email's own texts ((location, text): the
    subject, the body, any other attachment's text), ignoring case and the spaces around it;
    the finding never holds the passphrase."""
    raise NotImplementedError


def mask(text: str, known: Mapping[str, KnownLearner] | None = None) -> str:
    """``text`` with every ULN, date, postcode, known learner's name and credential replaced
    by its kind in brackets ("[ULN]", "[date]", "[postcode]", "[name]", "[password]")."""
    raise NotImplementedError


def propose_step(history: Sequence[LadderStep]) -> LadderStep:
    """The next step for an organisation's new breach: one beyond the furthest step taken on
    its breaches in the window (``history``), the first when there is none, the last at most."""
    raise NotImplementedError


def step_wording(step: LadderStep) -> str:
    return dict(LADDER)[step]
