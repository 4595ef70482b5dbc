"""Preferred and nick names: the maintained `nicknames` list (PyPI, US-centred) plus a small
UK supplement for names that list lacks (Appendix B: "preferred/nick name").

Both directions count: Alfie finds Alfred and Alfred finds Alfie. Everything is compared as
:func:`lrs_core.domain.names.name_key` folds it.
"""

from __future__ import annotations

from functools import cache

from nicknames import NickNamer

from lrs_core.domain.names import name_key

# Formal name -> names it is shortened to in the UK, where the `nicknames` package (built from
# US sources) does not know them. Keep it short: only what the package lacks.
UK_SUPPLEMENT: dict[str, tuple[str, ...]] = {
    "alfred": ("alfie",),
    "oliver": ("ollie", "olly"),
    "olivia": ("ollie", "liv", "livvy"),
    "alexander": ("sasha", "xander", "alfie"),
    "alexandra": ("sasha", "lexi"),
    "archibald": ("archie",),
    "frederick": ("freddie", "alfie"),
    "harriet": ("hattie",),
    "henry": ("harry", "hal"),
    "isabella": ("izzy", "bella"),
    "isabel": ("izzy",),
    "jakub": ("kuba",),
    "malgorzata": ("gosia",),
    "siobhan": ("shiv",),
    "muhammad": ("mo",),
    "mohammed": ("mo",),
    "mohammad": ("mo",),
    "benjamin": ("benji",),
    "eleanor": ("nell", "ellie"),
    "amelia": ("millie", "mia"),
    "theodore": ("theo",),
    "florence": ("florrie", "flo"),
    "rebecca": ("becca",),
    "charlotte": ("lottie", "charlie"),
    "william": ("billy", "will", "wills"),
    "daniel": ("danny",),
    "dafydd": ("dai", "dave"),
    "rhiannon": ("rhi",),
}


@cache
def _namer() -> NickNamer:
    return NickNamer()


def _supplement_pairs() -> dict[str, set[str]]:
    related: dict[str, set[str]] = {}
    for formal, shorts in UK_SUPPLEMENT.items():
        for short in shorts:
            related.setdefault(formal, set()).add(short)
            related.setdefault(short, set()).add(formal)
    return related


_SUPPLEMENT = _supplement_pairs()


@cache
def related_names(given: str) -> frozenset[str]:
    """Name keys of the formal names and nicknames related to ``given`` (not itself)."""
    key = name_key(given)
    if not key:
        return frozenset()
    namer = _namer()
    found = set(namer.nicknames_of(key)) | set(namer.canonicals_of(key))
    found |= _SUPPLEMENT.get(key, set())
    return frozenset(name_key(n) for n in found) - {key}


def are_related(a: str, b: str) -> bool:
    """True when one name is a nickname or formal form of the other."""
    return name_key(b) in related_names(a) or name_key(a) in related_names(b)
