"""Names and free text of a learner record: lengths, characters, prohibited text, email, school.

Every rule raises :class:`lrs_core.errors.ValidationError` naming the field and the rule broken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from lrs_core.domain import lookalikes
from lrs_core.domain.text import clean_text
from lrs_core.domain.values import UNKNOWN_POSTCODE
from lrs_core.errors import ValidationError

# Maximum lengths (DOMAIN.md "Formats and codes": Learner fields).
NAME_MAX = 35
ADDRESS_LINE_MAX = 50
SCHOOL_AT_16_MAX = 254
NOTES_MAX = 4000
EMAIL_MAX = 254
MIS_IDENTIFIER_MAX = 50

_APOSTROPHES = "'\u2019"  # straight and typographic (’)

# Appendix C: prohibited text. The published LRS list is not in our sources; extend here or pass
# a configured list as ``terms``. Matched as whole words (an "s" plural too), ignoring case.
PROHIBITED_TERMS: tuple[str, ...] = ("prisoner", "prison", "HMP", "HMYOI", "YOI", "young offender")


def validate_text(
    s: str, field: str, max_len: int, required: bool = False, *, multiline: bool = False
) -> str:
    """Free text trimmed at both ends: the text rule (:func:`lrs_core.domain.text.clean_text`:
    NFC, no control or invisible characters, one line unless ``multiline``), ``max_len``."""
    return clean_text(s, field, max_len, required=required, multiline=multiline)


def validate_name(
    s: str,
    field: str,
    required: bool = True,
    max_len: int = NAME_MAX,
    *,
    mixed_scripts_allowed: bool = False,
) -> str:
    """A name: trimmed, spaces collapsed, letters plus space, hyphen and apostrophe; max 35;
    each word in one alphabet (a search passes ``mixed_scripts_allowed``: it stores nothing,
    and its match keys read lookalike letters as the letters they imitate). Its match key
    (stored beside it, as long as the name may be) must fit too: 35 "ﬀ" ligatures or a long
    name full of "ß" spell out to more letters than the name has."""
    name = clean_text(s, field, max_len, required=required, collapse=True).replace("\u2019", "'")
    if not name:
        return ""
    bad = sorted({c for c in name if not (c.isalpha() or c in " -'")})
    if bad:
        listed = " ".join(f'"{c}"' for c in bad)
        raise ValidationError(
            field, f"may contain only letters, spaces, hyphens and apostrophes, not {listed}"
        )
    if not any(c.isalpha() for c in name):
        raise ValidationError(field, "must contain at least one letter")
    if not mixed_scripts_allowed:
        check_one_script_per_word(name, field)
    key = name_key(name)
    if len(key) > max_len:
        raise ValidationError(
            field,
            f"must be at most {max_len} letters once spelled out for matching"
            f' (ligatures such as "ﬀ" count as two); it has {len(key)}',
        )
    return name


def check_one_script_per_word(name: str, field: str) -> None:
    """Refuse a word written in two alphabets (Unicode TR39 mixed-script detection): "Adаm"
    with a Cyrillic "а" looks like Adam and is not, so it would register a second, identical-
    looking learner. A whole name in one script (Νίκος, Олена) is a real name, and so is one
    whose words are in different scripts."""
    for word in re.split(r"[ \-']+", name):
        scripts = lookalikes.mixed_scripts(word)
        if scripts:
            names = [lookalikes.script_name(s) for s in scripts]
            odd = ", ".join(
                f'"{lookalikes.letters_in(word, s)}" is {lookalikes.script_name(s)}'
                for s in scripts[1:]
            )
            raise ValidationError(
                field,
                f'mixes {" and ".join(names)} letters in one word ("{word}": {odd}):'
                " retype the word in one alphabet",
            )


def _term_pattern(term: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"\b{words}s?\b", re.IGNORECASE)


def check_prohibited_text(s: str, field: str, terms: Iterable[str] = PROHIBITED_TERMS) -> str:
    """Return ``s`` unchanged, or raise when it contains a prohibited term (Appendix C)."""
    for term in terms:
        found = _term_pattern(term).search(s)
        if found:
            raise ValidationError(
                field,
                f'contains prohibited text "{found.group(0)}": use the learner\'s last address'
                f" or the default postcode {UNKNOWN_POSTCODE}",
            )
    return s


def validate_address_line(s: str, field: str, required: bool = False) -> str:
    """An address line: one line, spaces collapsed, at most 50 characters, no prohibited text."""
    line = clean_text(s, field, ADDRESS_LINE_MAX, required=required, collapse=True)
    return check_prohibited_text(line, field)


def validate_email(s: str, field: str = "Email") -> str:
    """An optional email address ("" when blank); never the word "none"; a plain sanity check."""
    email = clean_text(s, field, EMAIL_MAX)
    if not email:
        return ""
    local, _, domain = email.partition("@")
    if email.casefold() == "none" or local.casefold() == "none":
        raise ValidationError(
            field, 'must not be the word "none": leave it blank when the learner has no email'
        )
    if any(c.isspace() for c in email):
        raise ValidationError(field, "must not contain spaces")
    if email.count("@") != 1 or not local:
        raise ValidationError(
            field, f'"{email}" is not an email address: expected name@example.com'
        )
    if "." not in domain or "" in domain.split("."):
        raise ValidationError(
            field, f'"{email}" has no valid domain after the @: expected name@example.com'
        )
    return email


_SCHOOL_WORD = re.compile(r"\b(school|college)s?\b", re.IGNORECASE)


def validate_school_at_16(s: str, field: str = "School at 16") -> str:
    """Optional school name, at most 254 characters, without the word "School" or "College"."""
    school = clean_text(s, field, SCHOOL_AT_16_MAX, collapse=True)
    found = _SCHOOL_WORD.search(school)
    if found:
        raise ValidationError(
            field,
            f'must not include the word "{found.group(0)}": enter the proper name only,'
            ' e.g. "Hillside" rather than "Hillside School"',
        )
    return school


# Letters that carry no combining accent to strip, so NFKD leaves them: fold them by hand,
# so that Łukasz is found as Lukasz and Søren as Soren.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def name_key(s: str) -> str:
    """A matching key: case folded, accents stripped, hyphens, apostrophes and spaces removed,
    and lookalike letters of other alphabets read as the letters they imitate (the TR39
    skeleton: "Сarys" with a Cyrillic С is "carys")."""
    key = _fold(s)
    return key if key.isascii() else _fold(lookalikes.skeleton(key))


def _fold(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", s).casefold())
    return "".join(
        c
        for c in decomposed.translate(_UNDECOMPOSED)
        if not unicodedata.combining(c) and not c.isspace() and c not in "-" + _APOSTROPHES
    )
