"""Support hours and SLA clocks (DOMAIN.md "Service levels", Service Charter).

Pure: no I/O and no database. SLA clocks count *support hours* only: 08:00-18:00 Europe/London
(configurable), Monday to Friday, excluding the bank holidays of the configured UK division from
the maintained ``holidays`` library (offline: its tables ship with the package), plus the desk's
own extra closed dates, and with its extra open dates (a day the desk opens despite a holiday or a
weekend). The desk opens at its local time every day, so across the BST/GMT changes the opening
moves by an hour in UTC while a day's support hours stay real hours.

Instants are read to the whole second (microseconds dropped). The calendar keeps, per range of
years, the open days' intervals as POSIX seconds with a running total of support seconds before
each, built lazily on first use, so ``add`` and ``between`` are two binary searches each, however
long the span (10,000 due times of a 360-hour clock take tens of milliseconds).

A challenge's clock (``clock_state``) is its budget, the support seconds already used in earlier
running periods and, while it runs, the instant the current period began. Pausing it (awaiting
information) stores ``clock_state(...).used_seconds`` and clears ``running_since``; resuming sets
``running_since`` again: the paused stretch costs nothing.
"""

from __future__ import annotations

import functools
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lrs_core.domain.values import display_date
from lrs_core.errors import ValidationError

if TYPE_CHECKING:
    from lrs_core.config import SlaSettings

LONDON = ZoneInfo("Europe/London")

# The desk's holiday divisions (config [sla] holiday_division) and the `holidays` library's
# subdivision of the United Kingdom for each: England and Wales share their bank holidays.
HOLIDAY_DIVISIONS: Mapping[str, str] = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}

# Service Charter: support hours per incident priority. The charter's priority 3 is "N/A".
DEFAULT_PRIORITY_HOURS: Mapping[int, int] = {1: 4, 2: 12, 4: 360}

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_YEARS_AHEAD = 3  # years indexed past the one asked for when an index is (re)built
_SEARCH_LIMIT_YEARS = 50  # a calendar with no desk hours for this long cannot reach a due time
_CACHED_YEARS = 40  # the widest span of years the calendar keeps indexed
_LAST_YEAR = 9998  # the last year indexed: a due time must still fit in a datetime


def _instant(value: datetime, name: str) -> int:
    """An aware instant as whole POSIX seconds (microseconds dropped)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")
    return int(value.replace(microsecond=0).timestamp())


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class _Index:
    """Open days from ``first_year`` to ``last_year``: each day's opening and closing (POSIX
    seconds) and the support seconds of every earlier day in the index (``before``)."""

    first_year: int
    last_year: int
    opens: tuple[int, ...]
    closes: tuple[int, ...]
    before: tuple[int, ...]  # support seconds before each day
    after: tuple[int, ...]  # support seconds up to each day's closing

    def position(self, at: int) -> int:
        """Support seconds from the start of the index to the instant ``at``."""
        i = bisect_right(self.opens, at) - 1
        if i < 0:
            return 0
        return self.before[i] + min(at - self.opens[i], self.closes[i] - self.opens[i])

    def instant(self, position: int) -> int | None:
        """The earliest instant at ``position`` (> 0) support seconds; None past the index."""
        i = bisect_left(self.after, position)
        if i >= len(self.after):
            return None
        return self.opens[i] + position - self.before[i]


class SupportCalendar:
    """When the desk is open, and how many support seconds lie between two instants."""

    def __init__(
        self,
        *,
        opens: time = time(8, 0),
        closes: time = time(18, 0),
        division: str = "england-and-wales",
        extra_closed: Iterable[date] = (),
        extra_open: Iterable[date] = (),
        priority_hours: Mapping[int, int] = DEFAULT_PRIORITY_HOURS,
    ) -> None:
        if division not in HOLIDAY_DIVISIONS:
            raise ValueError(
                f"holiday division must be one of {', '.join(HOLIDAY_DIVISIONS)}, not {division!r}"
            )
        if not opens < closes:
            raise ValueError(f"the desk must open ({opens}) before it closes ({closes})")
        self.opens = opens
        self.closes = closes
        self.division = division
        self.extra_closed = frozenset(extra_closed)
        self.extra_open = frozenset(extra_open)
        both = self.extra_closed & self.extra_open
        if both:
            named = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates both extra closed and extra open: {named}")
        self.priority_hours = dict(priority_hours)
        self._index: _Index | None = None
        self._holiday_years: dict[int, frozenset[date]] = {}
        self._building = threading.Lock()

    @classmethod
    def from_settings(cls, settings: SlaSettings) -> SupportCalendar:
        """The desk's calendar from ``[sla]`` (checked by ``load_settings``)."""
        opens, closes = settings.opening_hours
        return cls(
            opens=opens,
            closes=closes,
            division=settings.holiday_division,
            extra_closed=(date.fromisoformat(d) for d in settings.extra_closed_dates),
            extra_open=(date.fromisoformat(d) for d in settings.extra_open_dates),
            priority_hours=settings.priority_hours,
        )

    # -- the days --------------------------------------------------------------------------

    def _holidays(self, first_year: int, last_year: int) -> frozenset[date]:
        """The division's bank holidays of those years, each year read once and kept."""
        missing = [y for y in range(first_year, last_year + 1) if y not in self._holiday_years]
        if missing:
            import holidays  # the library's tables load on first use, never at start-up

            found = holidays.country_holidays(
                "GB", subdiv=HOLIDAY_DIVISIONS[self.division], years=missing
            )
            by_year: dict[int, set[date]] = {year: set() for year in missing}
            for day in found:
                by_year.setdefault(day.year, set()).add(day)
            for year, days in by_year.items():
                self._holiday_years.setdefault(year, frozenset(days))
        years = range(first_year, last_year + 1)
        return frozenset().union(*(self._holiday_years[y] for y in years))

    def is_open_day(self, day: date) -> bool:
        """A day the desk opens: Monday to Friday and not a bank holiday, or an extra open
        date; never an extra closed date."""
        if day in self.extra_closed:
            return False
        if day in self.extra_open:
            return True
        return day.weekday() < 5 and day not in self._holidays(day.year, day.year)

    def _build(self, first_year: int, last_year: int) -> _Index:
        holidays = self._holidays(first_year, last_year)
        opens: list[int] = []
        closes: list[int] = []
        before: list[int] = []
        after: list[int] = []
        total = 0
        day = date(first_year, 1, 1)
        end = date(last_year, 12, 31)
        while day <= end:
            if day not in self.extra_closed and (
                day in self.extra_open or (day.weekday() < 5 and day not in holidays)
            ):
                # The desk's local times that day, whatever the offset (BST or GMT).
                start = int(datetime.combine(day, self.opens, LONDON).timestamp())
                stop = int(datetime.combine(day, self.closes, LONDON).timestamp())
                if stop > start:
                    opens.append(start)
                    closes.append(stop)
                    before.append(total)
                    total += stop - start
                    after.append(total)
            day += timedelta(days=1)
        return _Index(
            first_year, last_year, tuple(opens), tuple(closes), tuple(before), tuple(after)
        )

    def _covering(self, first_year: int, last_year: int) -> _Index:
        """An index holding every day of the years asked (built or widened on first need)."""
        index = self._index
        if index is not None and index.first_year <= first_year and last_year <= index.last_year:
            return index
        # One year either side: an instant's London date may fall in the next UTC year.
        first_year = max(first_year - 1, 1)
        last_year = min(last_year + _YEARS_AHEAD, _LAST_YEAR)
        with self._building:
            index = self._index
            if index is not None:
                if index.first_year <= first_year and last_year <= index.last_year:
                    return index  # another thread built it meanwhile
                if max(last_year, index.last_year) - min(first_year, index.first_year) > (
                    _CACHED_YEARS
                ):
                    # Far from the years in use (an old or mistyped date): index it alone,
                    # rather than every year between.
                    return self._build(first_year, last_year)
                first_year = min(first_year, index.first_year)
                last_year = max(last_year, index.last_year)
            index = self._build(first_year, last_year)
            self._index = index
            return index

    # -- instants --------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """The desk is open at ``at`` (from its opening to just before its closing)."""
        moment = _instant(at, "at")
        index = self._covering(at.year, at.year)
        i = bisect_right(index.opens, moment) - 1
        return i >= 0 and moment < index.closes[i]

    def between(self, start: datetime, end: datetime) -> int:
        """Support seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        first, last = _instant(start, "start"), _instant(end, "end")
        if last <= first:
            return 0
        index = self._covering(start.year, end.year)
        return index.position(last) - index.position(first)

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant (UTC) at which ``seconds`` support seconds have elapsed from ``start``:
        a start outside desk hours counts from the next opening, and the answer is the earliest
        such instant (a span that ends at a closing ends then, not at the next opening)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise ValueError(f"support seconds to add must be a whole number >= 0, not {seconds!r}")
        first = _instant(start, "start")
        if seconds == 0:
            return _utc(first)
        years = start.year
        while True:
            index = self._covering(start.year, years)
            found = index.instant(index.position(first) + seconds)
            if found is not None:
                return _utc(found)
            if index.last_year >= min(start.year + _SEARCH_LIMIT_YEARS, _LAST_YEAR):
                raise ValueError(
                    f"{seconds} support seconds from {start.isoformat()} reach no desk hours"
                    f" up to {index.last_year}"
                )
            years = index.last_year + 1

    # -- budgets ---------------------------------------------------------------------------

    def budget_seconds(self, priority: int) -> int:
        """The support seconds a challenge of ``priority`` is given (Service Charter)."""
        return priority_seconds(self.priority_hours, priority)


def priority_seconds(priority_hours: Mapping[int, int], priority: int) -> int:
    """Support seconds for ``priority`` from the configured hours per priority; an unknown
    priority (the charter's 3 is "N/A") is refused naming the field."""
    if isinstance(priority, bool) or priority not in priority_hours:
        known = sorted(priority_hours)
        listed = ", ".join(str(p) for p in known[:-1]) + f" or {known[-1]}"
        raise ValidationError(
            "Priority",
            f"must be {listed} (the Service Charter's priorities with support hours), "
            f"not {priority!r}",
        )
    return priority_hours[priority] * 3600


def budget_seconds(settings: SlaSettings, priority: int) -> int:
    """The support seconds ``[sla] priority_N_hours`` gives a challenge of ``priority``."""
    return priority_seconds(settings.priority_hours, priority)


# -- the clock of one challenge ------------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    """One challenge's SLA clock at ``now``. ``remaining_seconds`` is negative when overdue;
    ``due_at`` is None while paused (awaiting information)."""

    budget_seconds: int
    used_seconds: int
    remaining_seconds: int
    due_at: datetime | None
    paused: bool
    warning: bool
    breached: bool


@functools.lru_cache(maxsize=8)
def _exact_share(warn_share: float) -> Fraction:
    # Compared in whole numbers, so 80% of 360 hours warns at exactly 288 hours. Made once per
    # setting: the queue asks it of every one of thousands of rows.
    return Fraction(warn_share).limit_denominator(1_000_000)


def clock_state(
    calendar: SupportCalendar,
    budget_seconds: int,
    used_seconds: int,
    running_since: datetime | None,
    now: datetime,
    warn_share: float,
) -> ClockState:
    """The clock at ``now``: ``used_seconds`` from earlier running periods plus, while it runs,
    the support seconds since ``running_since``. Warning from ``warn_share`` of the budget used;
    breached once more than the budget is used or ``now`` is past the due time."""
    if budget_seconds < 0 or used_seconds < 0:
        raise ValueError("budget and used support seconds must not be negative")
    if not 0 < warn_share < 1:
        raise ValueError(f"warn_share must be above 0 and below 1, not {warn_share!r}")
    _instant(now, "now")
    used = used_seconds
    due_at: datetime | None = None
    if running_since is not None:
        used += calendar.between(running_since, now)
        due_at = calendar.add(running_since, max(budget_seconds - used_seconds, 0))
    breached = used > budget_seconds or (
        due_at is not None and _instant(now, "now") > _instant(due_at, "due")
    )
    share = _exact_share(warn_share)
    warning = not breached and used * share.denominator >= share.numerator * budget_seconds
    return ClockState(
        budget_seconds=budget_seconds,
        used_seconds=used,
        remaining_seconds=budget_seconds - used,
        due_at=due_at,
        paused=running_since is None,
        warning=warning,
        breached=breached,
    )


def support_time(seconds: int) -> str:
    """A span of support time as the queue says it: whole hours (rounded down), minutes under
    an hour, "under a support minute" under a minute."""
    seconds = abs(seconds)
    if seconds >= 3600:
        hours = seconds // 3600
        return f"{hours} support hour{'s' if hours != 1 else ''}"
    if seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} support minute{'s' if minutes != 1 else ''}"
    return "under a support minute"


def desk_time(at: datetime) -> str:
    """An instant as the desk reads it, in London: ``Tue 8 Dec 2026 15:00``."""
    local = at.astimezone(LONDON)
    return f"{_WEEKDAYS[local.weekday()]} {display_date(local.date())} {local:%H:%M}"


def describe(state: ClockState) -> str:
    """The queue's wording: "due in 37 support hours (Tue 8 Dec 2026 15:00)", "paused: 120
    support hours left", "overdue by 3 support hours (was due Mon 7 Dec 2026 12:00)"."""
    remaining = state.remaining_seconds
    if state.paused:
        if remaining < 0:
            return f"paused: overdue by {support_time(remaining)}"
        return f"paused: {support_time(remaining)} left"
    if state.due_at is None:  # not paused, so running: a running clock has a due time
        return f"{support_time(remaining)} left"
    when = desk_time(state.due_at)
    if state.breached:
        if remaining < 0:
            return f"overdue by {support_time(remaining)} (was due {when})"
        return f"overdue (was due {when})"
    return f"due in {support_time(remaining)} ({when})"
