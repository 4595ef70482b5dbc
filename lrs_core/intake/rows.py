"""An opened intake file's rows to learners (issue 13, item 5): each row validated with the
core's own learner rules (which fields are wrong, and why) and matched against the register,
by ULN when the row has one, else by personal details (the desk's demographic search, User
Guide §4.2.1), with an LRS outcome code (DOMAIN.md "Formats and codes") and the best
candidates.

- A row with a valid ULN: the learner with that ULN, found in one query for every row of the
  file, whose given name, family name and date of birth (when the row has one) agree →
  WSRC0004 exact match (a ULN merged into another → WSRC0022 with the master's ULN); found
  but the details differ → WSRC0003 with that learner as the only candidate and the fields
  that differ named; no such learner → WSRC0001. Names agree as §4.2.3's find by ULN has
  them agree: without regard to case, accents, spaces, hyphens or apostrophes.
- A row without a ULN: the demographic search, its outcome code and its best three
  candidates (the search's weaker candidates are not matches and are not offered).
- A row that breaks a rule → ``INVALID`` with every field refused and its rule; nothing is
  searched for it.

Reads the register in the caller's transaction and writes nothing: the service audits every
learner a row matched or offered (:func:`learners_shown`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core.db.models import Learner
from lrs_core.domain.kinds import LearnerStatus, RetiredReason
from lrs_core.domain.learner_fields import BY_NAME, validate_learner_fields
from lrs_core.domain.names import name_key
from lrs_core.domain.values import OutcomeCode, display_date, validate_uln
from lrs_core.errors import InvalidFields, ValidationError
from lrs_core.intake.sheets import ROW_FIELDS

if TYPE_CHECKING:
    from lrs_core.services.search import DemographicSearch

# (done, total, what): a screen's progress bar.
Progress = Callable[[int, int, str], None]

INVALID = "INVALID"  # the outcome of a row that breaks a rule: not matched
MAX_CANDIDATES = 3  # per row, best first
_LOOKUP_CHUNK = 500  # ULNs per query (well under SQLite's bound-parameter limit)

# Required to match a row: §4.2.3's find by ULN needs the ULN with both names; §4.2.1's
# search by personal details needs the five mandatory fields.
BY_ULN_REQUIRED = ("given_name", "family_name")
BY_DETAILS_REQUIRED = ("given_name", "family_name", "date_of_birth", "gender", "postcode")

# Gender as providers' spreadsheets write it, read as the batch field's code (DOMAIN.md
# "Learner fields": 0 not known, 1 male, 2 female, 9 not specified).
GENDER_WORDS = {
    "m": "1",
    "male": "1",
    "f": "2",
    "female": "2",
    "not known": "0",
    "unknown": "0",
    "u": "0",
    "not specified": "9",
    "x": "9",
}

_LABELS = {"uln": "ULN", **{name: spec.label for name, spec in BY_NAME.items()}}
_ORDER = {name: n for n, name in enumerate(ROW_FIELDS)}


@dataclass(frozen=True)
class Candidate:
    uln: str
    name: str  # "Given Family"
    date_of_birth: str  # house style
    postcode: str
    score: float  # 0-1; 1 for a ULN found with details agreeing


@dataclass(frozen=True)
class RowResult:
    number: int  # the row's number in the sheet (the header is row 1)
    values: Mapping[str, str]  # learner field -> text as sent
    errors: tuple[tuple[str, str], ...]  # (field label, rule) for each field refused
    outcome: str  # WSRC0001-0004, WSRC0022, or "INVALID" when the row fails validation
    outcome_text: str  # "exact match", ...
    uln: str | None  # the learner matched (exact or linked), for Enter -> profile
    candidates: tuple[Candidate, ...]  # best first, at most 3


@dataclass(frozen=True)
class SheetRow:
    """One row of the spreadsheet as mapped: its number and learner field -> text as sent."""

    number: int
    values: Mapping[str, str] = field(repr=False)


def label(name: str) -> str:
    """What the operator reads for a row field ("ULN", "Date of birth"...)."""
    return _LABELS[name]


def row_values(cells: Sequence[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """Learner field -> the cell's text, trimmed, for each mapped column (a short row's
    missing cells are blank)."""
    return {
        name: (cells[index].strip() if index < len(cells) else "")
        for index, name in sorted(mapping.items())
    }


def sheet_rows(
    rows: Sequence[Sequence[str]], mapping: Mapping[int, str], first_number: int = 2
) -> tuple[SheetRow, ...]:
    """The rows under the header as :class:`SheetRow`, numbered from ``first_number``."""
    return tuple(
        SheetRow(first_number + n, row_values(cells, mapping)) for n, cells in enumerate(rows)
    )


def _read_as(values: Mapping[str, str]) -> dict[str, str]:
    """The values as the rules read them: blanks dropped, gender words made codes."""
    read = {name: text.strip() for name, text in values.items() if text.strip()}
    gender = read.get("gender")
    if gender is not None:
        read["gender"] = GENDER_WORDS.get(" ".join(gender.casefold().split()), gender)
    return read


def check_row(
    values: Mapping[str, str], today: date
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """A row's values checked with the register's own rules (``learner_fields``; the ULN's
    check digit): the values as stored, and for each field refused its label and rule, in
    the LRS batch's field order. Blank fields are left out; the ones matching needs are
    required (with a ULN: given and family name, §4.2.3; without: the five mandatory fields
    of a search by personal details, §4.2.1)."""
    read = _read_as(values)
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    uln_text = read.pop("uln", None)
    if uln_text is not None:
        try:
            checked["uln"] = validate_uln(uln_text)
        except ValidationError as error:
            errors["uln"] = error.message
    try:
        checked.update(validate_learner_fields(read, today, complete=False))
    except InvalidFields as failure:
        by_label = {spec.label: name for name, spec in BY_NAME.items()}
        for refused in failure.errors:
            errors.setdefault(by_label.get(refused.field, refused.field), refused.message)
    required = BY_ULN_REQUIRED if uln_text is not None else BY_DETAILS_REQUIRED
    for name in required:
        if name not in read and name not in errors:
            errors[name] = (
                "is required to match by ULN (with the given and family name)"
                if uln_text is not None
                else "is required to match without a ULN (given name, family name, date of"
                " birth, gender and postcode)"
            )
    ordered = sorted(errors.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER)))
    return checked, tuple((label(name), rule) for name, rule in ordered)


def match_rows(
    session: Session,
    rows: Sequence[SheetRow],
    search: DemographicSearch,
    today: date,
    progress: Progress | None = None,
) -> tuple[RowResult, ...]:
    """Every row checked and matched, in order (see the module's rules); ``progress`` is
    told after each row. The ULNs of the whole file are looked up in one query."""
    checked = [(row, *check_row(row.values, today)) for row in rows]
    by_uln = _learners_by_uln(
        session, {values["uln"] for _, values, errors in checked if not errors and "uln" in values}
    )
    results: list[RowResult] = []
    total = len(rows)
    for done, (row, values, errors) in enumerate(checked, start=1):
        if errors:
            results.append(_invalid(row, errors))
        elif "uln" in values:
            results.append(_by_uln(row, values, by_uln))
        else:
            results.append(_by_details(session, row, search, today))
        if progress is not None:
            progress(done, total, f"row {row.number}")
    return tuple(results)


def learners_shown(results: Iterable[RowResult]) -> dict[str, tuple[int, ...]]:
    """Each learner the rows matched or offered as a candidate (ULN) -> the row numbers that
    showed them: the looks the service audits, one event per learner."""
    shown: dict[str, list[int]] = defaultdict(list)
    for result in results:
        ulns = {c.uln for c in result.candidates}
        if result.uln:
            ulns.add(result.uln)
        for uln in sorted(ulns):
            shown[uln].append(result.number)
    return {uln: tuple(numbers) for uln, numbers in sorted(shown.items())}


def outcome_counts(results: Iterable[RowResult]) -> dict[str, int]:
    """Outcome code -> rows: all the case keeps of the results in the clear."""
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.outcome] += 1
    return dict(sorted(counts.items()))


# --- sealed as JSON ----------------------------------------------------------------------------


def result_to_json(result: RowResult) -> dict[str, Any]:
    return {
        "number": result.number,
        "values": dict(result.values),
        "errors": [list(e) for e in result.errors],
        "outcome": result.outcome,
        "outcome_text": result.outcome_text,
        "uln": result.uln,
        "candidates": [
            {
                "uln": c.uln,
                "name": c.name,
                "date_of_birth": c.date_of_birth,
                "postcode": c.postcode,
                "score": c.score,
            }
            for c in result.candidates
        ],
    }


def result_from_json(data: Mapping[str, Any]) -> RowResult:
    return RowResult(
        number=int(data["number"]),
        values={str(k): str(v) for k, v in data["values"].items()},
        errors=tuple((str(f), str(r)) for f, r in data["errors"]),
        outcome=str(data["outcome"]),
        outcome_text=str(data["outcome_text"]),
        uln=data["uln"],
        candidates=tuple(
            Candidate(
                str(c["uln"]),
                str(c["name"]),
                str(c["date_of_birth"]),
                str(c["postcode"]),
                float(c["score"]),
            )
            for c in data["candidates"]
        ),
    )


# --- the two ways to match -------------------------------------------------------------------


def _invalid(row: SheetRow, errors: tuple[tuple[str, str], ...]) -> RowResult:
    fields = ", ".join(f for f, _ in errors)
    return RowResult(
        row.number,
        dict(row.values),
        errors,
        INVALID,
        f"Not matched: fix {fields} ({len(errors)} field{'s' if len(errors) != 1 else ''} refused)",
        None,
        (),
    )


@dataclass(frozen=True)
class _Found:
    id: int
    uln: str
    given_name: str
    family_name: str
    given_key: str
    family_key: str
    date_of_birth: date
    postcode: str
    status: LearnerStatus
    master_learner_id: int | None
    retired_reason: RetiredReason | None


_COLUMNS = (
    Learner.id,
    Learner.uln,
    Learner.given_name,
    Learner.family_name,
    Learner.given_key,
    Learner.family_key,
    Learner.date_of_birth,
    Learner.postcode,
    Learner.status,
    Learner.master_learner_id,
    Learner.retired_reason,
)


def _learners_by_uln(session: Session, ulns: set[str]) -> dict[str, tuple[_Found, _Found]]:
    """ULN -> (the learner holding it, the learner to show: its master when merged)."""
    found: dict[str, _Found] = {}
    wanted = sorted(ulns)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        for row in session.execute(select(*_COLUMNS).where(Learner.uln.in_(chunk))):
            found[row.uln] = _Found(*row)
    master_ids = sorted(
        {f.master_learner_id for f in found.values() if f.master_learner_id is not None}
    )
    masters: dict[int, _Found] = {}
    for start in range(0, len(master_ids), _LOOKUP_CHUNK):
        chunk_ids = master_ids[start : start + _LOOKUP_CHUNK]
        for row in session.execute(select(*_COLUMNS).where(Learner.id.in_(chunk_ids))):
            masters[row.id] = _Found(*row)
    shown: dict[str, tuple[_Found, _Found]] = {}
    for uln, learner in found.items():
        target = learner
        if learner.status is LearnerStatus.LINKED and learner.master_learner_id in masters:
            target = masters[learner.master_learner_id]
        shown[uln] = (learner, target)
    return shown


def _candidate(learner: _Found, score: float) -> Candidate:
    return Candidate(
        learner.uln,
        f"{learner.given_name} {learner.family_name}",
        display_date(learner.date_of_birth),
        learner.postcode,
        round(score, 3),
    )


def _by_uln(
    row: SheetRow, values: Mapping[str, Any], by_uln: Mapping[str, tuple[_Found, _Found]]
) -> RowResult:
    uln = values["uln"]
    held = by_uln.get(uln)
    if held is None:
        return RowResult(
            row.number,
            dict(row.values),
            (),
            OutcomeCode.NO_MATCH.value,
            f"No match: no learner has ULN {uln}",
            None,
            (),
        )
    learner, target = held
    compared = {
        "given name": name_key(values["given_name"]) == learner.given_key,
        "family name": name_key(values["family_name"]) == learner.family_key,
    }
    if values.get("date_of_birth") is not None:
        compared["date of birth"] = values["date_of_birth"] == learner.date_of_birth
    differ = [what for what, agrees in compared.items() if not agrees]
    if differ:
        score = (len(compared) - len(differ)) / len(compared)
        return RowResult(
            row.number,
            dict(row.values),
            (),
            OutcomeCode.POSSIBLE_MATCH.value,
            f"Possible match: ULN {uln} is on the register, but the {_and(differ)}"
            f" {'differs' if len(differ) == 1 else 'differ'}",
            None,
            (_candidate(target, score),),
        )
    agreed = _and(list(compared))
    if target is not learner:
        return RowResult(
            row.number,
            dict(row.values),
            (),
            OutcomeCode.LINKED_LEARNER_MATCH.value,
            f"Linked learner match: ULN {uln} was merged into {target.uln} ({agreed} agree)",
            target.uln,
            (_candidate(target, 1.0),),
        )
    text = f"Exact match: the ULN's {agreed} agree"
    if learner.status is LearnerStatus.RETIRED:
        # §6.1: the desk is told a retired ULN is never used or issued again.
        from lrs_core.services.learners import retired_message  # see _by_details

        text += f"; {retired_message(uln, learner.retired_reason)}"
    return RowResult(
        row.number,
        dict(row.values),
        (),
        OutcomeCode.EXACT_MATCH.value,
        text,
        learner.uln,
        (_candidate(learner, 1.0),),
    )


def _by_details(
    session: Session, row: SheetRow, search: DemographicSearch, today: date
) -> RowResult:
    # Imported here: lrs_core.services imports the intake service, which imports this
    # module, so a module-level import would make importing this module first circular.
    from lrs_core.services.search import DemographicQuery, validate_query

    read = _read_as(row.values)
    query = DemographicQuery(
        given_name=read.get("given_name", ""),
        family_name=read.get("family_name", ""),
        date_of_birth=read.get("date_of_birth", ""),
        gender=read.get("gender", ""),
        postcode=read.get("postcode", ""),
        preferred_given_name=read.get("preferred_given_name", ""),
        middle_names=read.get("middle_other_name", ""),
        previous_family_name=read.get("previous_family_name", ""),
        email=read.get("email", ""),
        upn=read.get("upn", ""),
        uci=read.get("uci", ""),
    )
    try:
        criteria = validate_query(query, today)
    except InvalidFields as failure:  # the search's own rules, where they differ
        return _invalid(row, tuple((e.field, e.message) for e in failure.errors))
    result = search.run(session, criteria)
    best = result.candidates[:MAX_CANDIDATES]
    candidates = tuple(
        Candidate(
            c.uln,
            f"{c.given_name} {c.family_name}",
            display_date(c.date_of_birth),
            c.postcode,
            round(c.score, 3),
        )
        for c in best
    )
    matched = best[0].uln if result.outcome is OutcomeCode.EXACT_MATCH and best else None
    return RowResult(
        row.number,
        dict(row.values),
        (),
        result.outcome.value,
        f"By personal details: {result.message}",
        matched,
        candidates,
    )


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
