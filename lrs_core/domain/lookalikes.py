"""Lookalike letters (Unicode TR39, "Unicode Security Mechanisms"): the confusable skeleton that
match keys compare, and the scripts a word is written in.

A Cyrillic "С" or "е" looks exactly like the Latin letter, so "Сarys Rееs" would otherwise be a
second learner beside Carys Rees. TR39 answers with two tools, both here:

* the **skeleton**: every letter replaced by the prototype of its confusable class, so two
  strings that look alike compare equal (:func:`skeleton`);
* **mixed-script detection**: one word written in two alphabets is almost never a real name
  (:func:`mixed_scripts`). A whole name in one script (Greek, Cyrillic...) is a real name; the
  Han-based writing systems mix scripts by design (Japanese kanji with kana, Korean hanja with
  hangul), as TR39's augmented script sets allow.

The data is Unicode's own (``confusables.txt`` and ``Scripts.txt``) as shipped by the maintained
``confusable-homoglyphs`` package. It is loaded on first use: most names fold to plain ASCII
and never need it, and start-up stays quick.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

# Marks the Unicode table's comments wrap around right-to-left letters, kept in the package's
# data: never part of a letter.
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")

# Scripts TR39 lets one word mix (its augmented script sets Jpan, Kore and Hanb).
_WRITTEN_TOGETHER = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"HAN", "HANGUL"}),
    frozenset({"HAN", "BOPOMOFO"}),
)
# Punctuation, digits and combining accents belong to no one alphabet.
_NO_SCRIPT = frozenset({"COMMON", "INHERITED"})


def _preference(member: str) -> tuple[bool, int, str]:
    # A class's representative: a plain Latin letter when the class has one, shortest first.
    return (not (member.isascii() and member.isalpha() and member.islower()), len(member), member)


@cache
def _representatives() -> dict[str, str]:
    """Each letter that has lookalikes -> the representative of its confusable class.

    The package keeps TR39's table both ways round (source -> prototype and back), so the
    classes are its connected groups; each is one prototype with its sources, as TR39 builds
    them, so choosing one representative per group gives the same equality as the skeleton.
    """
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for source, entries in confusables_data.items():
        for entry in entries:
            a, b = (
                root(source.translate(_DIRECTION_MARKS)),
                root(entry["c"].translate(_DIRECTION_MARKS)),
            )
            if a != b:
                parent[a] = b
    groups: dict[str, list[str]] = defaultdict(list)
    for member in list(parent):
        groups[root(member)].append(member)
    table: dict[str, str] = {}
    for members in groups.values():
        chosen = min(members, key=_preference)
        table.update((m, chosen) for m in members if len(m) == 1 and m != chosen)
    return table


def skeleton(text: str) -> str:
    """``text`` with every letter outside plain a-z read as the letter it imitates.

    Plain a-z keep themselves: TR39 reads the Latin "m" as "rn", which is right for domain
    names but would make Cam and Carn the same learner, change the key of every name with an
    m, and hide McLean's Mc/Mac search variant ("rnclean"). The lookalikes that make a second,
    identical-looking learner are the letters of other alphabets (Cyrillic с, Greek ο) and the
    rare Latin ones (ɑ), and those are all mapped.
    """
    if text.isascii():
        return text
    table = _representatives()
    return "".join(c if c.isascii() else table.get(c, c) for c in text)


def _script(char: str) -> str:
    from confusable_homoglyphs.categories import alias

    return str(alias(char)).upper()


def mixed_scripts(word: str) -> tuple[str, ...]:
    """The scripts of a word that mixes alphabets TR39 does not let one word mix (most
    common first, then alphabetical), or ``()`` for a word in one script."""
    if word.isascii():
        return ()
    counts: dict[str, int] = defaultdict(int)
    for char in word:
        script = _script(char)
        if script not in _NO_SCRIPT:
            counts[script] += 1
    scripts = frozenset(counts)
    if len(scripts) < 2 or any(scripts <= together for together in _WRITTEN_TOGETHER):
        return ()
    return tuple(sorted(scripts, key=lambda s: (-counts[s], s)))


def script_name(script: str) -> str:
    """A script as an operator reads it: CYRILLIC -> Cyrillic, OLD_ITALIC -> Old Italic."""
    return script.replace("_", " ").title()


def letters_in(word: str, script: str) -> str:
    """The letters of ``word`` written in ``script``, each once, in order."""
    return "".join(dict.fromkeys(c for c in word if _script(c) == script))
