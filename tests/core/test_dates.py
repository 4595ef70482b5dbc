"""Dates as people in the UK type them, and the one house style they are shown in.

DOMAIN.md "Formats and codes" stores dates as YYYY-MM-DD; desk staff and callers say and type
them day first (3/8/77, 3 Aug 1977). Every date field of the app and the commands reads them
through ``parse_date`` / ``parse_date_of_birth`` and shows them with ``display_date``.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lrs_core.domain.learner_fields import validate_field
from lrs_core.domain.values import (
    DATE_FORMS,
    MAX_AGE,
    MIN_AGE,
    age_on,
    display_date,
    parse_date,
    parse_date_of_birth,
    validate_date_of_birth,
)
from lrs_core.errors import ValidationError

TODAY = date(2026, 11, 30)
AUG_3_1977 = date(1977, 8, 3)

TYPED = [
    "03/08/1977",
    "3/8/1977",
    "3/8/77",
    "3-8-1977",
    "3.8.1977",
    "03.08.77",
    "3 Aug 1977",
    "3 aug 1977",
    "3 August 1977",
    "3 AUGUST 1977",
    "03-Aug-1977",
    "3rd Aug 1977",
    "  3 Aug 1977 ",
    "1977-08-03",
]


@pytest.mark.parametrize("typed", TYPED)
def test_every_form_people_type_reads_as_the_same_date(typed: str) -> None:
    assert parse_date(typed, "Date", TODAY) == AUG_3_1977
    assert parse_date_of_birth(typed, TODAY) == AUG_3_1977
    assert validate_date_of_birth(typed, TODAY) == AUG_3_1977


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("3/8", "day first, such as"),  # no year
        ("3/8/977", "day first, such as"),  # a three-digit year
        ("03081977", "day first, such as"),  # no separators: which digits are which?
        ("3/8-1977", "day first, such as"),  # mixed separators
        ("Aug 3 1977", "day first, such as"),  # month first
        ("1977/08/03", "day first, such as"),
        ("\u0663/8/1977", "day first, such as"),  # an Arabic-Indic 3
        ("08/25/1977", "dates are written day first (25/8/1977 for 25 Aug)"),  # US order
        ("3 Agu 1977", '"Agu" is not a month'),
        ("31/2/1977", "February 1977 has 28 days"),
        ("29/2/1900", "February 1900 has 28 days"),
        ("13/13/1977", "month must be 1 to 12"),
        ("0/8/1977", "August 1977 has 31 days"),
        ("3/8/0000", "there is no year 0"),
    ],
)
def test_ambiguous_or_impossible_dates_are_refused_naming_the_field(
    typed: str, fragment: str
) -> None:
    for read in (
        lambda: parse_date(typed, "Award date", TODAY),
        lambda: parse_date_of_birth(typed, TODAY, "Award date"),
    ):
        with pytest.raises(ValidationError) as caught:
            read()
        assert caught.value.field == "Award date"
        assert fragment in caught.value.message, caught.value.message


def test_a_refusal_shows_the_accepted_forms() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date("tomorrow", "Date of birth", TODAY)
    assert DATE_FORMS in caught.value.message
    assert "3 Aug 1977" in DATE_FORMS and "1977-08-03" in DATE_FORMS


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("3/8/77", date(1977, 8, 3)),
        ("3/8/10", date(2010, 8, 3)),  # 16 today; 1910 would be 116
        ("3/8/20", date(1920, 8, 3)),  # 106 today; 2020 would be 6
        ("30/11/13", date(2013, 11, 30)),  # 13 today: the youngest
        ("1/12/16", date(1916, 12, 1)),  # 109 today; 2016 would be 9
        ("29/2/00", date(2000, 2, 29)),  # a leap day only in 2000
    ],
)
def test_a_two_digit_year_of_birth_takes_the_century_of_a_learner_aged_13_to_110(
    typed: str, born: date
) -> None:
    # DOMAIN.md "Learners and ULNs": learners are 13 to 110 (MIN_AGE, MAX_AGE)
    assert parse_date_of_birth(typed, TODAY) == born
    assert validate_field("date_of_birth", typed, TODAY) == born


@pytest.mark.parametrize("typed", ["3/8/14", "1/12/13", "3/8/15"])
def test_a_two_digit_year_of_birth_no_century_fits_asks_for_four_digits(typed: str) -> None:
    # DOMAIN.md "Learners and ULNs": 2014 makes a learner of 12, 1914 one of 112
    with pytest.raises(ValidationError) as caught:
        parse_date_of_birth(typed, TODAY)
    assert caught.value.field == "Date of birth"
    assert "write the year in four digits" in caught.value.message
    assert "would not make the learner 13 to 110" in caught.value.message


def test_a_two_digit_year_of_birth_that_fits_two_centuries_asks_for_four_digits() -> None:
    # A configured age range wider than a century: both 1977 and 2077 cannot be ruled out.
    with pytest.raises(ValidationError) as caught:
        parse_date_of_birth("3/8/77", date(2090, 1, 1), min_age=0, max_age=120)
    assert "write the year in four digits (it could be 3 Aug 1977 or 3 Aug 2077)" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("3/8/77", date(1977, 8, 3)),
        ("3/8/26", date(2026, 8, 3)),  # this year, already past
        ("30/11/26", date(2026, 11, 30)),  # today
        ("1/12/26", date(1926, 12, 1)),  # tomorrow in 2026: the nearest past is 1926
        ("3/8/00", date(2000, 8, 3)),
    ],
)
def test_any_other_two_digit_year_means_the_nearest_past_date(typed: str, meant: date) -> None:
    assert parse_date(typed, "Date of address capture", TODAY) == meant
    assert validate_field("date_of_address_capture", typed, TODAY) == meant


def test_a_two_digit_year_with_no_today_to_go_by_is_refused() -> None:
    with pytest.raises(ValidationError, match="write the year in four digits"):
        parse_date("3/8/77", "Date")


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (date(1977, 8, 3), "3 Aug 1977"),
        (date(2008, 12, 25), "25 Dec 2008"),
        (date(905, 1, 1), "1 Jan 0905"),
    ],
)
def test_the_house_style(day: date, shown: str) -> None:
    assert display_date(day) == shown


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_every_date_shown_in_the_house_style_reads_back_as_itself(day: date) -> None:
    shown = display_date(day)
    assert parse_date(shown, "Date") == day
    assert parse_date(shown, "Date", TODAY) == day
    assert parse_date_of_birth(shown, TODAY) == day


@given(st.dates(min_value=date(TODAY.year - 110, 12, 1), max_value=date(TODAY.year - 13, 11, 30)))
def test_every_learners_birthday_typed_short_reads_back_as_itself(born: date) -> None:
    # DOMAIN.md "Learners and ULNs": a learner aged 13 to 110 today, typed d/m/yy
    assume(MIN_AGE <= age_on(born, TODAY) <= MAX_AGE)
    typed = f"{born.day}/{born.month}/{born.year % 100:02d}"
    assert parse_date_of_birth(typed, TODAY) == born
