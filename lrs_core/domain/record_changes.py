"""Pure rules of the record changes that resolve data challenges (User Guide §6.1, DOMAIN.md
"Data challenges": merge semantics): who may be possible twins, whether a name given for a
transfer is the target learner's, and how a stored value is written into a change's
before-state. No I/O."""

from __future__ import annotations

from datetime import date, datetime

from lrs_core.domain.matching import NICKNAME_MATCH, compare_given
from lrs_core.domain.names import name_key
from lrs_core.domain.values import normalise_postcode

STATE_VERSION = 1  # the shape of RecordChange.before_state / after_state written here


def given_names_differ(a: str, b: str, *, a_preferred: str = "", b_preferred: str = "") -> bool:
    """Two given names are different names, by the matching engine's comparison levels read
    both ways: anything short of the same name, a preferred name or a nickname (a near
    spelling or a sound-alike counts as different: twins are often named alike)."""
    best = max(
        compare_given(a, b, b_preferred).value,
        compare_given(b, a, a_preferred).value,
    )
    return best < NICKNAME_MATCH.value


def possible_twins(
    a_given: str,
    a_family: str,
    a_dob: date,
    a_postcode: str,
    b_given: str,
    b_family: str,
    b_dob: date,
    b_postcode: str,
    *,
    a_preferred: str = "",
    b_preferred: str = "",
) -> bool:
    """Possible twins (issue 11 item 4): family name, date of birth and postcode agree but
    the given names differ. Merging them would join two people's records, so it needs a
    second, explicit confirmation."""
    return (
        name_key(a_family) == name_key(b_family)
        and a_dob == b_dob
        and normalise_postcode(a_postcode) == normalise_postcode(b_postcode)
        and given_names_differ(a_given, b_given, a_preferred=a_preferred, b_preferred=b_preferred)
    )


def name_matches(
    typed: str, given: str, family: str, *, middle: str = "", preferred: str = ""
) -> bool:
    """Whether a learner's name typed whole ("John A Smith", as §6.1 asks for a transfer's
    target) is this learner's, folded as find by ULN folds names (case, accents, spaces,
    hyphens, apostrophes, lookalike letters): given (or preferred) name and family name,
    with or without the middle names."""
    key = name_key(typed)
    if not key:
        return False
    firsts = [n for n in (given, preferred) if n]
    spellings = {name_key(f + family) for f in firsts} | {
        name_key(f + middle + family) for f in firsts if middle
    }
    return key in spellings


def to_json(value: object) -> object:
    """A stored value as JSON: dates and times as ISO text, enums as their codes."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)
