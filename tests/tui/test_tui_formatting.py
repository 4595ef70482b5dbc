"""How LRS Desk writes times, durations and the core's messages for UK desk staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs_core.errors import AuthenticationFailed
from lrs_tui.formatting import (
    days_until,
    duration,
    error_text,
    percent,
    sentence,
    uk_date,
    uk_datetime,
)


def test_times_are_shown_in_uk_local_time_day_first() -> None:
    assert uk_datetime(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == "Mon 23 Nov 2026, 10:00"
    # British Summer Time: 09:30 UTC is 10:30 in London.
    assert uk_datetime(datetime(2026, 7, 1, 9, 30, tzinfo=UTC)) == "Wed 1 Jul 2026, 10:30"
    assert uk_date(datetime(2027, 1, 6, 10, 0, tzinfo=UTC)) == "Wed 6 Jan 2027"


def test_days_until_counts_calendar_days_in_uk_time() -> None:
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert days_until(datetime(2026, 11, 24, 0, 30, tzinfo=UTC), now) == 1
    assert days_until(now, now) == 0


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(15, "15 minutes"), (1, "1 minute"), (0.5, "30 seconds"), (1 / 60, "1 second")],
)
def test_idle_timeout_in_words(minutes: float, words: str) -> None:
    assert duration(minutes) == words


def test_core_messages_become_sentences() -> None:
    assert sentence("wrong password (1 try left)") == "Wrong password (1 try left)."
    assert sentence("Done.") == "Done."
    assert error_text(AuthenticationFailed("enter your username and password")) == (
        "Enter your username and password."
    )
    assert error_text(KeyError("secret detail")).startswith("Something went wrong (KeyError)")


def test_scores() -> None:
    assert [percent(s) for s in (1.0, 0.999, 0.72, 0.0)] == ["100%", "99%", "72%", "0%"]
