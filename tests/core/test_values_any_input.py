"""Issue 9 item 10: the core's parsers answer any input with a ValidationError naming the
field (DOMAIN.md "Formats and codes", "Learner fields"), never another exception: a
10,000-digit gender once raised ``ValueError: Exceeds the limit (4300 digits)``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_core.domain import values
from lrs_core.domain.learner_fields import FIELDS, validate_field, validate_learner_fields
from lrs_core.errors import InvalidFields, ValidationError

TODAY = date(2026, 11, 23)
HUGE = "7" * 10_000

PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "uln": (values.validate_uln, "ULN"),
    "ukprn": (values.validate_ukprn, "UKPRN"),
    "upn": (values.validate_upn, "UPN"),
    "postcode": (values.validate_postcode, "Postcode"),
    "date": (lambda s: values.parse_date(s, "Date"), "Date"),
    "date of birth": (lambda s: values.validate_date_of_birth(s, TODAY), "Date of birth"),
    "gender": (values.parse_gender, "Gender"),
    "ability to share": (values.parse_ability_to_share, "Ability to share"),
    "verification type": (values.parse_verification_type, "Verification type"),
}

# Text shaped like what a parser half-accepts: long digit runs, dates, stray characters.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[0-9]{1,20}\Z", fullmatch=True),
    st.integers(4_000, 6_000).map(lambda n: " " + "9" * n),  # int() refuses over 4,300
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", fullmatch=True),
    st.text(alphabet="0123456789 -\x00\n\u0663\u00b2", max_size=30),
)


@pytest.mark.parametrize(
    "parser", ["gender", "ability to share", "verification type", "uln", "ukprn"]
)
def test_ten_thousand_digits_are_refused_naming_the_field(parser: str) -> None:
    parse, field = PARSERS[parser]
    with pytest.raises(ValidationError) as refused:
        parse(HUGE)
    assert refused.value.field == field
    assert len(str(refused.value)) < 400  # the value is quoted short, with its length
    assert "10,000 characters" in str(refused.value) or "exactly" in str(refused.value)


def test_a_huge_int_code_is_refused_too() -> None:
    with pytest.raises(ValidationError, match="too large to be a code"):
        values.parse_gender(10**5000)


@pytest.mark.parametrize("parser", PARSERS)
@settings(max_examples=60, deadline=None)
@given(text=ANY_TEXT)
def test_every_parser_answers_any_text_with_its_field(parser: str, text: str) -> None:
    parse, field = PARSERS[parser]
    try:
        parse(text)
    except ValidationError as refused:
        assert refused.field == field


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(FIELDS) - 1), text=ANY_TEXT, other=ANY_TEXT)
def test_every_learner_field_answers_any_text_with_its_label(
    index: int, text: str, other: str
) -> None:
    # As typed (inline), and as saved with every field given the same text.
    spec = FIELDS[index]
    try:
        validate_field(spec.name, text, TODAY)
    except ValidationError as refused:
        assert refused.field == spec.label
    raw = {f.name: text for f in FIELDS} | {spec.name: other}
    with pytest.raises(InvalidFields) as refused_all:
        validate_learner_fields(raw, TODAY, complete=True)
    labels = {f.label for f in FIELDS}
    assert {e.field for e in refused_all.value.errors} <= labels
