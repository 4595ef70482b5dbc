"""SLA clocks count support hours only (DOMAIN.md "Service levels"; Service Charter, 004_…):
08:00-18:00 London time, Monday to Friday, excluding England and Wales bank holidays, with the
desk's own extra closed and open dates; priority 4 (data challenges) is 360 support hours."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_core.config import SHIPPED_CONFIG, SlaSettings, load_settings
from lrs_core.domain.support_hours import (
    LONDON,
    SupportCalendar,
    budget_seconds,
    clock_state,
    describe,
)
from lrs_core.errors import ConfigurationError, ValidationError

HOUR = 3600
DESK = SupportCalendar()  # the charter's calendar: 08:00-18:00, England and Wales


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


# -- examples (DOMAIN.md "Service levels") --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Friday 17:00 + 2 h: one hour on Friday, the second from Monday's opening.
        (london(2026, 11, 27, 17, 0), 2, london(2026, 11, 30, 9, 0)),
        # A span ending at a closing ends then, not at the next opening.
        (london(2026, 11, 27, 17, 0), 1, london(2026, 11, 27, 18, 0)),
        # Summer bank holiday, Monday 31 Aug 2026, is skipped.
        (london(2026, 8, 28, 17, 0), 2, london(2026, 9, 1, 9, 0)),
        # Christmas 2026: Fri 25 Dec, and Mon 28 Dec (Boxing Day, a Saturday, substituted).
        (london(2026, 12, 24, 17, 0), 2, london(2026, 12, 29, 9, 0)),
        # Starting outside hours counts from the next opening: early, late, Saturday.
        (london(2026, 12, 1, 6, 0), 1, london(2026, 12, 1, 9, 0)),
        (london(2026, 12, 1, 20, 0), 1, london(2026, 12, 2, 9, 0)),
        (london(2026, 12, 5, 11, 30), 3, london(2026, 12, 7, 11, 0)),
        # 360 support hours from Monday 7 Sep 2026 08:00: 36 desk days (no bank holiday in
        # between), so seven weeks and one day later, at its closing.
        (london(2026, 9, 7, 8, 0), 360, london(2026, 10, 26, 18, 0)),
        # ... and from Monday 30 Nov 2026, Christmas and New Year's Day cost three desk days.
        (london(2026, 11, 30, 8, 0), 360, london(2027, 1, 21, 18, 0)),
    ],
)
def test_add_support_hours(start: datetime, hours: int, expected: datetime) -> None:
    due = DESK.add(start, hours * HOUR)
    assert due == expected
    assert due.tzinfo is UTC
    assert DESK.between(start, due) == hours * HOUR


@pytest.mark.parametrize(
    ("friday", "monday"),
    [
        # BST ends Sunday 25 Oct 2026: the desk opens at 08:00 London both days, 07:00 UTC
        # before and 08:00 UTC after.
        (london(2026, 10, 23, 8, 0), london(2026, 10, 26, 8, 0)),
        # BST starts Sunday 29 Mar 2026: 08:00 UTC before, 07:00 UTC after.
        (london(2026, 3, 27, 8, 0), london(2026, 3, 30, 8, 0)),
    ],
)
def test_a_day_is_ten_real_hours_either_side_of_the_clock_change(
    friday: datetime, monday: datetime
) -> None:
    assert friday.utcoffset() != monday.utcoffset()
    assert DESK.add(friday, 10 * HOUR) == (friday + timedelta(hours=10)).astimezone(UTC)
    assert DESK.add(friday, 10 * HOUR + 1) == (monday + timedelta(seconds=1)).astimezone(UTC)
    assert DESK.add(monday, 10 * HOUR) == (monday + timedelta(hours=10)).astimezone(UTC)
    # The opening moves by an hour in UTC, the support hours do not.
    assert DESK.between(friday, monday + timedelta(hours=10)) == 20 * HOUR
    assert not DESK.is_open(monday - timedelta(seconds=1))
    assert DESK.is_open(monday)


@pytest.mark.parametrize(
    "start", [london(2026, 12, 5, 11, 30), london(2026, 12, 1, 20, 0), london(2026, 12, 1, 9, 0)]
)
def test_adding_nothing_is_the_start_itself(start: datetime) -> None:
    # A clock with nothing left is due when it (re)starts, never before it.
    assert DESK.add(start, 0) == start


def test_is_open_from_the_opening_to_just_before_the_closing() -> None:
    assert not DESK.is_open(london(2026, 12, 1, 7, 59, 59))
    assert DESK.is_open(london(2026, 12, 1, 8, 0))
    assert DESK.is_open(london(2026, 12, 1, 17, 59, 59))
    assert not DESK.is_open(london(2026, 12, 1, 18, 0))
    assert not DESK.is_open(london(2026, 12, 5, 12, 0))  # Saturday
    assert not DESK.is_open(london(2026, 8, 31, 12, 0))  # summer bank holiday
    # An instant given in another zone is the same instant.
    assert DESK.is_open(datetime(2026, 7, 1, 7, 0, tzinfo=UTC))  # 08:00 BST
    assert not DESK.is_open(datetime(2026, 7, 1, 17, 0, tzinfo=UTC))  # 18:00 BST


def test_between_counts_only_desk_hours() -> None:
    assert DESK.between(london(2026, 12, 4, 12, 0), london(2026, 12, 7, 12, 0)) == 10 * HOUR
    assert DESK.between(london(2026, 12, 7, 12, 0), london(2026, 12, 4, 12, 0)) == 0
    assert DESK.between(london(2026, 12, 5, 0, 0), london(2026, 12, 6, 23, 59)) == 0
    # Christmas week 2026: 24 Dec (Thu), then 29-31 Dec.
    assert DESK.between(london(2026, 12, 24, 0, 0), london(2027, 1, 1, 0, 0)) == 40 * HOUR


@pytest.mark.parametrize(
    ("division", "day", "open_day"),
    [
        ("england-and-wales", date(2026, 8, 31), False),
        ("scotland", date(2026, 8, 31), True),  # Scotland's summer holiday is 3 Aug
        ("scotland", date(2026, 8, 3), False),
        ("northern-ireland", date(2026, 3, 17), False),  # St Patrick's Day
        ("england-and-wales", date(2026, 3, 17), True),
    ],
)
def test_the_configured_division_gives_the_bank_holidays(
    division: str, day: date, open_day: bool
) -> None:
    assert SupportCalendar(division=division).is_open_day(day) is open_day


def test_extra_closed_and_open_dates_are_honoured() -> None:
    calendar = SupportCalendar(
        extra_closed=[date(2026, 12, 29)],
        extra_open=[date(2026, 12, 28), date(2026, 12, 5)],  # a bank holiday, a Saturday
    )
    assert not calendar.is_open_day(date(2026, 12, 29))
    assert calendar.is_open_day(date(2026, 12, 28))
    assert calendar.is_open_day(date(2026, 12, 5))
    assert calendar.add(london(2026, 12, 24, 17, 0), 2 * HOUR) == london(2026, 12, 28, 9, 0)
    assert calendar.add(london(2026, 12, 28, 17, 0), 2 * HOUR) == london(2026, 12, 30, 9, 0)
    assert calendar.between(london(2026, 12, 4, 18, 0), london(2026, 12, 7, 8, 0)) == 10 * HOUR
    with pytest.raises(ValueError, match="2026-12-29"):
        SupportCalendar(extra_closed=[date(2026, 12, 29)], extra_open=[date(2026, 12, 29)])


def test_the_calendar_comes_from_the_sla_settings(tmp_path: Path) -> None:
    path = tmp_path / "lrs-desk.toml"
    path.write_text(
        '[sla]\ndesk_opens = "09:00"\ndesk_closes = "17:30"\nholiday_division = "scotland"\n'
        'extra_closed_dates = ["2026-12-24"]\nextra_open_dates = ["2026-12-26"]\n'
    )
    settings = load_settings(env={}, path=path)
    calendar = SupportCalendar.from_settings(settings.sla)
    assert calendar.opens == time(9, 0) and calendar.closes == time(17, 30)
    assert not calendar.is_open_day(date(2026, 12, 24))
    assert calendar.is_open_day(date(2026, 12, 26))
    assert calendar.is_open_day(date(2026, 8, 31)) and not calendar.is_open_day(date(2026, 8, 3))
    assert calendar.between(london(2026, 12, 1, 0, 0), london(2026, 12, 2, 0, 0)) == 8.5 * HOUR
    env = {"LRS_SLA_EXTRA_CLOSED_DATES": "2026-12-01, 2026-12-02"}
    settings = load_settings(env=env, path=SHIPPED_CONFIG)
    assert settings.sla.extra_closed_dates == ("2026-12-01", "2026-12-02")
    assert not SupportCalendar.from_settings(settings.sla).is_open_day(date(2026, 12, 2))


def test_the_shipped_settings_give_the_charter() -> None:
    sla = load_settings(env={}, path=SHIPPED_CONFIG).sla
    assert sla == SlaSettings()
    assert sla.warn_share == 0.8
    assert budget_seconds(sla, 4) == 360 * HOUR  # data challenges
    assert budget_seconds(sla, 1) == 4 * HOUR and budget_seconds(sla, 2) == 12 * HOUR
    assert SupportCalendar.from_settings(sla).budget_seconds(4) == 360 * HOUR


@pytest.mark.parametrize("priority", [3, 0, 5, True])
def test_an_unknown_priority_is_refused(priority: int) -> None:
    # The charter's priority 3 is "N/A": no support hours are set for it.
    with pytest.raises(ValidationError, match="must be 1, 2 or 4") as refused:
        budget_seconds(SlaSettings(), priority)
    assert refused.value.field == "Priority"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[sla]\nwarn_share = 1.0\n", "sla.warn_share must be above 0 and below 1"),
        ("[sla]\nwarn_share = 0\n", "sla.warn_share must be above 0 and below 1"),
        ("[sla]\nwarn_share = 'most'\n", "sla.warn_share must be a number"),
        ("[sla]\nextra_closed_dates = ['24/12/2026']\n", "sla.extra_closed_dates: '24/12/2026'"),
        ("[sla]\nextra_open_dates = [20261226]\n", "sla.extra_open_dates must be a list"),
        (
            "[sla]\nextra_closed_dates = ['2026-12-24']\nextra_open_dates = ['2026-12-24']\n",
            "both name 2026-12-24",
        ),
        ("[sla]\nholiday_division = 'wales'\n", "sla.holiday_division must be one of"),
        ("[sla]\ndesk_opens = '18:00'\ndesk_closes = '08:00'\n", "must be before"),
        ("[sla]\npriority_4_hours = 0\n", "sla.priority_4_hours must be from 1"),
        ("[sla]\npriority_3_hours = 24\n", "unknown setting"),
    ],
)
def test_bad_sla_settings_are_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env={}, path=path)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DESK.add(datetime(2026, 12, 1, 9, 0), HOUR)
    with pytest.raises(ValueError, match=">= 0"):
        DESK.add(london(2026, 12, 1, 9, 0), -1)


def test_dates_far_from_today_are_answered_and_the_end_of_time_refused() -> None:
    calendar = SupportCalendar()
    assert calendar.add(london(2026, 11, 27, 17, 0), 2 * HOUR) == london(2026, 11, 30, 9, 0)
    far = datetime(2900, 6, 1, tzinfo=UTC)  # a mistyped year is still a correct count
    assert calendar.between(far, calendar.add(far, 360 * HOUR)) == 360 * HOUR
    assert calendar.between(london(2026, 12, 4, 12, 0), london(2026, 12, 7, 12, 0)) == 10 * HOUR
    with pytest.raises(ValueError, match="reach no desk hours"):
        calendar.add(datetime(9998, 12, 1, tzinfo=UTC), 360 * HOUR)


def test_ten_thousand_due_times_take_well_under_a_second() -> None:
    calendar = SupportCalendar()
    start = london(2026, 1, 5, 8, 0)
    began = clock.perf_counter()
    for minute in range(10_000):
        calendar.add(start + timedelta(minutes=7 * minute), 360 * HOUR)
    assert clock.perf_counter() - began < 0.5


# -- properties: adding then measuring agrees (issue 11 item 3) ------------------------------

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31, 23, 59)
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC))
spans = st.integers(min_value=0, max_value=360 * HOUR)


@given(instants, spans)
def test_measuring_what_was_added_gives_it_back(start: datetime, seconds: int) -> None:
    assert DESK.between(start, DESK.add(start, seconds)) == seconds


@given(instants, spans, spans)
def test_add_is_monotonic(start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert DESK.add(start, low) <= DESK.add(start, high)
    if low < high:
        assert DESK.add(start, low) < DESK.add(start, high)


@given(st.lists(instants, min_size=3, max_size=3))
def test_between_is_additive(three: list[datetime]) -> None:
    a, b, c = sorted(three)
    assert DESK.between(a, b) + DESK.between(b, c) == DESK.between(a, c)


@given(instants, st.integers(min_value=1, max_value=360 * HOUR))
def test_a_due_time_falls_in_desk_hours_on_an_open_day(start: datetime, seconds: int) -> None:
    due = DESK.add(start, seconds).astimezone(LONDON)
    assert DESK.is_open_day(due.date())
    assert time(8, 0) < due.time() <= time(18, 0)
    assert DESK.is_open(due - timedelta(seconds=1))


@given(instants, spans, spans, st.integers(min_value=0, max_value=60 * 24 * 60 * 60))
def test_a_pause_costs_no_support_time(
    raised: datetime, used_before: int, running: int, paused_for: int
) -> None:
    budget = 360 * HOUR
    paused_at = DESK.add(raised, running)
    at_pause = clock_state(DESK, budget, used_before, raised, paused_at, 0.8)
    # Paused (awaiting information): the used time is stored, the clock stops.
    resumed_at = paused_at + timedelta(seconds=paused_for)
    while_paused = clock_state(DESK, budget, at_pause.used_seconds, None, resumed_at, 0.8)
    resumed = clock_state(DESK, budget, at_pause.used_seconds, resumed_at, resumed_at, 0.8)
    assert while_paused.remaining_seconds == at_pause.remaining_seconds
    assert resumed.remaining_seconds == at_pause.remaining_seconds
    assert while_paused.paused and while_paused.due_at is None
    if resumed.remaining_seconds >= 0:
        assert resumed.due_at == DESK.add(resumed_at, resumed.remaining_seconds)


# -- the clock of one challenge ---------------------------------------------------------------

BUDGET = 360 * HOUR
MONDAY = london(2026, 11, 30, 8, 0)


@pytest.mark.parametrize(
    ("used", "warning", "breached"),
    [
        (0, False, False),
        (int(0.8 * BUDGET) - 1, False, False),
        (int(0.8 * BUDGET), True, False),  # warns at 80% exactly
        (BUDGET, True, False),  # the whole budget used, at its due time: not yet breached
        (BUDGET + 1, False, True),
    ],
)
def test_warning_and_breach(used: int, warning: bool, breached: bool) -> None:
    now = DESK.add(MONDAY, used)
    state = clock_state(DESK, BUDGET, 0, MONDAY, now, 0.8)
    assert state.used_seconds == used
    assert state.remaining_seconds == BUDGET - used
    assert (state.warning, state.breached) == (warning, breached)
    assert state.due_at == london(2027, 1, 21, 18, 0)


def test_past_the_due_time_is_a_breach_even_with_no_support_hours_since() -> None:
    due = london(2027, 1, 21, 18, 0)  # a Thursday's closing
    state = clock_state(DESK, BUDGET, 0, MONDAY, due + timedelta(hours=2), 0.8)
    assert state.remaining_seconds == 0 and state.breached and not state.warning
    assert describe(state) == "overdue (was due Thu 21 Jan 2027 18:00)"


def test_the_queue_wording() -> None:
    now = london(2026, 12, 1, 12, 0)
    state = clock_state(DESK, BUDGET, 0, now, now, 0.8)
    assert describe(state) == "due in 360 support hours (Mon 25 Jan 2027 12:00)"
    state = clock_state(DESK, BUDGET, BUDGET - 37 * HOUR - 1800, now, now, 0.8)
    assert describe(state) == "due in 37 support hours (Mon 7 Dec 2026 09:30)"
    state = clock_state(DESK, BUDGET, BUDGET - 45 * 60, now, now, 0.8)
    assert describe(state) == "due in 45 support minutes (Tue 1 Dec 2026 12:45)"
    state = clock_state(DESK, BUDGET, BUDGET - 1, now, now, 0.8)
    assert describe(state) == "due in under a support minute (Tue 1 Dec 2026 12:00)"
    state = clock_state(DESK, BUDGET, BUDGET - 120 * HOUR, None, now, 0.8)
    assert describe(state) == "paused: 120 support hours left"
    state = clock_state(DESK, BUDGET, BUDGET + HOUR, None, now, 0.8)
    assert describe(state) == "paused: overdue by 1 support hour"
    # Raised Monday 30 Nov 08:00 and never paused: due 21 Jan 2027 18:00; three support
    # hours later it is overdue by three.
    state = clock_state(DESK, BUDGET, 0, MONDAY, london(2027, 1, 22, 11, 0), 0.8)
    assert describe(state) == "overdue by 3 support hours (was due Thu 21 Jan 2027 18:00)"
    # Summer: the due time shown is London's (BST), not UTC.
    summer = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    state = clock_state(DESK, 2 * HOUR, 0, summer, summer, 0.8)
    assert describe(state) == "due in 2 support hours (Wed 1 Jul 2026 10:00)"
