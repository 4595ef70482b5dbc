"""Find learners by personal details (User Guide §4.2.1, Appendix B), ranked and explained.

The search works as the NHS demographics search does: it looks exactly first (family name
and date of birth as typed) and widens to the Appendix B variants only when that finds
nobody good, so a plain lookup never shows strangers. Widening looks a learner up through
several blocks, each an index lookup, one for every pair of the four key fields (family
name, given name, date of birth, postcode), so that any two typed right find the learner
whatever the other two (one or two mistakes never hide a learner):

* family name (and its variants: Mc/Mac, prefix, double-barrelled parts, swapped) with date
  of birth (and its variants: day and month swapped, the 1st, 1 January);
* given name (and its nicknames) with date of birth;
* date of birth with postcode, current or previous: this finds "Czaja" typed as "Chiah",
  which share no spelling or phonetic key;
* everyone at the postcode, or at its previous postcode (family or given name with
  postcode); at the default postcode ZZ99 9ZZ, which thousands share, family name and given
  name with it instead, the nearest birthdays first;
* phonetic family name with date of birth;
* family name with given name, whatever the date of birth, the nearest birthdays first;
* UPN; UCI.

Every candidate is then scored field by field (:mod:`lrs_core.domain.matching`): each field's
level (1 exact ... 0 different) is weighted, names by their rarity in the register, and the
score is the weighted mean, so 1 means exact on every field given. The names are read both
ways (as typed, and given and family swapped), and the reading that weighs more is kept. A
field holding the same placeholder on both sides (the default postcode, a 1 January the
register uses for unknown birthdays) is shown but not weighed.

The score says how alike; the odds say whether that likeness could be chance. In a register
of a million learners some 50 share any birthday and thousands a postcode district, so every
candidate's fields are also weighed as evidence (:func:`lrs_core.domain.matching.log_odds`:
agreement on a rarer value counts more, a name, date of birth or gender that differs counts
hard against, the register's size is the prior), and a candidate whose odds fall short of
``matching.PLAUSIBLE_ODDS`` scores under ``plausible_score`` whatever its fields, saying so in
its reasons. The counts the odds need (learners with the name, the birthday, the postcode and
its district) are index counts, remembered for a few minutes (:class:`Frequencies`).

Candidates from ``plausible_score`` up are the answer (at most 10). When none reaches it,
the best few from ``weaker_floor`` up come back apart, in ``SearchResult.weaker``: not a
match, but enough for the operator to ask the caller one more question (a previous family
name, a previous postcode) that decides it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    Select,
    any_,
    bindparam,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from lrs_core.config import SearchSettings
from lrs_core.db.models import Learner, LearnerPreviousValue
from lrs_core.domain import matching as m
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.names import validate_email, validate_name
from lrs_core.domain.nicknames import related_names
from lrs_core.domain.values import (
    UNKNOWN_POSTCODE,
    Gender,
    OutcomeCode,
    display_date,
    parse_date_of_birth,
    parse_gender,
    validate_postcode,
    validate_upn,
)
from lrs_core.errors import InvalidFields, ValidationError

MAX_RESULTS = 10  # §4.2.1: at most 10 learners; more is "too many" (§4.2.2.2)
BLOCK_LIMIT = 300  # rows one block may bring back: a safety net for very common values
NEAREST = BLOCK_LIMIT // 2  # by name whatever the birthday: this many either side of it
MAX_SCORED = 250  # hits beyond this: leave out those only a full (truncated) block found
MAX_WEAKER = 5  # weaker candidates shown when nothing is plausible: a question's worth
WEAKER_LABEL = "Weaker candidates \u2014 not a match"
CHANCE_REASON = "not plausible: other learners share this much by chance in a register this size"


@dataclass(frozen=True)
class DemographicQuery:
    """What the operator typed: mandatory given name, family name, date of birth, gender and
    postcode; the rest optional (§4.2.1)."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    gender: str = ""
    postcode: str = ""
    preferred_given_name: str = ""
    middle_names: str = ""
    previous_family_name: str = ""
    email: str = ""
    upn: str = ""
    uci: str = ""


@dataclass(frozen=True)
class Criteria:
    """A validated query."""

    given_name: str
    family_name: str
    date_of_birth: date
    gender: Gender
    postcode: str
    preferred_given_name: str = ""
    middle_names: str = ""
    previous_family_name: str = ""
    email: str = ""
    upn: str = ""
    uci: str = ""

    def given_fields(self) -> list[str]:
        optional = ("preferred_given_name", "middle_names", "previous_family_name", "email")
        return [n for n in (*optional, "upn", "uci") if getattr(self, n)]


MANDATORY = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("gender", "Gender"),
    ("postcode", "Postcode"),
)


_MANDATORY_FIELDS = frozenset(label.lower() for _, label in MANDATORY)


def validate_query(query: DemographicQuery, today: date) -> Criteria:
    """Check every field; raise :class:`InvalidFields` naming each bad or missing one."""
    errors: list[ValidationError] = []
    missing = [label for name, label in MANDATORY if not str(getattr(query, name)).strip()]
    if missing:
        errors.append(
            ValidationError(
                missing[0],
                "is required to search by personal details"
                + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else "")
                + (
                    f"; if the postcode is unknown use {UNKNOWN_POSTCODE}"
                    if "Postcode" in missing
                    else ""
                ),
            )
        )
    values: dict[str, object] = {}

    def check(name: str, fn: object) -> None:
        try:
            values[name] = fn()  # type: ignore[operator]
        except ValidationError as error:
            errors.append(error)

    if not missing:
        check("given_name", lambda: _searched_name(query.given_name, "Given name"))
        check("family_name", lambda: _searched_name(query.family_name, "Family name"))
        check("date_of_birth", lambda: _search_dob(query.date_of_birth, today))
        check("gender", lambda: parse_gender(query.gender))
        check("postcode", lambda: validate_postcode(query.postcode))
    check(
        "preferred_given_name",
        lambda: _searched_name(query.preferred_given_name, "Preferred given name", required=False),
    )
    check(
        "middle_names", lambda: _searched_name(query.middle_names, "Middle names", required=False)
    )
    check(
        "previous_family_name",
        lambda: _searched_name(query.previous_family_name, "Previous family name", required=False),
    )
    check("email", lambda: validate_email(query.email))
    check("upn", lambda: validate_upn(query.upn) if query.upn.strip() else "")
    check("uci", lambda: _validate_uci(query.uci))
    if errors:
        raise InvalidFields(errors)
    return Criteria(**values)  # type: ignore[arg-type]


def _searched_name(value: str, field: str, required: bool = True) -> str:
    # A search stores nothing, and its keys read lookalike letters as the letters they imitate:
    # a name typed or pasted with a Cyrillic "С" still finds Carys (the register refuses it).
    return validate_name(value, field, required, mixed_scripts_allowed=True)


def _search_dob(value: str, today: date) -> date:
    dob = parse_date_of_birth(value, today)
    if dob > today:
        raise ValidationError("Date of birth", f"{display_date(dob)} is in the future")
    return dob


def _validate_uci(value: str) -> str:
    uci = "".join(value.split()).upper()
    if uci and (len(uci) != 13 or not uci.isalnum()):
        raise ValidationError("UCI", f'must be 13 letters and digits, not "{value.strip()}"')
    return uci


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    field: str
    level: float
    how: str
    weighed: bool = True  # False: the same placeholder on both sides (ZZ99 9ZZ), no evidence


@dataclass(frozen=True)
class Candidate:
    """One learner found, with its score and why."""

    learner_id: int
    uln: str
    given_name: str
    family_name: str
    date_of_birth: date
    gender: int
    postcode: str
    score: float
    exact: bool
    fields: tuple[FieldMatch, ...]
    found_by: tuple[str, ...]
    via_linked_uln: str | None = None  # matched through a ULN merged into this one
    # Held under the plausible score: as many learners share these details by chance in a
    # register this size (lrs_core.domain.matching.calibrated).
    by_chance: bool = False

    def reasons(self) -> list[str]:
        """Plain words: which fields agreed exactly, which nearly, and how it was found."""
        weighed = [f for f in self.fields if f.weighed]
        exact = [f.field for f in weighed if f.level >= 1.0]
        near = [f"{f.field} ({f.how})" for f in weighed if 0 < f.level < 1.0]
        differ = [f.field for f in weighed if f.level == 0]
        unweighed = [f"{f.field} ({f.how})" for f in self.fields if not f.weighed]
        out = []
        if exact:
            out.append("exact: " + ", ".join(exact))
        if near:
            out.append("near: " + ", ".join(near))
        if differ:
            out.append("different: " + ", ".join(differ))
        if unweighed:
            out.append("not weighed: " + ", ".join(unweighed))
        if self.by_chance:
            out.append(CHANCE_REASON)
        if self.via_linked_uln:
            out.append(f"matched linked ULN {self.via_linked_uln}, merged into this one")
        out.append("found by " + "; ".join(self.found_by))
        return out


@dataclass(frozen=True)
class SearchResult:
    outcome: OutcomeCode
    message: str
    candidates: tuple[Candidate, ...] = ()
    widened: bool = False
    narrow_by: tuple[str, ...] = field(default=())
    plausible_count: int = 0
    # Only when no candidate is plausible (outcome NO_MATCH): the best few scoring from
    # weaker_floor up, never a match, shown apart with the questions that would decide them.
    weaker: tuple[Candidate, ...] = ()
    ask_caller: tuple[str, ...] = ()


# --- The search -------------------------------------------------------------------------------


class Frequencies:
    """How many learners hold a name key, cached for a few minutes: weights need the rough
    shape of the register, not the count to the last learner."""

    def __init__(self, ttl_seconds: float = 300.0) -> None:
        self.ttl = ttl_seconds
        self._counts: dict[tuple[str, str], tuple[float, int]] = {}

    def _cached(self, key: tuple[str, str], count: Callable[[], Any]) -> int:
        now = time.monotonic()
        hit = self._counts.get(key)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        value = int(count())
        if len(self._counts) > 50_000:
            self._counts.clear()
        self._counts[key] = (now, value)
        return value

    def population(self, session: Session) -> int:
        """The highest learner id: learners are never deleted (a merge links, a retirement
        keeps the row), so it is the count, read from the end of the primary key instead of
        counting a million rows whenever the cache runs out."""
        return self._cached(
            ("*", ""),
            lambda: session.execute(select(func.coalesce(func.max(Learner.id), 0))).scalar(),
        )

    def family(self, session: Session, key: str) -> int:
        return self._cached(
            ("family", key),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(Learner.family_key == key)
            ).scalar(),
        )

    def given(self, session: Session, key: str) -> int:
        return self._cached(
            ("given", key),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(Learner.given_key == key)
            ).scalar(),
        )

    def placeholder_new_year(self, session: Session, day: date) -> bool:
        """Whether ``day``, a 1 January, is a placeholder in this register
        (:func:`lrs_core.domain.matching.placeholder_new_year`): learners born on it against
        learners born that year (two index range counts, remembered like the names')."""
        if (day.month, day.day) != (1, 1):
            return False
        dob = Learner.date_of_birth
        on_the_day = self._cached(
            ("born on", day.isoformat()),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(dob == day)
            ).scalar(),
        )
        if on_the_day < m.PLACEHOLDER_MIN:
            return False  # too few to tell: no need to count the year
        next_year = date(day.year + 1, 1, 1)
        in_the_year = self._cached(
            ("born in", str(day.year)),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(dob >= day, dob < next_year)
            ).scalar(),
        )
        return m.placeholder_new_year(on_the_day, in_the_year)

    def chance(self, session: Session, c: Criteria) -> m.Chance:
        """How common each value asked is in the register (:class:`m.Chance`): index counts,
        remembered like the names'."""
        dob = Learner.date_of_birth
        born_on = self._cached(
            ("born on", c.date_of_birth.isoformat()),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(dob == c.date_of_birth)
            ).scalar(),
        )
        postcode = self._cached(
            ("postcode", c.postcode),
            lambda: session.execute(
                select(func.count()).select_from(Learner).where(Learner.postcode == c.postcode)
            ).scalar(),
        )
        district = m.district(c.postcode)
        # Postcodes are stored as validated, one space after the district: a range scan.
        in_district = self._cached(
            ("district", district),
            lambda: session.execute(
                select(func.count())
                .select_from(Learner)
                .where(Learner.postcode >= district + " ", Learner.postcode < district + "!")
            ).scalar(),
        )
        return m.Chance.of(
            self.population(session),
            c.date_of_birth,
            self.given(session, m.folded(c.given_name)),
            self.family(session, m.folded(c.family_name)),
            born_on,
            postcode,
            in_district,
            one_name=m.folded(c.given_name) == m.folded(c.family_name),
        )


_COLUMNS = (
    Learner.id,
    Learner.uln,
    Learner.given_name,
    Learner.preferred_given_name,
    Learner.middle_other_name,
    Learner.family_name,
    Learner.date_of_birth,
    Learner.gender,
    Learner.postcode,
    Learner.email,
    Learner.upn,
    Learner.uci,
    Learner.given_phonetic,
    Learner.family_phonetic,
    Learner.status,
    Learner.master_learner_id,
)


def _in(name: str) -> BindParameter[Any]:
    return bindparam(name, expanding=True)


def _ids() -> Select[Any]:
    """Learner ids, at most BLOCK_LIMIT of them."""
    return select(Learner.id).limit(BLOCK_LIMIT)


def _with_previous(kind: str) -> Select[Any]:
    return (
        _ids()
        .join(LearnerPreviousValue, LearnerPreviousValue.learner_id == Learner.id)
        .where(LearnerPreviousValue.kind == kind)
    )


# The blocks' statements, built once (building SQL costs more than running these lookups);
# each is one index range scan (indexes in lrs_core.db.models.Learner).
_EXACT = _ids().where(
    Learner.family_key == bindparam("family"), Learner.date_of_birth == bindparam("dob")
)
_FAMILY_DOB = _ids().where(
    Learner.family_key.in_(_in("families")), Learner.date_of_birth.in_(_in("dobs"))
)
_GIVEN_DOB = _ids().where(
    Learner.given_key.in_(_in("givens")), Learner.date_of_birth.in_(_in("dobs"))
)
_PHONETIC_DOB = _ids().where(
    Learner.family_phonetic.in_(_in("phonetics")), Learner.date_of_birth.in_(_in("dobs"))
)
_POSTCODE = _ids().where(Learner.postcode == bindparam("postcode"))
_DOB_POSTCODE = _ids().where(
    Learner.date_of_birth.in_(_in("dobs")), Learner.postcode == bindparam("postcode")
)
_PREVIOUS_POSTCODE = _with_previous("postcode").where(
    LearnerPreviousValue.value_key == bindparam("postcode")
)
_DOB_PREVIOUS_POSTCODE = _PREVIOUS_POSTCODE.where(Learner.date_of_birth.in_(_in("dobs")))


def _nearest_birthdays(query: Select[Any], limit: int) -> tuple[Select[Any], Select[Any]]:
    """``query`` as two: the ``limit`` learners born on or after the date ``dob``, and the
    ``limit`` born before it, nearest first (a range scan each, on an index that ends with
    the date of birth)."""
    dob = Learner.date_of_birth
    return (
        query.where(dob >= bindparam("dob")).order_by(dob, Learner.id).limit(limit),
        query.where(dob < bindparam("dob")).order_by(dob.desc(), Learner.id).limit(limit),
    )


_FAMILY_KEYS, _GIVEN_KEYS = (
    Learner.family_key.in_(_in("families")),
    Learner.given_key.in_(_in("givens")),
)
_NAMES_NEAREST = _nearest_birthdays(_ids().where(_FAMILY_KEYS, _GIVEN_KEYS), NEAREST)
# At the default postcode (thousands of learners) by one name: fewer, as a last resort.
_AT_POSTCODE = Learner.postcode == bindparam("postcode")
_FAMILY_POSTCODE = _nearest_birthdays(_ids().where(_AT_POSTCODE, _FAMILY_KEYS), NEAREST // 6)
_GIVEN_POSTCODE = _nearest_birthdays(_ids().where(_AT_POSTCODE, _GIVEN_KEYS), NEAREST // 6)
_ORDERED = {*_NAMES_NEAREST, *_FAMILY_POSTCODE, *_GIVEN_POSTCODE}  # nearest birthdays first
_UPN = _ids().where(Learner.upn == bindparam("upn"))
_UCI = _ids().where(Learner.uci == bindparam("uci"))


def _crowd(hits: Sequence[Any], statements: Sequence[Select[Any]]) -> list[Any]:
    """The (block, learner id) hits without the learners that only a full block found: an
    unordered block that brought back BLOCK_LIMIT found an arbitrary few hundred of a crowd
    (a busy birthday, a common name), which would swamp what the other blocks found. (The
    nearest-birthday blocks are ordered: what they bring back is the nearest, kept.)"""
    counts = [0] * len(statements)
    for index, _ in hits:
        counts[index] += 1
    full = [
        count >= BLOCK_LIMIT and statement not in _ORDERED
        for count, statement in zip(counts, statements, strict=True)
    ]
    elsewhere = {learner_id for index, learner_id in hits if not full[index]}
    return [hit for hit in hits if not full[hit[0]] or hit[1] in elsewhere]


@lru_cache(maxsize=64)
def _union(statements: tuple[Select[Any], ...]) -> CompoundSelect[Any]:
    """The blocks as one UNION ALL of (block number, learner id), each block keeping its
    own order and limit. Few combinations of blocks occur, so each is built once."""
    return union_all(
        *(
            select(literal(n).label("block"), statement.subquery().c.id)
            for n, statement in enumerate(statements)
        )
    )


class DemographicSearch:
    def __init__(self, settings: SearchSettings, frequencies: Frequencies | None = None) -> None:
        self.settings = settings
        self.frequencies = frequencies or Frequencies()

    def run(self, session: Session, c: Criteria) -> SearchResult:
        weights = self._weights(session, c)
        # How common each value asked is: what chance agreement on it is worth.
        chance = self.frequencies.chance(session, c)
        # A 1 January the register uses for unknown birthdays weighs nothing on both sides.
        placeholder = self.frequencies.placeholder_new_year(session, c.date_of_birth)
        # 1. Exactly as typed.
        found: dict[int, set[str]] = {}
        self._block(
            session,
            found,
            "family name and date of birth as typed",
            _EXACT,
            {"family": m.folded(c.family_name), "dob": c.date_of_birth},
        )
        scored = self._score(session, c, weights, chance, found, placeholder)
        if any(s.score >= self.settings.exact_first_score for s in scored):
            return self._result(c, scored, widened=False)
        # 2. Widened: the Appendix B variants, through blocks that do not share one weak spot.
        self._widened_blocks(session, c, found)
        scored = self._score(session, c, weights, chance, found, placeholder)
        return self._result(c, scored, True)

    # -- blocks ------------------------------------------------------------------------------

    @staticmethod
    def _block(
        session: Session,
        found: dict[int, set[str]],
        label: str,
        query: Select[Any],
        params: dict[str, Any],
    ) -> None:
        # Core, not ORM, execution: these are plain ids, and the ORM's layer costs more than
        # the index lookup itself.
        for learner_id in session.connection().execute(query, params).scalars():
            found.setdefault(learner_id, set()).add(label)

    def _widened_blocks(self, session: Session, c: Criteria, found: dict[int, set[str]]) -> None:
        """Every pair of the four key fields (family name, given name, date of birth,
        postcode) has a block, each with its variants, so that a learner is found whenever
        any two of them were typed right: one or two mistakes never hide a learner."""
        families = dict(m.family_variants(c.family_name))
        if c.previous_family_name:
            for key in m.family_variants(c.previous_family_name):
                families.setdefault(key, m.Variant.PREVIOUS_FAMILY)
        givens = dict(m.given_variants(c.given_name))
        for name, variant in (
            (c.preferred_given_name, m.Variant.PREFERRED),
            *((part, m.Variant.MIDDLE_AS_GIVEN) for part in c.middle_names.split()),
        ):
            if name:
                givens.setdefault(m.folded(name), variant)
                for key in related_names(name):
                    givens.setdefault(key, m.Variant.NICKNAME)
        # Swapped: the given name typed as family and the family name as given.
        families.setdefault(m.folded(c.given_name), m.Variant.SWAPPED)
        givens.setdefault(m.folded(c.family_name), m.Variant.SWAPPED)
        # Every block's statement uses these parameters by name.
        params = {
            "families": list(families),
            "givens": list(givens),
            "dobs": list(m.dob_variants(c.date_of_birth)),
            "dob": c.date_of_birth,
            "postcode": c.postcode,
            "phonetics": sorted({m.phonetic_key(k) for k in families} - {""}),
            "upn": c.upn,
            "uci": c.uci,
        }
        blocks = [
            ("family name and date of birth, with variants", _FAMILY_DOB),
            ("given name and date of birth", _GIVEN_DOB),
            ("date of birth and postcode", _DOB_POSTCODE),
        ]
        if c.postcode == UNKNOWN_POSTCODE:  # thousands have it: with a name, nearest first
            blocks += [("family name and postcode", q) for q in _FAMILY_POSTCODE]
            blocks += [("given name and postcode", q) for q in _GIVEN_POSTCODE]
            blocks.append(("date of birth and previous postcode", _DOB_PREVIOUS_POSTCODE))
        else:  # a real postcode: everyone there, which covers family or given name with it
            blocks.append(("postcode, any date of birth", _POSTCODE))
            blocks.append(("previous postcode", _PREVIOUS_POSTCODE))
        if params["phonetics"]:
            blocks.append(("family name sounds alike, and date of birth", _PHONETIC_DOB))
        # Family and given name whatever the date of birth: the nearest birthdays first.
        blocks += [("family and given name, any date of birth", q) for q in _NAMES_NEAREST]
        if c.upn:
            blocks.append(("UPN", _UPN))
        if c.uci:
            blocks.append(("UCI", _UCI))
        # One statement for all of them: one round trip to the database, not a dozen.
        union = _union(tuple(statement for _, statement in blocks))
        hits = session.connection().execute(union, params).all()
        if len(hits) > MAX_SCORED:  # a crowd (a common name, a busy birthday): see _crowd
            hits = _crowd(hits, [statement for _, statement in blocks])
        for index, learner_id in hits:
            found.setdefault(learner_id, set()).add(blocks[index][0])

    # -- scoring -----------------------------------------------------------------------------

    def _weights(self, session: Session, c: Criteria) -> dict[str, float]:
        population = self.frequencies.population(session)
        family = self.frequencies.family(session, m.folded(c.family_name))
        given = self.frequencies.given(session, m.folded(c.given_name))
        # A name no learner has (most often a misspelling) says nothing about how rare the
        # real one is: no learner can agree with it exactly, so it gets the plain weight.
        weights = {
            "family name": 4.0 * (m.rarity(family, population) if family else 1.0),
            "given name": 3.0 * (m.rarity(given, population) if given else 1.0),
            "date of birth": 4.0,
            "gender": 1.0,
            "postcode": 2.0,
        }
        optional = {
            "preferred_given_name": ("preferred given name", 1.0),
            "middle_names": ("middle names", 1.0),
            "previous_family_name": ("previous family name", 1.0),
            "email": ("email", 2.0),
            "upn": ("UPN", 3.0),
            "uci": ("UCI", 3.0),
        }
        for name in c.given_fields():
            label, weight = optional[name]
            weights[label] = weight
        weights["_family_count"] = float(family)
        return weights

    def _score(
        self,
        session: Session,
        c: Criteria,
        weights: dict[str, float],
        chance: m.Chance,
        found: dict[int, set[str]],
        placeholder_dob: bool = False,
    ) -> list[Candidate]:
        if not found:
            return []
        connection = session.connection()
        rows, previous = _fetch(connection, found)
        masters_needed = {
            r.master_learner_id
            for r in rows
            if r.status == LearnerStatus.LINKED and r.master_learner_id not in found
        }
        master_rows = _fetch(connection, masters_needed)[0] if masters_needed else []
        by_id = {r.id: r for r in (*rows, *master_rows)}
        best: dict[int, Candidate] = {}
        total = sum(w for k, w in weights.items() if not k.startswith("_"))
        # Only candidates someone will look at are kept (run() and _result() ask no more).
        settings = self.settings
        kept = min(settings.weaker_floor, settings.plausible_score, settings.exact_first_score)
        no_previous: dict[str, list[str]] = {}
        for row in rows:
            if row.status == LearnerStatus.RETIRED:
                continue
            levels = _compare(c, row, previous.get(row.id, no_previous), weights, placeholder_dob)
            # A placeholder on both sides weighs nothing: out of the sum and of the whole.
            score = sum(weights[label] * level.value for label, level in levels if level.weighed)
            score /= total - sum(weights[label] for label, level in levels if not level.weighed)
            if round(score, 3) < kept:
                continue
            # However alike it looks, a likeness this register shows by chance is no match.
            score, by_chance = m.calibrated(
                round(score, 3), m.log_odds(levels, chance), settings.plausible_score
            )
            if score < kept:
                continue
            fields = [
                FieldMatch(label, level.value, level.label, level.weighed)
                for label, level in levels
            ]
            exact = all(f.level >= 1.0 for f in fields if f.field in _MANDATORY_FIELDS)
            exact = exact and not any(f.level == 0 for f in fields)
            target, via = row, None
            if row.status == LearnerStatus.LINKED and row.master_learner_id in by_id:
                target, via = by_id[row.master_learner_id], row.uln
            candidate = Candidate(
                learner_id=target.id,
                uln=target.uln,
                given_name=target.given_name,
                family_name=target.family_name,
                date_of_birth=target.date_of_birth,
                gender=target.gender,
                postcode=target.postcode,
                score=score,
                exact=exact,
                fields=tuple(fields),
                found_by=tuple(sorted(found[row.id])),
                via_linked_uln=via,
                by_chance=by_chance,
            )
            held = best.get(target.id)
            if held is None or (candidate.score, held.via_linked_uln is not None) > (
                held.score,
                candidate.via_linked_uln is not None,
            ):
                best[target.id] = candidate
        return sorted(best.values(), key=lambda s: (-s.score, s.uln))

    def _result(self, c: Criteria, scored: list[Candidate], widened: bool) -> SearchResult:
        plausible = [s for s in scored if s.score >= self.settings.plausible_score]
        shown = tuple(plausible[:MAX_RESULTS])
        exacts = [s for s in plausible if s.exact]
        count = len(plausible)
        if len(exacts) == 1 and shown and shown[0] is exacts[0]:
            others, more = len(shown) - 1, count - len(shown)
            message = "Exact match on every field given."
            if others:
                message += (
                    f" {others} other possible match{'es' if others != 1 else ''} shown below:"
                    " not the same learner (a twin or sibling has similar details)."
                )
            narrow: list[str] = []
            if more:  # the search was too wide to show everyone who resembles the learner
                narrow = _narrowing_hints(c)
                message = (
                    f"Exact match on every field given. {count - 1} others resemble the"
                    f" learner (the best {others} below, none the same learner)."
                    " To narrow them: " + "; ".join(narrow) + "."
                )
            return SearchResult(
                OutcomeCode.EXACT_MATCH, message, shown, widened, tuple(narrow), count
            )
        if count > MAX_RESULTS:
            narrow = _narrowing_hints(c)
            message = (
                f"Your search returns more than the maximum of {MAX_RESULTS} learners"
                f" ({count} possible). The best {MAX_RESULTS} are shown. To narrow it: "
                + "; ".join(narrow)
                + "."
            )
            return SearchResult(
                OutcomeCode.TOO_MANY_MATCHES, message, shown, widened, tuple(narrow), count
            )
        if shown:
            how = " after trying the search variants" if widened else ""
            message = f"{count} possible match{'es' if count != 1 else ''}{how}: none exact."
            return SearchResult(OutcomeCode.POSSIBLE_MATCH, message, shown, widened, (), count)
        message = "No learner matches, after trying every search variant of Appendix B."
        floor = self.settings.weaker_floor
        # A weaker candidate shares a name with the caller's learner, at least nearly: date of
        # birth, gender and postcode alone are what strangers share, and showing them would
        # name learners to anyone who knows a birthday and a street.
        weaker = tuple(
            s
            for s in scored
            if floor <= s.score < self.settings.plausible_score and _shares_a_name(s)
        )
        if not weaker:
            return SearchResult(OutcomeCode.NO_MATCH, message, (), widened, (), 0)
        ask = _questions(weaker[:MAX_WEAKER])
        more = len(weaker) - MAX_WEAKER
        message += (
            f" {WEAKER_LABEL}: ask the caller for {_or(ask)} to decide"
            f" ({min(len(weaker), MAX_WEAKER)} shown"
            + (f", {more} more score lower" if more > 0 else "")
            + ")."
        )
        return SearchResult(
            OutcomeCode.NO_MATCH,
            message,
            (),
            widened,
            (),
            0,
            weaker=weaker[:MAX_WEAKER],
            ask_caller=tuple(ask),
        )


# What to ask the caller about a weaker candidate, by the field that keeps it from matching,
# in the order worth asking (what changes in life first, then what may be misheard).
_QUESTIONS = (
    ("family name", "a previous family name"),  # a marriage not yet recorded
    ("postcode", "a previous postcode"),  # a move not yet recorded
    ("given name", "other given names"),  # middle or preferred
    ("date of birth", "the date of birth again"),
    ("gender", "the gender"),
)


def _questions(weaker: Sequence[Candidate]) -> list[str]:
    """The questions that would decide the weaker candidates: one for each key field that
    falls short on any of them."""
    short = {f.field for c in weaker for f in c.fields if f.weighed and f.level < 1.0}
    return [question for name, question in _QUESTIONS if name in short] or [
        "middle names or a previous name or postcode"
    ]


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _shares_a_name(candidate: Candidate) -> bool:
    return any(f.level > 0 for f in candidate.fields if f.field in ("given name", "family name"))


def _narrowing_hints(c: Criteria) -> list[str]:
    hints = []
    if c.date_of_birth.month == 1 and c.date_of_birth.day == 1:
        hints.append("check the date of birth (1 January often means unknown)")
    if c.postcode == UNKNOWN_POSTCODE:
        hints.append(f"give the learner's postcode, not {UNKNOWN_POSTCODE}")
    labels = {
        "upn": "UPN",
        "uci": "UCI",
        "email": "email",
        "middle_names": "middle names",
        "preferred_given_name": "preferred given name",
        "previous_family_name": "previous family name",
    }
    missing = [label for name, label in labels.items() if not getattr(c, name)]
    if missing:
        hints.append("add " + ", ".join(missing))
    return hints


def _with_previous_values(ids: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The learners' columns and their previous values, one row per previous value."""
    previous = LearnerPreviousValue
    return (
        select(*_COLUMNS, previous.kind.label("previous_kind"), previous.value.label("previous"))
        .outerjoin(previous, previous.learner_id == Learner.id)
        .where(ids)
    )


# PostgreSQL takes the ids as one array (one cached plan); SQLite as a list of parameters.
_FETCH = {
    "postgresql": _with_previous_values(Learner.id == any_(bindparam("ids", type_=ARRAY(Integer)))),
    "sqlite": _with_previous_values(Learner.id.in_(_in("ids"))),
}


def _fetch(
    connection: Connection, ids: Iterable[int]
) -> tuple[list[Any], dict[int, dict[str, list[str]]]]:
    """Learner rows (of ``_COLUMNS``) and their previous values by kind, in one query."""
    rows: dict[int, Any] = {}
    previous: dict[int, dict[str, list[str]]] = {}
    statement = _FETCH.get(connection.dialect.name, _FETCH["sqlite"])
    for row in connection.execute(statement, {"ids": list(ids)}):
        rows.setdefault(row.id, row)
        if row.previous_kind is not None:
            previous.setdefault(row.id, {}).setdefault(row.previous_kind, []).append(row.previous)
    return list(rows.values()), previous


def _compare(
    c: Criteria,
    r: Any,
    previous: dict[str, list[str]],
    weights: dict[str, float],
    placeholder_dob: bool = False,
) -> list[tuple[str, m.Level]]:
    """Compare every field given with learner row ``r`` (a row of ``_COLUMNS``): each field's
    label and level (FieldMatch objects are made only for the candidates kept). ``weights``
    choose between the names as typed and swapped; ``placeholder_dob``: the date of birth asked is a
    1 January the register uses as a placeholder."""
    previous_families = previous.get("family_name", ())
    family = m.compare_family(c.family_name, r.family_name, previous_families, r.family_phonetic)
    given = m.compare_given(
        c.given_name,
        r.given_name,
        r.preferred_given_name or "",
        r.middle_other_name or "",
        r.given_phonetic,
    )
    if given.value < 0.9 or family.value < 0.9:
        # The names the other way round, with any of the same differences (issue 10 item 9):
        # kept when that reading weighs more.
        swapped_given, swapped_family = m.compare_names_swapped(
            c.given_name,
            c.family_name,
            r.given_name,
            r.family_name,
            previous=previous_families,
            preferred=r.preferred_given_name or "",
            middle=r.middle_other_name or "",
            given_phonetic=r.given_phonetic,
            family_phonetic=r.family_phonetic,
        )
        wg, wf = weights["given name"], weights["family name"]
        if (
            wg * swapped_given.value + wf * swapped_family.value
            > wg * given.value + wf * family.value
        ):
            given, family = swapped_given, swapped_family
    if given.value < 0.85:
        for part in c.middle_names.split():
            if m.folded(part) == m.folded(r.given_name):
                given = m.Level(0.85, m.Variant.MIDDLE_AS_GIVEN.value)
        if c.preferred_given_name and m.folded(c.preferred_given_name) in {
            m.folded(r.given_name),
            m.folded(r.preferred_given_name or ""),
        }:
            given = m.Level(0.85, m.Variant.PREFERRED.value)
    fields = [
        ("given name", given),
        ("family name", family),
        (
            "date of birth",
            m.compare_dob(c.date_of_birth, r.date_of_birth, placeholder=placeholder_dob),
        ),
        ("gender", m.compare_gender(c.gender, r.gender)),
        ("postcode", m.compare_postcode(c.postcode, r.postcode, previous.get("postcode", ()))),
    ]
    if c.preferred_given_name:
        level = _optional_name(c.preferred_given_name, [r.preferred_given_name, r.given_name])
        fields.append(("preferred given name", level))
    if c.middle_names:
        level = _optional_name(c.middle_names, [r.middle_other_name])
        fields.append(("middle names", level))
    if c.previous_family_name:
        level = _optional_name(c.previous_family_name, previous.get("family_name", []))
        fields.append(("previous family name", level))
    if c.email:
        level = m.compare_text(c.email, r.email)
        fields.append(("email", level))
    if c.upn:
        level = m.compare_text(c.upn, r.upn)
        fields.append(("UPN", level))
    if c.uci:
        level = m.compare_text(c.uci, r.uci)
        fields.append(("UCI", level))
    return fields


def _optional_name(asked: str, values: Sequence[str | None]) -> m.Level:
    present = [v for v in values if v]
    if not present:
        return m.NOT_RECORDED
    key = m.folded(asked)
    if any(m.folded(v) == key for v in present):
        return m.EXACT
    if any(key in m.name_parts(v) or m.folded(v) in m.name_parts(asked) for v in present):
        return m.Level(0.8, "partly")
    return m.DIFFERENT
