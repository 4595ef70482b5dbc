"""How LRS Desk writes dates, durations and core messages for people in the UK."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lrs_core.domain.values import display_date
from lrs_core.errors import LrsError


def _uk_zone() -> tzinfo:
    # The desk works on UK time; a machine without tz data still shows correct UTC times.
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        return UTC


UK = _uk_zone()


def uk_date(value: datetime) -> str:
    """``Wed 6 Jan 2027``: the weekday, then the house style (lrs_core ``display_date``)."""
    local = value.astimezone(UK)
    return f"{local:%a} {display_date(local.date())}"


def uk_datetime(value: datetime) -> str:
    """``Mon 23 Nov 2026, 10:00`` in UK local time (GMT or BST)."""
    local = value.astimezone(UK)
    return f"{uk_date(local)}, {local:%H:%M}"


def days_until(value: datetime, now: datetime) -> int:
    """Whole calendar days from ``now`` to ``value`` in UK time (negative when past)."""
    return (value.astimezone(UK).date() - now.astimezone(UK).date()).days


def duration(minutes: float) -> str:
    """``15 minutes``, ``1 minute``, ``30 seconds``: the idle timeout in words."""
    if minutes >= 1 and float(minutes).is_integer():
        whole = int(minutes)
        return f"{whole} minute{'' if whole == 1 else 's'}"
    seconds = max(1, round(minutes * 60))
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def sentence(text: str) -> str:
    """The core's messages are clauses ("wrong username or password"): make a sentence."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def error_text(error: BaseException | None) -> str:
    """What the operator reads when a worker fails: the core's own words, never a traceback."""
    if isinstance(error, LrsError):
        return sentence(str(error))
    name = type(error).__name__ if error is not None else "unknown error"
    return f"Something went wrong ({name}). Try again; if it happens again, tell an LRS Desk admin."


def percent(score: float) -> str:
    """A match score (0..1) as a whole percentage; ``99%`` is never rounded up to ``100%``."""
    whole = int(score * 100 + 1e-9)
    return f"{whole}%"
