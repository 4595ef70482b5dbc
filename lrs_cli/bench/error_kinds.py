"""The error model of `lrs-desk bench search`: what an operator types for a learner.

A query starts from a real learner, as stored (``Source``), and what the operator types
(``Typed``: the five mandatory fields) is changed by one or more error kinds, each on its own
fields, so that kinds can be combined. Most are the Appendix B variants the LRS lists
(DOMAIN.md "Learners and ULNs"); the rest are the harder slips seen on independent data:

* **names swapped, one mistyped**: the given name typed as the family name and the other way
  round, and one of the two mistyped (a key beside the right one, a sound-alike vowel or
  consonant, a doubled or undoubled letter): "Georte Kyra" for Kyra George.
* **one name in both fields**: the form "a name moved to the other field" takes when both
  fields are mandatory: the operator types one of the learner's names (either, at random)
  into the other field as well, the other name unheard or not asked: "Kyra Kyra" or "George
  George" for Kyra George. One field holds its own name, the other the learner's other name,
  and one of the learner's names is missing from the query.
* **married, moved**: a woman of 18 or over whose family name changed on marriage, not yet
  recorded (the typed family name is another common family name, never one she has had), who
  has moved house too (a new postcode, not recorded either). Given name, date of birth and
  gender are right.

Three errors at once are three kinds on separate fields (``combinations(3)``).

Persons who are NOT in the register (``ABSENT_KINDS``) are made from the register's own
fields, so that their names, dates and postcodes are as common as real ones: a stranger (each
field from a different learner) and an unregistered sibling (the family name and postcode of a
registered learner, another given name and date of birth).

Pure: no database; a ``random.Random`` is the only source of chance, so a run can be repeated.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from lrs_core.domain.names import name_key
from lrs_core.domain.values import UNKNOWN_POSTCODE, Gender, age_on

DEFAULT_POSTCODE = UNKNOWN_POSTCODE
FEMALE = int(Gender.FEMALE)
ADULT_AGE = 18  # the youngest age at which a marriage may be made in England and Wales


@dataclass
class Source:
    """A real learner, as stored, that a query is made from."""

    id: int
    uln: str
    given: str
    family: str
    middle: str
    preferred: str
    dob: date
    gender: int
    postcode: str
    truth: int  # the learner a search should find: this one, or its master when linked
    previous_family: list[str] = field(default_factory=list)
    previous_postcode: list[str] = field(default_factory=list)


@dataclass
class Typed:
    """What the operator types: the five mandatory fields."""

    given: str
    family: str
    dob: date
    gender: int
    postcode: str


Rng = random.Random
Apply = Callable[[Source, Typed, Rng], bool]  # change ``Typed``; False when not applicable


@dataclass(frozen=True)
class ErrorKind:
    name: str
    fields: frozenset[str]  # of "given", "family", "dob", "postcode"
    apply: Apply
    pool: str = "all"  # which learners can have it (see _Pools)


def _keep_case(original: str, new: str) -> str:
    return new[:1].upper() + new[1:] if original[:1].isupper() else new


def _replace_at(name: str, index: int, old_len: int, new: str) -> str:
    piece = name[index : index + old_len]
    if piece[:1].isupper():
        new = new[:1].upper() + new[1:]
    return name[:index] + new + name[index + old_len :]


# Sound-alike vowels: the one an operator hearing the name might write instead.
_VOWELS = {"a": "e", "e": "a", "i": "y", "y": "i", "o": "a", "u": "o"}


def _vowel_changed(name: str, rng: Rng) -> str | None:
    """One vowel (not the first letter) written as a sound-alike: Smith -> Smyth."""
    spots = [
        i
        for i, ch in enumerate(name)
        if i > 0 and ch.lower() in _VOWELS and name[i - 1].isalpha() and ch.islower()
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + _VOWELS[name[i]] + name[i + 1 :]


_CONSONANTS = (("ph", "f"), ("f", "ph"), ("ck", "k"), ("c", "k"), ("v", "ph"), ("s", "z"))


def _consonant_changed(name: str, rng: Rng) -> str | None:
    """ph/f, ck/k, c/k, s/z: Phillips -> Fillips, Stephens -> Stevens, Clarke -> Klarke."""
    lower = name.lower()
    spots: list[tuple[int, str, str]] = []
    for old, new in _CONSONANTS:
        start = lower.find(old)
        while start != -1:
            after = lower[start + len(old) : start + len(old) + 1]
            if old == "f" and (after == "f" or lower[start - 1 : start] in ("p", "f")):
                pass  # "ff" and the f of "ph" are not rewritten
            elif old == "c" and (after in ("k", "h", "e", "i", "y") or start > 0):
                pass  # only a hard C at the start: Clarke, Cooper
            elif old == "s" and (start == 0 or after not in ("", "e")):
                pass  # a final s or -se only: Davies -> Daviez
            else:
                spots.append((start, old, new))
            start = lower.find(old, start + 1)
    if not spots:
        return None
    start, old, new = rng.choice(spots)
    return _replace_at(name, start, len(old), new)


def _double_letter(name: str, rng: Rng) -> str | None:
    """A doubled letter written once (Harrison -> Harison), or failing that a single l, n,
    r or t after a vowel doubled (Ellis <- Elis)."""
    doubles = [
        i
        for i in range(len(name) - 1)
        if name[i].isalpha() and name[i].lower() == name[i + 1].lower()
    ]
    if doubles:
        i = rng.choice(doubles)
        return name[:i] + name[i + 1 :]
    singles = [
        i
        for i in range(1, len(name) - 1)
        if name[i] in "lnrt" and name[i - 1].lower() in "aeiou" and name[i + 1].lower() in "aeiouy"
    ]
    if not singles:
        return None
    i = rng.choice(singles)
    return name[: i + 1] + name[i] + name[i + 1 :]


def _given_sound_alike(name: str, rng: Rng) -> str | None:
    """A given name's -ie/-y ending swapped (Freddie -> Freddy), else a double letter."""
    lower = name.lower()
    if lower.endswith("ie") and len(name) > 3:
        return name[:-2] + "y"
    if lower.endswith("y") and len(name) > 3 and lower[-2] not in "aeiou":
        return name[:-1] + "ie"
    return _double_letter(name, rng)


def _on(side: str, change: Callable[[str, Rng], str | None]) -> Apply:
    def apply(source: Source, typed: Typed, rng: Rng) -> bool:
        name = getattr(typed, side)
        new = change(name, rng)
        if new is None or new == name or not new.replace("-", "").replace(" ", "").isalpha():
            return False
        setattr(typed, side, new)
        return True

    return apply


def _previous_family(source: Source, typed: Typed, rng: Rng) -> bool:
    old = [p for p in source.previous_family if name_key(p) != name_key(source.family)]
    if not old:
        return False
    typed.family = rng.choice(sorted(old))
    return True


def _swapped(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.given.casefold() == typed.family.casefold():
        return False
    typed.given, typed.family = typed.family, typed.given
    return True


def _middle_as_given(source: Source, typed: Typed, rng: Rng) -> bool:
    parts = source.middle.split()
    if not parts or parts[0].casefold() == source.given.casefold():
        return False
    typed.given = parts[0]
    return True


def _nickname(source: Source, typed: Typed, rng: Rng) -> bool:
    """The preferred given name when one is recorded, else a common short form."""
    from lrs_core.demo_data import NICKNAMES

    if source.preferred and source.preferred.casefold() != source.given.casefold():
        typed.given = source.preferred
        return True
    shorts = NICKNAMES.get(source.given)
    if not shorts:
        return False
    typed.given = rng.choice(shorts)
    return True


def _mc_mac(source: Source, typed: Typed, rng: Rng) -> bool:
    name = typed.family
    if name.lower().startswith("mac") and len(name) > 4:
        typed.family = _keep_case(name, "Mc" + name[3:].capitalize())
        return True
    if name.lower().startswith("mc") and len(name) > 3:
        typed.family = "Mac" + name[2:]
        return True
    return False


def _double_barrelled(source: Source, typed: Typed, rng: Rng) -> bool:
    if "-" not in typed.family:
        return False
    typed.family = typed.family.replace("-", rng.choice(("", " ")))
    return True


def _dob_swapped(source: Source, typed: Typed, rng: Rng) -> bool:
    d = typed.dob
    if d.day > 12 or d.day == d.month:
        return False
    typed.dob = date(d.year, d.day, d.month)
    return True


def _dob_first(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.dob.day == 1:
        return False
    typed.dob = typed.dob.replace(day=1)
    return True


def _dob_january(source: Source, typed: Typed, rng: Rng) -> bool:
    if (typed.dob.month, typed.dob.day) == (1, 1):
        return False
    typed.dob = typed.dob.replace(month=1, day=1)
    return True


def _previous_postcode(source: Source, typed: Typed, rng: Rng) -> bool:
    old = [p for p in source.previous_postcode if p != source.postcode]
    if not old:
        return False
    typed.postcode = rng.choice(sorted(old))
    return True


def _default_postcode(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.postcode == DEFAULT_POSTCODE:
        return False
    typed.postcode = DEFAULT_POSTCODE
    return True


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    ch: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in _KEYBOARD_ROWS
    for i, ch in enumerate(row)
}


def _key_slip(name: str, rng: Rng) -> str | None:
    """One letter (not the first) typed as a key beside it on its row: George -> Georfe."""
    spots = [i for i, ch in enumerate(name) if i > 0 and ch in _NEIGHBOURS]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + rng.choice(_NEIGHBOURS[name[i]]) + name[i + 1 :]


TYPOS: tuple[Callable[[str, Rng], str | None], ...] = (
    _key_slip,
    _vowel_changed,
    _consonant_changed,
    _double_letter,
)


def typo(name: str, rng: Rng) -> str | None:
    """One slip of the kinds in ``TYPOS`` (tried in a random order until one applies), or
    None when none can change ``name``."""
    for change in rng.sample(TYPOS, len(TYPOS)):
        new = change(name, rng)
        if new is not None and new != name and new.replace("-", "").replace(" ", "").isalpha():
            return new
    return None


def _swapped_with_typo(source: Source, typed: Typed, rng: Rng) -> bool:
    if not _swapped(source, typed, rng):
        return False
    first = rng.choice(("given", "family"))
    for side in (first, "family" if first == "given" else "given"):
        new = typo(getattr(typed, side), rng)
        if new is not None:
            setattr(typed, side, new)
            return True
    return False


def _one_name_in_both(source: Source, typed: Typed, rng: Rng) -> bool:
    if name_key(typed.given) == name_key(typed.family):
        return False
    if rng.random() < 0.5:
        typed.family = typed.given  # the given name in both: Kyra Kyra
    else:
        typed.given = typed.family  # the family name in both: George George
    return True


def moved_postcode(current: str, rng: Rng) -> str:
    """A new postcode of the demo data's form, never ``current`` (nor the default)."""
    from lrs_core.demo_data import INWARD_LETTERS, POSTCODE_AREAS

    while True:
        outward = rng.choice(POSTCODE_AREAS)[0]
        inward = f"{rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        if f"{outward} {inward}" != current:
            return f"{outward} {inward}"


def _married_and_moved(source: Source, typed: Typed, rng: Rng) -> bool:
    from lrs_core.demo_data import FAMILY

    if source.gender != FEMALE or age_on(source.dob, date.today()) < ADULT_AGE:
        return False
    had = {name_key(n) for n in (source.family, typed.family, *source.previous_family)}
    typed.family = rng.choice([n for n in FAMILY if name_key(n) not in had])
    typed.postcode = moved_postcode(typed.postcode, rng)
    return True


_G, _F, _D, _P = "given", "family", "dob", "postcode"
ERROR_KINDS: tuple[ErrorKind, ...] = (
    ErrorKind("previous family name", frozenset({_F}), _previous_family, "previous_family"),
    ErrorKind("given/family swapped", frozenset({_G, _F}), _swapped),
    ErrorKind("middle name as given", frozenset({_G}), _middle_as_given, "middle"),
    ErrorKind("nickname/preferred name", frozenset({_G}), _nickname, "nickname"),
    ErrorKind("family misspelt: vowel", frozenset({_F}), _on(_F, _vowel_changed)),
    ErrorKind("family misspelt: ph/f c/k s/z", frozenset({_F}), _on(_F, _consonant_changed)),
    ErrorKind("family misspelt: double letter", frozenset({_F}), _on(_F, _double_letter)),
    ErrorKind("given misspelt: vowel", frozenset({_G}), _on(_G, _vowel_changed)),
    ErrorKind("given misspelt: -ie/-y, double", frozenset({_G}), _on(_G, _given_sound_alike)),
    ErrorKind("Mc/Mac swapped", frozenset({_F}), _mc_mac, "mc_mac"),
    ErrorKind("double-barrelled unhyphenated", frozenset({_F}), _double_barrelled, "hyphen"),
    ErrorKind("DOB day/month swapped", frozenset({_D}), _dob_swapped),
    ErrorKind("DOB 1st of the month", frozenset({_D}), _dob_first),
    ErrorKind("DOB 1 January", frozenset({_D}), _dob_january),
    ErrorKind("previous postcode", frozenset({_P}), _previous_postcode, "previous_postcode"),
    ErrorKind("default postcode ZZ99 9ZZ", frozenset({_P}), _default_postcode),
    ErrorKind("names swapped, one mistyped", frozenset({_G, _F}), _swapped_with_typo),
    ErrorKind("one name in both fields", frozenset({_G, _F}), _one_name_in_both),
    ErrorKind(
        "married, moved: family + postcode", frozenset({_F, _P}), _married_and_moved, "female"
    ),
)


def combinations(size: int) -> list[tuple[ErrorKind, ...]]:
    """Every ``size`` error kinds that touch separate fields, so all can be in one query."""
    return [
        group
        for group in itertools.combinations(ERROR_KINDS, size)
        if sum(len(k.fields) for k in group) == len(frozenset().union(*(k.fields for k in group)))
    ]


def typed_as_stored(source: Source) -> Typed:
    return Typed(source.given, source.family, source.dob, source.gender, source.postcode)


def apply_all(source: Source, kinds: Sequence[ErrorKind], rng: Rng) -> Typed | None:
    """What the operator types for ``source`` with every error of ``kinds``, or None when one
    of them does not apply to this learner."""
    typed = typed_as_stored(source)
    return typed if all(kind.apply(source, typed, rng) for kind in kinds) else None


# --- Persons who are not in the register ---------------------------------------------------------


@dataclass(frozen=True)
class AbsentKind:
    """How a person who is not in the register is made from ``needs`` registered learners."""

    name: str
    needs: int
    make: Callable[[Sequence[Source]], Typed | None]  # None: these learners will not do


def _stranger(sources: Sequence[Source]) -> Typed | None:
    named, family, born, lives = sources
    return Typed(named.given, family.family, born.dob, named.gender, lives.postcode)


def _sibling(sources: Sequence[Source]) -> Typed | None:
    kin, named, born = sources
    if name_key(named.given) == name_key(kin.given) or born.dob == kin.dob:
        return None
    return Typed(named.given, kin.family, born.dob, named.gender, kin.postcode)


ABSENT_KINDS: tuple[AbsentKind, ...] = (
    AbsentKind("stranger", 4, _stranger),
    AbsentKind("unregistered sibling", 3, _sibling),
)
