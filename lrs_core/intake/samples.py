"""The demo's and the tests' intake emails, made by the code itself (issue 13, item 9): every
learner in them is synthetic. Each sample is the message's bytes plus what a test needs to
know about it (the passphrase phoned, what the checks should find)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lrs_core.intake.passphrase import Passphrase

# The passphrase the demo's compliant provider phones in (published, like the demo passwords).
DEMO_PASSPHRASE = "Harbour-4827-Lantern!"


@dataclass(frozen=True)
class Sample:
    name: str  # e.g. "compliant-aes-zip"
    raw: bytes = field(repr=False)
    passphrase: Passphrase | None  # what the sender phones in, when there is a file to open
    expected_rules: tuple[str, ...]  # BreachRule values the receipt checks should find


def samples(rows: list[dict[str, str]] | None = None) -> tuple[Sample, ...]:
    """The seven samples of issue 13: a compliant AES zip (passphrase phoned), a ZipCrypto
    zip, an encrypted xlsx, a ULN and date of birth in a plain body, the passphrase in the
    same email, a plain CSV attachment, a hostile zip. ``rows`` (learner field -> value) fill
    the spreadsheets; by default a few synthetic rows."""
    raise NotImplementedError
