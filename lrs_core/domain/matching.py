"""The LRS matching rules as pure functions: match keys, the Appendix B search variants, and
field comparisons with levels in the spirit of Splink (exact / previous value / swapped /
near / phonetic), used by :mod:`lrs_core.services.search`.

Two values that look alike say nothing when they only mean "unknown": the default postcode
ZZ99 9ZZ on both sides, and a 1 January birthday on both sides in a year where the register
shows 1 January is a placeholder (:func:`placeholder_new_year`). Such a field is compared
but not weighed (``Level.weighed`` False), so it never counts as evidence for a match.

Looking alike is not enough in a large register: :func:`log_odds` weighs each field's level
as evidence (Fellegi-Sunter: how much likelier for the same learner than for two people, by
how common the value asked is), with the register's size as the prior, and
:func:`calibrated` keeps a candidate whose odds fall short under the plausible score.

Nothing here touches the database: the search service turns variants into index lookups and
scores what they find with :func:`compare_family`, :func:`compare_given` and the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

import jellyfish

from lrs_core.domain.names import name_key
from lrs_core.domain.nicknames import related_names
from lrs_core.domain.values import UNKNOWN_POSTCODE

# Name prefixes spoken and typed with or without (Appendix B: "with/without prefix").
NAME_PREFIXES = frozenset(
    {"o", "de", "da", "di", "du", "del", "della", "van", "von", "der", "le", "la", "st",
     "saint", "fitz", "al", "el", "ap", "ab", "ben", "bin", "mac", "mc"}
)  # fmt: skip
_MC_MAC = (("mac", "mc"), ("mc", "mac"), ("st", "saint"), ("saint", "st"))
_SEPARATORS = re.compile(r"[\s\-'\u2019]+")
NEAR_NAME = 0.88  # Jaro-Winkler similarity from which two name keys count as "near"
# A search compares a few hundred learners' names with what was typed, and a register holds
# a few thousand distinct names: the pure functions below remember their recent answers.
_CACHED = 65_536


@lru_cache(maxsize=_CACHED)
def folded(name: str) -> str:
    """:func:`lrs_core.domain.names.name_key`, remembered."""
    return name_key(name)


@lru_cache(maxsize=_CACHED)
def phonetic_key(name: str) -> str:
    """A phonetic code (Metaphone) of a name's key: Smith ~ Smyth, Stephen ~ Steven."""
    key = folded(name)
    return jellyfish.metaphone(key)[:16].upper() if key else ""


@lru_cache(maxsize=_CACHED)
def _parts(name: str) -> tuple[str, ...]:
    return tuple(k for k in (folded(p) for p in _SEPARATORS.split(name)) if k)


def name_parts(name: str) -> list[str]:
    """The words of a name as keys: "Smith-Jones" -> smith, jones; "O'Brien" -> o, brien."""
    return list(_parts(name))


def are_related(a: str, b: str) -> bool:
    """True when one name is a nickname or formal form of the other (as
    :func:`lrs_core.domain.nicknames.are_related`, with the keys remembered)."""
    return folded(b) in related_names(a) or folded(a) in related_names(b)


class Variant(StrEnum):
    """How a search variant was derived from what the operator typed (Appendix B)."""

    AS_TYPED = "as typed"
    MC_MAC = "Mc/Mac or St/Saint form"
    WITHOUT_PREFIX = "without the prefix"
    BARREL_PART = "one part of a double-barrelled name"
    SWAPPED = "given and family name swapped"
    PREVIOUS_FAMILY = "previous family name"
    NICKNAME = "nickname or formal name"
    MIDDLE_AS_GIVEN = "middle name as given name"
    PREFERRED = "preferred given name"
    DOB_SWAPPED = "day and month of birth swapped"
    DOB_FIRST = "born on the 1st of the month"
    DOB_JAN_FIRST = "born on 1 January"


def family_variants(family: str) -> dict[str, Variant]:
    """Family-name keys to look up, with how each was made (the key as typed first)."""
    return dict(_family_variants(family))


@lru_cache(maxsize=_CACHED)
def _family_variants(family: str) -> tuple[tuple[str, Variant], ...]:
    key = folded(family)
    found: dict[str, Variant] = {key: Variant.AS_TYPED}
    for old, new in _MC_MAC:
        if key.startswith(old) and len(key) > len(old) + 1:
            found.setdefault(new + key[len(old) :], Variant.MC_MAC)
    parts = _parts(family)
    if len(parts) > 1:
        if parts[0] in NAME_PREFIXES:
            found.setdefault("".join(parts[1:]), Variant.WITHOUT_PREFIX)
        else:
            for part in parts:
                if len(part) > 1:
                    found.setdefault(part, Variant.BARREL_PART)
    return tuple(found.items())


def _family_variant_of(asked: str, key: str) -> Variant | None:
    """How the learner's family-name key ``key`` is a variant of the name asked, if it is."""
    return next((v for k, v in _family_variants(asked) if k == key), None)


def given_variants(given: str) -> dict[str, Variant]:
    """Given-name keys to look up: as typed, then its nicknames and formal forms."""
    key = folded(given)
    found: dict[str, Variant] = {key: Variant.AS_TYPED}
    for related in sorted(related_names(given)):
        found.setdefault(related, Variant.NICKNAME)
    return found


def dob_variants(dob: date) -> dict[date, Variant]:
    """Dates of birth to look up: as typed, day and month swapped (both <= 12), the 1st of
    the month and 1 January (Appendix B)."""
    found: dict[date, Variant] = {dob: Variant.AS_TYPED}
    if dob.day <= 12 and dob.day != dob.month:
        found.setdefault(date(dob.year, dob.day, dob.month), Variant.DOB_SWAPPED)
    found.setdefault(dob.replace(day=1), Variant.DOB_FIRST)
    found.setdefault(date(dob.year, 1, 1), Variant.DOB_JAN_FIRST)
    return found


# --- Field comparisons -------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """How well one field agreed: a value from 0 to 1 and the words for the operator."""

    value: float
    label: str
    weighed: bool = True  # False: the same placeholder on both sides, which says nothing

    @property
    def exact(self) -> bool:
        return self.value >= 1.0


EXACT = Level(1.0, "exact")
DIFFERENT = Level(0.0, "different")
NOT_RECORDED = Level(0.5, "not recorded on the learner")
NICKNAME_MATCH = Level(0.85, "nickname or formal name")
UNKNOWN_ON_BOTH = Level(1.0, f"{UNKNOWN_POSTCODE} on both: unknown", weighed=False)
PLACEHOLDER_ON_BOTH = Level(1.0, "1 January on both: a common placeholder", weighed=False)
# A year's 1 January is a placeholder when it holds at least this many learners and this many
# times the share of the year a birthday has by chance (1/365): the demo register records 0.4%
# of unknown birthdays as 1 January, 2.5 times chance, and real registers more (dates of
# birth unknown on arrival). Fewer than PLACEHOLDER_MIN could be chance in a small register.
PLACEHOLDER_RATIO = 2.0
PLACEHOLDER_MIN = 3


def _near(a: str, b: str) -> bool:
    """Close in spelling: Jaro-Winkler from NEAR_NAME, or (names of 4 letters or more) one
    letter added, dropped, changed or two swapped - Cerr ~ Carr, which neither Jaro-Winkler
    nor Metaphone (S R ~ K R) calls alike."""
    if not (a and b):
        return False
    if jellyfish.jaro_winkler_similarity(a, b) >= NEAR_NAME:
        return True
    return min(len(a), len(b)) >= 4 and jellyfish.damerau_levenshtein_distance(a, b) <= 1


def compare_family(
    asked: str, family: str, previous: Iterable[str] = (), family_phonetic: str = ""
) -> Level:
    """The family name asked for against a learner's family name and previous family names."""
    a, b = folded(asked), folded(family)
    if a == b:
        return EXACT
    if any(folded(p) == a for p in previous):
        return Level(0.95, "previous family name")
    variant = _family_variant_of(asked, b) or _family_variant_of(family, a)
    if variant is not None:
        return Level(0.9, variant.value)
    if _near(a, b):
        return Level(0.8, "near spelling")
    if phonetic_key(asked) == (family_phonetic or phonetic_key(family)):
        return Level(0.7, "sounds alike")
    return DIFFERENT


def compare_given(
    asked: str, given: str, preferred: str = "", middle: str = "", given_phonetic: str = ""
) -> Level:
    """The given name asked for against a learner's given, preferred and middle names."""
    a, b = folded(asked), folded(given)
    if a == b:
        return EXACT
    if preferred and a == folded(preferred):
        return Level(0.9, "preferred given name")
    if middle and a in _parts(middle):
        return Level(0.85, "middle name used as given name")
    if are_related(asked, given) or (preferred and are_related(asked, preferred)):
        return NICKNAME_MATCH
    if nickname_of_a_spelling(a, b) or (preferred and nickname_of_a_spelling(a, folded(preferred))):
        return NICKNAME_MATCH
    if _near(a, b):
        return Level(0.8, "near spelling")
    if phonetic_key(asked) == (given_phonetic or phonetic_key(given)):
        return Level(0.7, "sounds alike")
    return DIFFERENT


@lru_cache(maxsize=_CACHED)
def nickname_of_a_spelling(a: str, b: str) -> bool:
    """True when name key ``a`` is a nickname of a near or sound-alike spelling of ``b``, or
    the other way round: Mo is short for Mohammed, and Mohamed, Mohamad or Mahomed are
    spellings of it, so Mo ~ Mahomed is a nickname match (issue 10 item 12)."""

    def alike(x: str, y: str) -> bool:
        # Stricter than _near: a nickname stands for many formal names (Nollie for Noel and
        # Olivia, Lanna for Eleanor), so only long names one letter apart, very close, or
        # sounding alike with a phonetic code of three sounds or more count.
        if min(len(x), len(y)) < SPELLING_MIN:
            return False
        if jellyfish.damerau_levenshtein_distance(x, y) <= 1:
            return True
        if jellyfish.jaro_winkler_similarity(x, y) >= SPELLING_NEAR:
            return True
        sound = phonetic_key(x)
        return len(sound) >= 3 and sound == phonetic_key(y)

    return any(alike(r, b) for r in related_names(a)) or any(alike(r, a) for r in related_names(b))


SPELLING_MIN = 5  # letters in both names before a nickname carries over to a spelling
SPELLING_NEAR = 0.92  # Jaro-Winkler from which a formal name's spelling carries its nicknames
SWAPPED_FACTOR = 0.9  # a level read the wrong way round is worth this much of its value


def _swapped(level: Level) -> Level:
    if not level.value:
        return DIFFERENT
    how = Variant.SWAPPED.value if level.exact else f"{Variant.SWAPPED.value}, {level.label}"
    return Level(round(level.value * SWAPPED_FACTOR, 3), how)


def compare_names_swapped(
    asked_given: str,
    asked_family: str,
    given: str,
    family: str,
    *,
    previous: Iterable[str] = (),
    preferred: str = "",
    middle: str = "",
    given_phonetic: str = "",
    family_phonetic: str = "",
) -> tuple[Level, Level]:
    """The names typed the wrong way round: (given name level, family name level) when the
    given name typed is compared with the learner's family name (exact, previous, Mc/Mac and
    prefix variants, near, sounds alike) and the family name typed with the learner's given
    name (exact, preferred, middle, nickname, near, sounds alike), each marked "swapped" and
    worth SWAPPED_FACTOR of its level. "Georte Kyra" ~ Kyra George. The caller keeps the
    reading, straight or swapped, that weighs more."""
    if folded(asked_given) == folded(asked_family):
        return DIFFERENT, DIFFERENT  # "Thomas Thomas": swapping changes nothing
    as_family = compare_family(asked_given, family, previous, family_phonetic)
    as_given = compare_given(asked_family, given, preferred, middle, given_phonetic)
    return _swapped(as_family), _swapped(as_given)


def placeholder_new_year(on_the_day: int, in_the_year: int) -> bool:
    """True when 1 January of a year looks like a placeholder in the register: at least
    PLACEHOLDER_MIN of the ``in_the_year`` learners born that year were born on its 1 January
    (``on_the_day``), PLACEHOLDER_RATIO times what chance gives a day (1/365)."""
    if on_the_day < PLACEHOLDER_MIN or in_the_year <= 0:
        return False
    return on_the_day * 365 >= PLACEHOLDER_RATIO * in_the_year


def compare_dob(asked: date, dob: date, *, placeholder: bool = False) -> Level:
    """``placeholder``: the date asked is a 1 January the register uses as a placeholder
    (:func:`placeholder_new_year`), which weighs nothing when the learner holds it too."""
    if asked == dob:
        return PLACEHOLDER_ON_BOTH if placeholder else EXACT
    if asked.year == dob.year and (asked.day, asked.month) == (dob.month, dob.day):
        return Level(0.9, Variant.DOB_SWAPPED.value)
    if (asked.year, asked.month) == (dob.year, dob.month) and 1 in (asked.day, dob.day):
        return Level(0.7, Variant.DOB_FIRST.value)
    if asked.year == dob.year and date(asked.year, 1, 1) in (asked, dob):
        return Level(0.6, Variant.DOB_JAN_FIRST.value)
    same_day = (asked.month, asked.day) == (dob.month, dob.day)
    if same_day and abs(asked.year - dob.year) == 1:
        return Level(0.5, "one digit different")
    # One digit different means one of year, month and day different (checked first: cheap).
    if (asked.year != dob.year) + (asked.month != dob.month) + (asked.day != dob.day) == 1:
        a, b = asked.isoformat(), dob.isoformat()
        if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
            return Level(0.5, "one digit different")
    return DIFFERENT


def compare_gender(asked: int, gender: int) -> Level:
    if asked == gender:
        return EXACT
    if {asked, gender} & {0, 9}:
        return Level(0.5, "not known or not specified")
    return DIFFERENT


def district(postcode: str) -> str:
    """The postcode's outward code: "LS6 2AB" -> "LS6"."""
    return postcode.split(" ")[0]


def compare_postcode(asked: str, postcode: str, previous: Iterable[str] = ()) -> Level:
    """Postcodes as :func:`lrs_core.domain.values.validate_postcode` returns them."""
    if asked == postcode:
        return UNKNOWN_ON_BOTH if asked == UNKNOWN_POSTCODE else EXACT
    if asked in set(previous):
        return Level(0.95, "previous postcode")
    if UNKNOWN_POSTCODE in (asked, postcode):
        return Level(0.5, "default postcode")
    if district(asked) == district(postcode):
        return Level(0.6, "same postcode district")
    return DIFFERENT


def compare_text(asked: str, value: str | None, *, fold: bool = True) -> Level:
    """An optional field given by the operator (email, UPN, UCI...)."""
    if not value:
        return NOT_RECORDED
    same = asked.casefold() == value.casefold() if fold else asked == value
    return EXACT if same else DIFFERENT


def rarity(frequency: int, population: int) -> float:
    """A weight factor from 0.5 (a very common value) to 1.5 (a unique one): agreeing on a
    rare name is stronger evidence than agreeing on a common one, as in Splink's term
    frequency adjustments. ``frequency`` counts learners with the value in ``population``."""
    if population <= 1:
        return 1.0
    bits = math.log2((population + 1) / (frequency + 1))
    typical = math.log2(population + 1) * 0.6  # a name held by roughly one in N**0.6
    return max(0.5, min(1.5, bits / typical if typical else 1.0))


# --- Evidence (Fellegi-Sunter) ------------------------------------------------------------------
#
# The weighted mean of levels says how alike two records look; it does not say whether that
# likeness could be chance. In a register of a million learners about 50 share any date of
# birth and thousands a postcode district, so a date of birth and a district in common, with
# no name in common, is what a stranger shows. Each field's level therefore also carries its
# evidence in bits, log2(m / u): m how often the same learner's records agree at that level,
# u how often two different learners' do. Agreement on a value is worth more the rarer the
# value (u is its share of the register); a name, date of birth or gender that differs pulls
# the sum down hard (m is small: people rarely get those wholly wrong). The prior is one
# learner in the register: log2(population) bits, so the same likeness counts for less in a
# larger register.

MIN_POPULATION = 10_000  # a smaller register (a demo, a test) is read as a sample of this size
_NAME_DIFFERENT = math.log2(0.02 / 0.98)
_LIKELY_CHANCE = {  # (m, u) of the name levels short of exact, by how far from exact
    "strong": (0.04, 0.002),  # previous family name, Mc/Mac, prefix, preferred, swapped exact
    "nickname": (0.04, 0.02),  # nicknames stand for many names (Ella: Helen, Gabriela...)
    "near": (0.03, 0.01),  # a near spelling or a name that sounds alike
    "weak": (0.01, 0.01),  # a swapped name that only sounds alike
}


BIRTH_YEARS = 40  # a register's learners are born over some 40 years
_YEAR = 1 / BIRTH_YEARS


@dataclass(frozen=True)
class Chance:
    """How often a learner holds each value asked, as a share of the register (``u`` of an
    exact agreement), and the register's size; counts below one read as one. ``first`` and
    ``new_year``: (m, u) of the "1st of the month" and "1 January" levels of
    :func:`compare_dob`. A 1st or a 1 January asked often stands for a date the caller does
    not know: the learner is then likely born in that month or year (m), as are that month's
    or year's share of the register (u). ``one_name``: the same name was typed in both
    fields, so the given name typed says little about the learner's."""

    population: int
    given: float
    family: float
    date_of_birth: float
    postcode: float
    district: float
    first: tuple[float, float]
    new_year: tuple[float, float]
    one_name: bool = False

    @classmethod
    def of(
        cls,
        population: int,
        asked: date,
        given: int,
        family: int,
        born_on: int,
        postcode: int,
        district: int,
        one_name: bool = False,
    ) -> Chance:
        n = max(population, MIN_POPULATION)

        def share(count: int) -> float:
            return max(count, 1) / n

        day = share(born_on)
        return cls(
            population=n,
            given=share(given),
            family=share(family),
            date_of_birth=day,
            postcode=share(postcode),
            district=share(district),
            first=(0.3, _YEAR / 12) if asked.day == 1 else (0.02, day),
            new_year=(0.5, _YEAR) if (asked.month, asked.day) == (1, 1) else (0.02, 5 * day),
            one_name=one_name,
        )


def _bits(m: float, u: float) -> float:
    return math.log2(m / min(max(u, 1e-9), 1.0))


def evidence(field: str, level: Level, chance: Chance) -> float:
    """The bits for one field's level: log2(m / u), above 0 for the same learner, below for
    two people (a value not recorded: 0). A placeholder on both sides, which the score does
    not weigh, still says what it says: born in the same year (one of some 40), or a
    postcode unknown to both (as common as the default postcode is in the register)."""
    if level is NOT_RECORDED:
        return 0.0
    if not level.weighed:
        if field == "date of birth":
            return _bits(0.9, _YEAR)
        return _bits(0.7, chance.postcode) if field == "postcode" else 0.0
    v = level.value
    if field in ("given name", "family name"):
        if v >= 1.0:
            return _bits(0.85, chance.given if field == "given name" else chance.family)
        if v == 0:
            return 0.0 if chance.one_name and field == "given name" else _NAME_DIFFERENT
        kind = (
            "nickname"
            if "nickname" in level.label
            else "strong"
            if v >= 0.85
            else "near"
            if v >= 0.7
            else "weak"
        )
        return _bits(*_LIKELY_CHANCE[kind])
    if field == "date of birth":
        if v >= 1.0:
            return _bits(0.9, chance.date_of_birth)
        if level.label == Variant.DOB_FIRST.value:
            return _bits(*chance.first)
        if level.label == Variant.DOB_JAN_FIRST.value:
            return _bits(*chance.new_year)
        if v >= 0.6:  # day and month swapped: one date more
            return _bits(0.02, 2 * chance.date_of_birth)
        if v > 0:  # one digit different: a dozen dates or so
            return _bits(0.03, 12 * chance.date_of_birth)
        return _NAME_DIFFERENT
    if field == "gender":
        return _bits(0.97, 0.5) if v >= 1.0 else 0.0 if v > 0 else _bits(0.02, 0.5)
    if field == "postcode":
        if v >= 1.0:
            return _bits(0.7, chance.postcode)
        if v >= 0.9:  # a previous postcode
            return _bits(0.1, chance.postcode)
        if v >= 0.6:  # the same district
            return _bits(0.05, chance.district)
        if v > 0:  # the default postcode on one side
            return 0.0
        return _bits(0.25, 1.0)
    # Optional fields: an identifier (email, UPN, UCI) is nearly unique; a name less so.
    if v >= 1.0:
        return _bits(0.9, 0.01 if "name" in field else 1e-5)
    if v > 0:
        return _bits(0.05, 0.01)
    return _bits(0.1, 1.0)


def log_odds(fields: Iterable[tuple[str, Level]], chance: Chance) -> float:
    """The odds, in bits, that the learner is the person asked for rather than one of the
    register's others who looks as alike by chance: the fields' evidence less the prior
    (one learner among ``chance.population``). 0 is even odds."""
    bits = {name: evidence(name, level, chance) for name, level in fields}
    levels = dict(fields)
    # A household shares its family name and postcode: a brother is no stranger. The two
    # agreeing together count as the stronger of them, not as two independent chances;
    # unless the birthday agrees too, which is the learner or a twin, and a twin is what a
    # search must show (DOMAIN "Learners and ULNs", §4.2.2.1).
    household = all(
        levels[f].value >= 0.9 and levels[f].weighed for f in ("family name", "postcode")
    )
    if household and not levels["date of birth"].exact:
        bits["postcode"] = max(0.0, bits["postcode"] - bits["family name"])
    return sum(bits.values()) - math.log2(chance.population)


# Bits: a plausible candidate is at least twice as likely the learner as one of the register's
# others alike by chance (lrs-desk bench search: a wrong candidate for at most 1% of persons
# not in the register, at 50,000 and at 1,000,000 learners).
PLAUSIBLE_ODDS = 1.0
CHANCE_STEP = 0.01  # score given up per bit short of those odds


def calibrated(score: float, odds: float, plausible: float) -> tuple[float, bool]:
    """The score the operator sees, and whether chance held it down: a candidate whose
    :func:`log_odds` fall short of PLAUSIBLE_ODDS scores under ``plausible`` (the search's
    plausible score), CHANCE_STEP lower for each bit short, however alike its fields look;
    so a score from ``plausible`` up always means better than even odds."""
    if odds >= PLAUSIBLE_ODDS:
        return score, False
    cap = math.floor((plausible - CHANCE_STEP * (PLAUSIBLE_ODDS - odds)) * 1000 - 1e-6) / 1000
    return (cap, True) if score > cap else (score, False)
