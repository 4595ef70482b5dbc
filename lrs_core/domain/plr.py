"""The Personal Learning Record's events as the portal shows them (User Guide §5): the eight
columns, sorting over every event, filtering, and the privacy rules of Appendix E.

Pure functions over :class:`PlrEvent`; the service reads the events and audits the look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from lrs_core.domain.names import name_key
from lrs_core.domain.values import parse_date
from lrs_core.errors import ValidationError


class PlrView(StrEnum):
    """Whose eyes: what an organisation with the Learner Record role sees, or the desk."""

    ORGANISATION = "org"
    DESK = "desk"

    @property
    def label(self) -> str:
        return "Organisation view" if self is PlrView.ORGANISATION else "Desk view"


@dataclass(frozen=True)
class ChallengeMark:
    """The data challenge an event is under (§5: events under investigation are marked)."""

    reference: str
    status: str


@dataclass(frozen=True)
class PlrEvent:
    """One learning event with every GetLearnerLearningEvents field (DOMAIN.md)."""

    id: int
    subject: str
    level: str | None
    grade: str | None
    credits: int | None
    source: str
    start_date: date | None
    end_date: date | None
    award_date: date | None
    awarding_organisation_name: str | None
    awarding_organisation_ukprn: str | None
    provider_ukprn: str | None
    provider_name: str | None
    qualification_type: str | None
    subject_code: str | None
    date_loaded: date
    status: str
    language_for_assessment: str | None
    collection_type: str | None
    return_number: str | None
    restriction: str | None
    sensitive: bool
    challenge: ChallengeMark | None = None

    @property
    def date(self) -> date | None:
        """The date an event is ordered by: awarded, else ended, else started."""
        return self.award_date or self.end_date or self.start_date


# The eight portal columns (§5.2), in order: (key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("subject", "Subject"),
    ("level", "Level"),
    ("grade", "Grade"),
    ("credits", "Credit"),
    ("source", "Source"),
    ("start_date", "Start Date"),
    ("end_date", "End Date"),
    ("award_date", "Award Date"),
)


def _level_rank(level: str | None) -> int:
    """Entry, then 1 to 8, whether written "3" or "Level 3"; anything else after."""
    key = name_key(level or "").removeprefix("level")
    if key == "entry":
        return 0
    return int(key) if key.isdigit() else 99


def _sort_key(column: str) -> Callable[[PlrEvent], Any]:
    if column == "level":
        return lambda e: _level_rank(e.level)
    if column in ("subject", "grade", "source"):
        return lambda e: (getattr(e, column) or "").casefold()
    return lambda e: getattr(e, column)


def sort_events(
    events: Iterable[PlrEvent], column: str, descending: bool = False
) -> list[PlrEvent]:
    """All events sorted by one of :data:`COLUMNS`; blanks always last; ties by date then id."""
    if column not in dict(COLUMNS):
        raise ValueError(f"unknown PLR column {column!r}")
    key = _sort_key(column)
    present = [e for e in events if getattr(e, column) not in (None, "")]
    blank = [e for e in events if getattr(e, column) in (None, "")]
    tiebreak = sorted(present, key=lambda e: (e.date or date.min, e.id))
    ordered = sorted(tiebreak, key=key, reverse=descending)
    return ordered + sorted(blank, key=lambda e: (e.date or date.min, e.id))


def in_date_order(events: Iterable[PlrEvent]) -> list[PlrEvent]:
    """Oldest first (the PLR report, §5.4); events without any date last."""
    return sorted(events, key=lambda e: (e.date is None, e.date or date.min, e.id))


def filter_events(
    events: Iterable[PlrEvent],
    *,
    source: str | None = None,
    level: str | None = None,
    text: str = "",
    today: date | None = None,
) -> list[PlrEvent]:
    """Events of one source and level whose subject, grade, awarding organisation, provider
    or qualification type contains ``text`` (ignoring case and accents); when ``text`` is a
    date as people type it (``values.parse_date``: 3/8/22, 3 Aug 2022; a two-digit year is
    the nearest past one before ``today``), the events started, ended or awarded that day."""
    wanted = name_key(text)
    on_day = _typed_date(text, today)
    out = []
    for e in events:
        if source and e.source != source:
            continue
        if level and (e.level or "") != level:
            continue
        if on_day is not None:
            if on_day not in (e.start_date, e.end_date, e.award_date):
                continue
        elif wanted:
            haystack = name_key(
                " ".join(
                    v or ""
                    for v in (
                        e.subject,
                        e.grade,
                        e.awarding_organisation_name,
                        e.provider_name,
                        e.qualification_type,
                        e.subject_code,
                    )
                )
            )
            if wanted not in haystack:
                continue
        out.append(e)
    return out


def _typed_date(text: str, today: date | None) -> date | None:
    try:
        return parse_date(text, "Filter", today) if text.strip() else None
    except ValidationError:
        return None  # not a date: the text is looked for in the events' words


def levels_of(events: Sequence[PlrEvent]) -> list[str]:
    """The levels present, Entry to Level 8."""
    return sorted({e.level for e in events if e.level}, key=_level_rank)


# --- Privacy (Appendix E; DOMAIN.md "Personal Learning Record") ---------------------------


@dataclass(frozen=True)
class Visibility:
    events: tuple[PlrEvent, ...]
    hidden: int  # events withheld from this view
    explanation: str  # why, in words for a caller asking "why can't I see this?"
    restricted_reasons: tuple[str, ...]  # why the desk must give a reason to look


def apply_privacy(
    events: Sequence[PlrEvent],
    ability_to_share: int,
    view: PlrView,
    learner_sensitive: bool = False,
) -> Visibility:
    """What ``view`` may see. Organisations see nothing when the learner has not seen the
    Privacy Notice (ability to share 0), and never sensitive events; the desk sees all, but a
    restricted record needs a reason (returned in ``restricted_reasons``)."""
    sensitive = [e for e in events if e.sensitive]
    restricted: list[str] = []
    if ability_to_share == 0:
        restricted.append("the learner has not seen the Privacy Notice (ability to share 0)")
    if sensitive:
        n = len(sensitive)
        restricted.append(f"{n} sensitive event{'s' if n != 1 else ''}")
    if learner_sensitive:
        restricted.append("the learner's record is flagged sensitive")
    if view is PlrView.DESK:
        return Visibility(tuple(events), 0, "The desk sees every event.", tuple(restricted))
    if ability_to_share == 0:
        return Visibility(
            (),
            len(events),
            "Organisations cannot view this PLR: the learner has not been shown the Privacy"
            " Notice (ability to share 0, Appendix E).",
            (),
        )
    shown = tuple(e for e in events if not e.sensitive)
    explanation = (
        f"{len(sensitive)} sensitive event{'s are' if len(sensitive) != 1 else ' is'} hidden"
        " from organisations (Appendix E)."
        if sensitive
        else "Organisations see every event of this PLR."
    )
    return Visibility(shown, len(sensitive), explanation, ())
