"""User Guide §1.4's breaches, found in an email before anyone opens anything (issue 13,
item 2), and its escalation ladder; pure (DOMAIN.md "Security and the encrypted intake").

The checks run over the subject, the body and every unencrypted attachment's text:

- a ULN (a valid check digit) with any of the five demographics: given and family name
  (together they count as one), date of birth, gender, postcode. Generic patterns (a date, a
  postcode) count, and so does the register itself: for a ULN that belongs to a learner, the
  service passes that learner's own names, date of birth and postcode (:class:`KnownLearner`)
  and the checks look for them in the text;
- more than one demographic, with no ULN;
- an unencrypted attachment holding learner data; a ZipCrypto zip (not AES-256: weak);
- the passphrase in the same email (checked once the phoned passphrase is typed);
- a username and password in an email.

A finding names the rule, where it was found and what kind of data ("a ULN with a date of
birth"), never the data itself; :func:`mask` gives a text with what was found replaced by its
kind ("[ULN]", "[date]"), for a subject the queue can show.

What counts, and why (each choice pinned by tests/core/test_breach_rules.py):

- **ULN**: a run of exactly ten digits, not part of a longer run, with a valid check digit
  (9999999999, the ILR's temporary ULN, is no learner's). A ULN written in groups
  ("1000 000 043", "1000-000-043") counts only straight after a "ULN" label or in a ULN
  column: unlabelled grouped digits are most often a telephone number, and a signature's
  telephone number beside its postcode must not read as a ULN with a postcode.
- **Date of birth**: a real date in the forms people write (3/8/2009, 03-08-2009, 03.08.09,
  2009-08-03, 3 Aug 2009, 3rd of August 2009, August 3, 2009). It counts when it is labelled
  (DOB, D.O.B., date of birth, born, birthday) or in a DOB column, when it is the known
  learner's own date of birth, or when it could be a learner's date of birth on ``today`` (aged
  13 to 110, the register's own range): the date of a meeting or a batch is not a date of
  birth, nor is one the words before it name as another kind (a learning event's "award
  date", "started", "loaded on"; "from ... to ...", "between ... and ..."), unless it is the
  known learner's own. Without ``today`` every date counts (the cautious reading). Eight
  digits (20090803, 03082009) are a date only when labelled, in a DOB column, or the known
  learner's own date of birth.
- **Postcode**: DOMAIN.md's pattern, with or without the space, in any case. ZZ99 9ZZ says the
  postcode is unknown, so it is no learner's data: not a demographic, not masked. A postcode in
  the signature (the lines after "Kind regards", "Thanks", "--" …) is the sender's
  organisation's, and does not count unless it is the known learner's own.
- **Gender**: only beside a label ("Gender: F", "Sex - Male", "M/F: M") or in a Gender, Sex or
  M/F column: "male" in prose is not a learner's gender.
- **Name**: no pattern finds a name in general, so a name counts only when labelled ("Name:",
  "Surname:", "Forename:", "Learner name:" … at the start of a line or cell), in a name column,
  or when it is the known learner's own given or family name (whole words, case and accents
  folded by :func:`lrs_core.domain.names.name_key`). §1.4 lists given and family name among
  the five, so either one beside a ULN is a breach; together they count as one demographic.
- **Credentials**: a labelled username ("username:", "user name is", "login:", "user id:") and
  a labelled password ("password:", "pwd =", "pass:", "password is …") with their values, in
  the same text. A value that is a placeholder ("****", "[sent separately]") or an ordinary word
  ("Password: to follow by phone") is no password, and "password is …" needs a value with a
  digit, a symbol or quotes ("the password is coming by phone" is not one).
- **Passphrase**: found ignoring case and how the whitespace runs (a line break counts as a
  space); a passphrase of 8 characters or more is also found when the mail wrapped it across
  a line break (whitespace inside it ignored). :func:`mask` hides it too, when given.
- **The email as a whole**: :func:`scan_email` reads the subject and the body apart and then
  together, so a ULN in the subject and a date of birth in the body are one finding.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from lrs_core.domain.kinds import AttachmentKind, BreachRule, LadderStep
from lrs_core.domain.names import name_key
from lrs_core.domain.values import (
    MAX_AGE,
    MIN_AGE,
    age_on,
    is_valid_uln,
    normalise_postcode,
)
from lrs_core.intake.passphrase import Passphrase

# §1.4's own words for each breach, shown with every finding.
RULE_WORDING: dict[BreachRule, str] = {
    BreachRule.ULN_WITH_DEMOGRAPHIC: (
        "A ULN with any of the five demographics (given and family name, date of birth,"
        " gender, postcode) in an unencrypted email"
    ),
    BreachRule.DEMOGRAPHICS: (
        "More than one demographic in an unencrypted email (given and family name count as one)"
    ),
    BreachRule.UNENCRYPTED_ATTACHMENT: "Learner data sent unencrypted",
    BreachRule.WEAK_ENCRYPTION: (
        "The file is not encrypted to AES-256, as the passphrase guidance requires"
    ),
    BreachRule.PASSPHRASE_IN_EMAIL: "The password in the same email as the encrypted file",
    BreachRule.CREDENTIALS_IN_EMAIL: "A username and password in an email",
}

# §1.4's escalation for repeated breaches, in order, in its words.
LADDER: tuple[tuple[LadderStep, str], ...] = (
    (LadderStep.CONTACT, "Contact the user and the organisation's super user"),
    (LadderStep.USER_DISABLED, "User permissions disabled"),
    (LadderStep.ORGANISATION_DISABLED, "Organisation permissions disabled"),
    (
        LadderStep.DPO_AND_SENIOR_MANAGEMENT,
        "Escalation to the Data Protection Officer and senior management",
    ),
    (LadderStep.ICO, "Report to the Information Commissioner's Office"),
)


@dataclass(frozen=True)
class KnownLearner:
    """The register's own data for a ULN found in an email (a system look, audited by the
    service): what to look for in the text beside it."""

    uln: str
    given_names: tuple[str, ...]  # given, preferred, middle
    family_names: tuple[str, ...]  # family, previous
    date_of_birth: date | None
    postcode: str | None


@dataclass(frozen=True)
class Finding:
    rule: BreachRule
    location: str  # "subject", "body", "attachment pupils.csv"
    summary: str  # what kind of data, never the data: "a ULN with a date of birth"

    @property
    def wording(self) -> str:
        return RULE_WORDING[self.rule]


# The four demographic kinds, in §1.4's order (given and family name are one).
NAME = "a name"
DATE_OF_BIRTH = "a date of birth"
GENDER = "a gender"
POSTCODE = "a postcode"
_KIND_ORDER = (NAME, DATE_OF_BIRTH, GENDER, POSTCODE)

# What mask() puts in place of each kind.
_MASK_ULN = "[ULN]"
_MASK_DATE = "[date]"
_MASK_POSTCODE = "[postcode]"
_MASK_NAME = "[name]"
_MASK_PASSWORD = "[password]"
_MASK_PASSPHRASE = "[passphrase]"

_SP = r"[^\S\n]"  # a space that is not a line break

# --- ULNs -------------------------------------------------------------------------------------

# [0-9], not \d (which takes other scripts' digits too).
_PLAIN_ULN = re.compile(r"(?<![0-9])[0-9]{10}(?![0-9])")
_LABELLED_ULN = re.compile(
    rf"(?<![A-Za-z])ULN(?:{_SP}*(?:no\.?|number|#))?{_SP}*[:=#\-–]?{_SP}*"
    r"(?<![0-9])((?:[0-9][ \-]?){9}[0-9])(?![0-9])",
    re.IGNORECASE,
)


def _uln_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, ULN) of every ULN in ``text``, by position."""
    spans: list[tuple[int, int, str]] = []
    for match in _PLAIN_ULN.finditer(text):
        if is_valid_uln(match.group()):
            spans.append((match.start(), match.end(), match.group()))
    for match in _LABELLED_ULN.finditer(text):
        digits = re.sub(r"[ \-]", "", match.group(1))
        if is_valid_uln(digits):
            spans.append((match.start(1), match.end(1), digits))
    return sorted(spans)


def ulns_in(text: str) -> tuple[str, ...]:
    """Every ten-digit run with a valid ULN check digit (DOMAIN.md "Formats and codes"), in
    order, each once; 9999999999 (the ILR's temporary ULN) is not a learner's. Grouped digits
    ("1000 000 043") count only straight after a "ULN" label."""
    return tuple(dict.fromkeys(uln for _, _, uln in _uln_spans(text)))


# --- Dates ------------------------------------------------------------------------------------

_MONTH_WORDS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")  # fmt: skip
_MONTH_NUMBERS = {
    **{word: i for i, word in enumerate(_MONTH_WORDS, 1)},
    **{word[:3]: i for i, word in enumerate(_MONTH_WORDS, 1)},
    "sept": 9,
}
_MONTH = "(" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + r")(?![A-Za-z])"
_ORDINAL = r"(?:st|nd|rd|th)?"
_NOT_BEFORE = r"(?<![0-9])(?<![0-9][/.\-])"
_NOT_AFTER = r"(?![0-9])(?![/.\-][0-9])"
_NUMERIC_DATE = re.compile(
    rf"{_NOT_BEFORE}([0-9]{{1,2}})([/.\-])([0-9]{{1,2}})\2([0-9]{{4}}|[0-9]{{2}}){_NOT_AFTER}"
)
_ISO_DATE = re.compile(
    rf"{_NOT_BEFORE}([0-9]{{4}})([/.\-])([0-9]{{1,2}})\2([0-9]{{1,2}}){_NOT_AFTER}"
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![0-9])([0-9]{{1,2}}){_ORDINAL}(?:{_SP}+of)?[ \t\-/]+{_MONTH}\.?,?[ \t\-/]+"
    r"('?[0-9]{2}(?:[0-9]{2})?)(?![0-9])",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![A-Za-z]){_MONTH}\.?{_SP}+([0-9]{{1,2}}){_ORDINAL},?{_SP}+([0-9]{{4}})(?![0-9])",
    re.IGNORECASE,
)
_DOB_LABEL = re.compile(
    r"(?:date\s+of\s+birth|(?<![A-Za-z])d\.?\s?o\.?\s?b(?![A-Za-z])\.?|(?<![A-Za-z])birth\s*date"
    r"|(?<![A-Za-z])birthday|(?<![A-Za-z])born(?:\s+on)?)"
    r"(?:\s*\([^)\n]{0,12}\))?\s*(?:[:=\-–]\s*)?(?:is\s+|was\s+)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _DateHit:
    start: int
    end: int
    readings: tuple[date, ...]  # a two-digit year, or a month-first date, reads more than one way


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _readings(day: int, month: int, year: str, month_first_too: bool) -> tuple[date, ...]:
    years = [int(year)] if len(year) == 4 else [1900 + int(year), 2000 + int(year)]
    orders = [(day, month), (month, day)] if month_first_too else [(day, month)]
    found = [_real(y, m, d) for y in years for d, m in orders]
    return tuple(dict.fromkeys(d for d in found if d is not None))


# Eight digits, as a school's or college's system writes a date (20090803, 03082009): a date
# only where it is labelled or stands in a DOB column, or is the known learner's own (eight
# digits are a UKPRN, an order number, a phone's part as often).
_COMPACT_DATE = re.compile(r"(?<![0-9])[0-9]{8}(?![0-9])")


def _compact_hits(text: str) -> list[_DateHit]:
    hits = []
    for match in _COMPACT_DATE.finditer(text):
        digits = match.group()
        found = (
            _real(int(digits[:4]), int(digits[4:6]), int(digits[6:])),  # yyyymmdd
            _real(int(digits[4:]), int(digits[2:4]), int(digits[:2])),  # ddmmyyyy
        )
        readings = tuple(d for d in found if d is not None)
        if readings:
            hits.append(_DateHit(match.start(), match.end(), readings))
    return hits


def _date_hits(text: str) -> list[_DateHit]:
    hits: list[_DateHit] = []
    for match in _NUMERIC_DATE.finditer(text):
        day, _, month, year = match.groups()
        # Day first, as the UK writes it; a month-first date (08/25/2009) is read too.
        readings = _readings(int(day), int(month), year, month_first_too=int(month) > 12)
        hits.append(_DateHit(match.start(), match.end(), readings))
    for match in _ISO_DATE.finditer(text):
        year, _, month, day = match.groups()
        hits.append(
            _DateHit(match.start(), match.end(), _readings(int(day), int(month), year, False))
        )
    for match in _DAY_MONTH_YEAR.finditer(text):
        day, month_word, year = match.groups()
        month = _MONTH_NUMBERS[month_word.casefold()]
        readings = _readings(int(day), month, year.lstrip("'"), False)
        hits.append(_DateHit(match.start(), match.end(), readings))
    for match in _MONTH_DAY_YEAR.finditer(text):
        month_word, day, year = match.groups()
        month = _MONTH_NUMBERS[month_word.casefold()]
        hits.append(_DateHit(match.start(), match.end(), _readings(int(day), month, year, False)))
    return sorted((h for h in hits if h.readings), key=lambda h: (h.start, -h.end))


def _could_be_born(hit: _DateHit, today: date | None) -> bool:
    """Could the date be a learner's date of birth on ``today`` (the register's age range)?"""
    if today is None:
        return True
    return any(d <= today and MIN_AGE <= age_on(d, today) <= MAX_AGE for d in hit.readings)


def _labelled_dob(text: str, hit: _DateHit) -> bool:
    return bool(_DOB_LABEL.search(_before(text, hit)))


def _before(text: str, hit: _DateHit) -> str:
    """The words before a date on its line (40 characters at most): where its label is."""
    line_start = text.rfind("\n", 0, hit.start) + 1
    return text[max(line_start, hit.start - 40) : hit.start]


# Words that name a date as another kind than a birth, straight before it: a learning event's
# award, start or end, a load or a result (the desk's event challenges, §6.1, are full of them),
# a meeting, a deadline, a range's start.
_OTHER_DATE_LABEL = re.compile(
    r"(?<![A-Za-z])(?:(?:award|achievement|start|end|finish|completion|enrolment|enrollment"
    r"|leaving|load|upload|issue|expiry|due|exam|meeting|effective|participation|learning"
    r"|event|qualification|registration|result|submission|closing|review)(?:\s+date)?"
    r"|date\s+of\s+(?:award|achievement|issue|completion|leaving|registration)"
    r"|awarded|achieved|started|ended|finished|completed|enrolled|left|loaded|uploaded"
    r"|received|sent|submitted|dated|issued|expired|registered|sat|passed|from|since|until"
    r"|till|between|after|before)"
    r"(?:\s+(?:on|of|in|at|is|was|were|dated))?\s*[:=\-–]?\s*$",
    re.IGNORECASE,
)
# What stands between a range's two dates ("01/09/2010 to 31/07/2012"; "and" only after
# "between": "born 3/8/2009 and 4/9/2010" is two learners' dates of birth).
_RANGE_BETWEEN = re.compile(r"\s*(?:to|until|till|–|—)\s*", re.IGNORECASE)
_AND = re.compile(r"\s*and\s*", re.IGNORECASE)
_BETWEEN = re.compile(r"(?<![A-Za-z])between\s*$", re.IGNORECASE)


def _labelled_other(text: str, hit: _DateHit) -> bool:
    return bool(_OTHER_DATE_LABEL.search(_before(text, hit)))


def _range_ends(text: str, hits: Sequence[_DateHit]) -> set[int]:
    """The places in ``hits`` of dates that start or end a range written with words."""
    ends: set[int] = set()
    for i in range(len(hits) - 1):
        first, then = hits[i], hits[i + 1]
        if then.start < first.end:
            continue
        if _RANGE_BETWEEN.fullmatch(text, first.end, then.start) or (
            _AND.fullmatch(text, first.end, then.start) and _BETWEEN.search(_before(text, first))
        ):
            ends.update((i, i + 1))
    return ends


# --- Postcodes --------------------------------------------------------------------------------

# DOMAIN.md's pattern, read in any case, with or without the space before the inward part.
_POSTCODE = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Z][A-HJ-Y]?[0-9][A-Z0-9]?{_SP}?[0-9][A-Z]{{2}}|GIR{_SP}?0AA)"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def _postcode_hits(text: str) -> list[tuple[int, int, str]]:
    """Every postcode; not ZZ99 9ZZ, which the pattern itself refuses (no Z second)."""
    return [(m.start(), m.end(), normalise_postcode(m.group())) for m in _POSTCODE.finditer(text)]


# --- Gender -----------------------------------------------------------------------------------

_GENDER_WORDS = r"(?:male|female|man|woman|boy|girl|non-?binary)"
_GENDER = re.compile(
    rf"(?<![A-Za-z])(?:gender|sex|m{_SP}*/{_SP}*f)"
    rf"(?:{_SP}*[:=\-–]{_SP}*(?:{_GENDER_WORDS}|m|f|[12])|{_SP}+(?:{_GENDER_WORDS}|m|f))"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_GENDER_VALUES = frozenset(
    {"m", "f", "male", "female", "man", "woman", "boy", "girl", "nonbinary", "1", "2"}
)

# --- Names ------------------------------------------------------------------------------------

_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*"
_LABELLED_NAME = re.compile(
    rf"(?:^|(?<=[\t,;|])){_SP}*"
    rf"(?:(?:learner|student|pupil|child|candidate)(?:'s|’s|s)?{_SP}+"
    rf"|(?:full|first|last|given|family|middle|preferred|legal|previous|maiden){_SP}*)?"
    rf"(?:names?|forenames?|surnames?)(?:\(s\))?{_SP}*[:=\-–]{_SP}*"
    rf"({_WORD}(?:{_SP}+{_WORD}){{0,3}})",
    re.IGNORECASE | re.MULTILINE,
)
_NOT_A_NAME = frozenset({"unknown", "none", "tbc", "tba", "na", "n", "not", "the", "see"})
_TOKEN = re.compile(_WORD)


def _labelled_names(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _LABELLED_NAME.finditer(text):
        value = match.group(1)
        first = value.split()[0].casefold()
        if len(value) >= 2 and first not in _NOT_A_NAME:
            spans.append((match.start(1), match.end(1)))
    return spans


_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


def _name_word_key(word: str) -> str:
    """A word of the text as a name compares: "Reed's" is Reed (the possessive dropped)."""
    return name_key(_POSSESSIVE.sub("", word))


def _known_name_spans(text: str, learners: Sequence[KnownLearner]) -> list[tuple[int, int]]:
    """Where any of the learners' own given or family names stand in ``text`` as whole words
    (a name of several words, "Van der Berg", as the same words in a row)."""
    keys: set[str] = set()
    for learner in learners:
        for name in (*learner.given_names, *learner.family_names):
            key = name_key(name)
            if len(key) >= 2:
                keys.add(key)
    if not keys:
        return []
    prefixes = {key[:i] for key in keys for i in range(1, len(key) + 1)}
    longest = max(len(key) for key in keys)
    folded: dict[str, str] = {}  # a long list repeats its words: fold each once
    tokens = [
        (m.start(), m.end(), folded.get(word) or folded.setdefault(word, _name_word_key(word)))
        for m in _TOKEN.finditer(text)
        if (word := m.group())
    ]
    spans: list[tuple[int, int]] = []
    for i, (start, _, key) in enumerate(tokens):
        joined = key
        j = i
        while joined in prefixes and len(joined) <= longest:
            if joined in keys:
                spans.append((start, tokens[j][1]))
            j += 1
            if j >= len(tokens) or text[tokens[j - 1][1] : tokens[j][0]].strip(" \t-"):
                break  # the next word is not straight after this one
            joined += tokens[j][2]
    return spans


# --- Tables: a header row names the columns of the rows under it -------------------------------

_FAMILY_COLUMNS = ("surname", "surnames", "familyname", "lastname", "previousfamilyname",
                   "familynameatage16", "legalsurname")  # fmt: skip
_GIVEN_COLUMNS = ("forename", "forenames", "givenname", "givennames", "firstname", "firstnames",
                  "preferredgivenname", "middleothername", "middlename", "middlenames")  # fmt: skip
_COLUMNS: dict[str, frozenset[str]] = {
    "uln": frozenset({"uln", "ulns", "uniquelearnernumber"}),
    "family": frozenset(_FAMILY_COLUMNS),
    "given": frozenset(_GIVEN_COLUMNS),
    "name": frozenset({"name", "fullname", "learnername", "studentname", "pupilname"}),
    "dob": frozenset({"dob", "dateofbirth", "birthdate", "birthday", "dateofbirthddmmyyyy"}),
    "postcode": frozenset({"postcode", "lastknownpostcode", "postalcode", "homepostcode"}),
    "gender": frozenset({"gender", "sex", "mf"}),
}
_DELIMITERS = ("\t", ",", ";", "|")


def _column_of(cell: str) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", re.sub(r"\([^)]*\)", "", cell.casefold()))
    return next((column for column, keys in _COLUMNS.items() if key in keys), None)


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each cell's content in ``line``, CSV quotes honoured and stripped."""
    cells: list[tuple[int, int]] = []
    start, quoted = 0, False
    for i, char in enumerate(line + delimiter):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            a, b = start, i
            while a < b and line[a] in ' \t"':
                a += 1
            while b > a and line[b - 1] in ' \t"\r':
                b -= 1
            cells.append((a, b))
            start = i + 1
    return cells


@dataclass(frozen=True)
class _Table:
    header_columns: frozenset[str]  # the learner-data columns its header rows name
    names: tuple[tuple[int, int], ...]  # cells in name columns
    dob_cells: tuple[tuple[int, int], ...]
    genders: int  # cells in a gender column holding a gender
    ulns: tuple[tuple[int, int, str], ...]  # a grouped ULN in a ULN column


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _header(line: str) -> tuple[str, dict[int, str]] | None:
    """(delimiter, {cell index: column}) when ``line`` names two or more learner-data columns."""
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        columns = {
            i: column
            for i, (a, b) in enumerate(_cells(line, delimiter))
            if (column := _column_of(line[a:b])) is not None
        }
        if len(set(columns.values())) >= 2:
            return delimiter, columns
    return None


def _tables(text: str) -> _Table:
    header_columns: set[str] = set()
    names: list[tuple[int, int]] = []
    dob_cells: list[tuple[int, int]] = []
    ulns: list[tuple[int, int, str]] = []
    genders = 0
    current: tuple[str, dict[int, str]] | None = None
    for offset, line in _lines(text):
        if current is not None and current[0] in line:
            delimiter, columns = current
            for i, (a, b) in enumerate(_cells(line, delimiter)):
                column, value = columns.get(i), line[a:b]
                if column in ("family", "given", "name") and _TOKEN.search(value):
                    names.append((offset + a, offset + b))
                elif column == "dob":
                    dob_cells.append((offset + a, offset + b))
                elif column == "gender" and value.strip().casefold().replace("-", "") in (
                    _GENDER_VALUES
                ):
                    genders += 1
                elif (
                    column == "uln"
                    and re.search(r"[0-9][ \-][0-9]", value)  # a plain one is found anyway
                    and is_valid_uln(digits := re.sub(r"[ \-]", "", value))
                ):
                    ulns.append((offset + a, offset + b, digits))
            continue
        current = _header(line)
        if current is not None:
            header_columns.update(current[1].values())
    return _Table(frozenset(header_columns), tuple(names), tuple(dob_cells), genders, tuple(ulns))


# --- Signatures -------------------------------------------------------------------------------

_SIGN_OFF = re.compile(
    rf"^{_SP}*(?:--|(?:(?:kind|kindest|best|warm|warmest|many){_SP}+)?"
    rf"(?:regards|wishes|thanks|thank{_SP}+you)|yours(?:{_SP}+(?:sincerely|faithfully|truly))?"
    rf"|cheers|best|sincerely|thanks){_SP}*[,.!]?{_SP}*$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*(?:>|from:|sent:|-{3,}|on .* wrote:?\s*$)", re.IGNORECASE)
SIGNATURE_LINES = 12


def _signature_ranges(text: str, uln_spans: Sequence[tuple[int, int, str]]) -> list[range]:
    """The sender's signature blocks: the lines after a sign-off ("Kind regards", "--"), up to
    the quoted message below, when they hold no ULN (a ULN makes them more than a signature)."""
    lines = list(_lines(text))
    starts = sorted(start for start, _, _ in uln_spans)
    ranges: list[range] = []
    for i, (offset, line) in enumerate(lines):
        if not _SIGN_OFF.match(line):
            continue
        end = offset + len(line)
        for next_offset, next_line in lines[i + 1 : i + 1 + SIGNATURE_LINES]:
            if _QUOTED.match(next_line):
                break
            end = next_offset + len(next_line)
        block = range(offset, end)
        if not _any_between(starts, block.start, block.stop):
            ranges.append(block)
    return ranges


def _any_between(starts: Sequence[int], low: int, high: int) -> bool:
    """Whether any of ``starts`` (sorted) is at least ``low`` and below ``high``."""
    at = bisect_left(starts, low)
    return at < len(starts) and starts[at] < high


def _merged(blocks: Sequence[range]) -> list[tuple[int, int]]:
    """``blocks`` (by start) as sorted (start, end) spans, the overlapping ones made one."""
    spans: list[tuple[int, int]] = []
    for block in blocks:
        if spans and block.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], block.stop))
        else:
            spans.append((block.start, block.stop))
    return spans


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies within one of ``spans`` (sorted by start, none overlapping):
    found by bisection, so a long table's every cell is not walked for each date in it."""
    at = bisect_right(spans, start, key=lambda span: span[0]) - 1
    return at >= 0 and end <= spans[at][1]


# --- Credentials ------------------------------------------------------------------------------

_VALUE = r"(\"[^\"\n]+\"|'[^'\n]+'|“[^”\n]+”|\S+)"
_SEPARATOR = rf"(?:{_SP}*(?:[:=]|[-–](?={_SP})){_SP}*|{_SP}+(is|was|will{_SP}+be){_SP}+)"
_USERNAME = re.compile(
    rf"(?<![A-Za-z])(?:user{_SP}?name|user{_SP}?id|log(?:{_SP}|-)?in(?:{_SP}(?:name|id))?"
    rf"|account{_SP}name|user){_SEPARATOR}{_VALUE}",
    re.IGNORECASE,
)
_PASSWORD = re.compile(
    rf"(?<![A-Za-z])(?:pass{_SP}?words?|passwd|pwd|pass{_SP}?code){_SEPARATOR}{_VALUE}"
    rf"|(?<![A-Za-z])(?:pass|pw){_SP}*[:=]{_SP}*(){_VALUE}",
    re.IGNORECASE,
)
_PASSPHRASE_LABEL = re.compile(rf"(?<![A-Za-z])pass{_SP}?phrase{_SEPARATOR}{_VALUE}", re.IGNORECASE)
# Words that stand where a value would ("Password: to follow by phone"), so no value.
_NOT_A_VALUE = frozenset((
    "a", "an", "the", "your", "my", "our", "their", "his", "her", "its", "this", "that", "it",
    "not", "being", "be", "to", "will", "is", "was", "are", "same", "as", "in", "on", "at", "by",
    "for", "of", "and", "or", "with", "via", "over", "required", "needed", "attached", "below",
    "above", "sent", "coming", "following", "follow", "separately", "unchanged", "correct",
    "wrong", "incorrect", "locked", "expired", "invalid", "changed", "reset", "case",
    "sensitive", "tbc", "tba", "n/a", "na", "none", "blank", "phone", "telephone", "email",
    "details", "here", "there",
))  # fmt: skip


def _value(
    match: re.Match[str], value_group: int, said_group: int | None
) -> tuple[int, int] | None:
    """The span of a credential's value, or None when it is a placeholder or a word."""
    value = match.group(value_group)
    quoted = value[0] in "\"'“"
    bare = value.strip("\"'“”").rstrip(".,;:!?)")
    if not bare or value[0] in "[(<{" or set(bare) <= set("*•●·xX#-_."):
        return None
    if not quoted and bare.casefold() in _NOT_A_VALUE:
        return None
    said = said_group is not None and match.group(said_group) is not None
    if said and not quoted and bare.isalpha():
        return None  # "the password is coming by phone": a value is said with a digit or symbol
    return match.start(value_group), match.end(value_group)  # all of it, whatever it ends in


def _usernames(text: str) -> list[tuple[int, int]]:
    spans = (_value(m, 2, None) for m in _USERNAME.finditer(text))
    return [s for s in spans if s is not None]


def _passwords(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int] | None] = []
    for match in _PASSWORD.finditer(text):
        if match.group(2) is not None:
            spans.append(_value(match, 2, 1))
        else:
            spans.append(_value(match, 4, None))
    return [s for s in spans if s is not None]


def _passphrase_values(text: str) -> list[tuple[int, int]]:
    spans = (_value(m, 2, 1) for m in _PASSPHRASE_LABEL.finditer(text))
    return [s for s in spans if s is not None]


# --- The reading of one text ------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    ulns: tuple[str, ...]
    kinds: frozenset[str]  # demographic kinds (NAME, DATE_OF_BIRTH, GENDER, POSTCODE)
    header: bool  # a learner-data header row
    credentials: bool
    masks: tuple[tuple[int, int, str], ...]  # what mask() replaces


def _read(text: str, known: Mapping[str, KnownLearner] | None, today: date | None) -> _Reading:
    learners = tuple((known or {}).values())
    table = _tables(text)
    uln_spans = sorted({*_uln_spans(text), *table.ulns})
    kinds: set[str] = set()
    masks: list[tuple[int, int, str]] = [(a, b, _MASK_ULN) for a, b, _ in uln_spans]

    names = [*_labelled_names(text), *table.names, *_known_name_spans(text, learners)]
    if names:
        kinds.add(NAME)
    masks += [(a, b, _MASK_NAME) for a, b in names]

    births = {learner.date_of_birth for learner in learners if learner.date_of_birth}
    hits = _date_hits(text)
    ranges = _range_ends(text, hits) if today is not None else set()
    for i, hit in enumerate(hits):
        masks.append((hit.start, hit.end, _MASK_DATE))
        if DATE_OF_BIRTH in kinds:
            continue
        if (
            births.intersection(hit.readings)
            or _labelled_dob(text, hit)
            or _inside(table.dob_cells, hit.start, hit.end)
            or (
                _could_be_born(hit, today)
                and (today is None or (i not in ranges and not _labelled_other(text, hit)))
            )
        ):
            kinds.add(DATE_OF_BIRTH)
    for hit in _compact_hits(text):
        if (
            births.intersection(hit.readings)
            or _labelled_dob(text, hit)
            or _inside(table.dob_cells, hit.start, hit.end)
        ):
            masks.append((hit.start, hit.end, _MASK_DATE))
            kinds.add(DATE_OF_BIRTH)

    if table.genders or _GENDER.search(text):
        kinds.add(GENDER)

    homes = {normalise_postcode(p) for learner in learners if (p := learner.postcode)}
    signatures = _merged(_signature_ranges(text, uln_spans))
    for start, end, postcode in _postcode_hits(text):
        masks.append((start, end, _MASK_POSTCODE))
        if postcode in homes or not _inside(signatures, start, start + 1):
            kinds.add(POSTCODE)

    passwords = _passwords(text)
    masks += [(a, b, _MASK_PASSWORD) for a, b in (*passwords, *_passphrase_values(text))]
    return _Reading(
        ulns=tuple(dict.fromkeys(uln for _, _, uln in uln_spans)),
        kinds=frozenset(kinds),
        header=bool(table.header_columns),  # a row naming two or more learner-data columns
        credentials=bool(passwords) and bool(_usernames(text)),
        masks=tuple(masks),
    )


def _listed(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _kinds(kinds: frozenset[str]) -> list[str]:
    return [kind for kind in _KIND_ORDER if kind in kinds]


def _ulns(count: int) -> str:
    return "a ULN" if count == 1 else f"{count} ULNs"


def _text_findings(location: str, reading: _Reading) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    if reading.ulns and reading.kinds:
        summary = f"{_ulns(len(reading.ulns))} with {_listed(_kinds(reading.kinds))}"
        findings.append(Finding(BreachRule.ULN_WITH_DEMOGRAPHIC, location, summary))
    elif len(reading.kinds) >= 2:
        findings.append(Finding(BreachRule.DEMOGRAPHICS, location, _listed(_kinds(reading.kinds))))
    if reading.credentials:
        findings.append(
            Finding(BreachRule.CREDENTIALS_IN_EMAIL, location, "a username and a password")
        )
    return tuple(findings)


def scan_text(
    location: str,
    text: str,
    known: Mapping[str, KnownLearner] | None = None,
    *,
    today: date | None = None,
) -> tuple[Finding, ...]:
    """The §1.4 findings in one text (ULN with a demographic; more than one demographic;
    a username and password). ``known``: the register's learners for the ULNs in it.
    ``today``: a date counts as a date of birth unlabelled only when it could be a learner's
    on this day (without it, every date does)."""
    return _text_findings(location, _read(text, known, today))


def scan_email(
    subject: str,
    body: str,
    known: Mapping[str, KnownLearner] | None = None,
    *,
    today: date | None = None,
) -> tuple[Finding, ...]:
    """The findings of the subject and the body, each on its own, and of the two read together
    (a ULN in the subject and its learner's date of birth in the body are one email) when that
    finds a rule neither found alone, at location "subject and body"."""
    apart = (*scan_text("subject", subject, known, today=today),
             *scan_text("body", body, known, today=today))  # fmt: skip
    found = {finding.rule for finding in apart}
    together = scan_text("subject and body", f"{subject}\n\n{body}", known, today=today)
    return (*apart, *(finding for finding in together if finding.rule not in found))


def attachment_findings(
    filename: str,
    kind: AttachmentKind,
    text: str | None,
    known: Mapping[str, KnownLearner] | None = None,
    *,
    today: date | None = None,
) -> tuple[Finding, ...]:
    """An attachment's findings: ZipCrypto is weak; a plain file or plain zip holding learner
    data (a ULN, demographics, or a learner-data header such as Surname and DOB) is learner
    data sent unencrypted, with the findings of its text."""
    location = f"attachment {filename}"
    if kind is AttachmentKind.ZIPCRYPTO_ZIP:
        summary = "a ZipCrypto zip (legacy encryption, not AES-256)"
        return (Finding(BreachRule.WEAK_ENCRYPTION, location, summary),)
    if kind not in (AttachmentKind.PLAIN_FILE, AttachmentKind.PLAIN_ZIP) or not text:
        return ()
    reading = _read(text, known, today)
    if not (reading.ulns or reading.header or len(reading.kinds) >= 2):
        return _text_findings(location, reading)  # a username and password, say
    parts = [_ulns(len(reading.ulns))] if reading.ulns else []
    if reading.header:
        parts.append("learner-data columns")
    parts += _kinds(reading.kinds)
    unencrypted = Finding(BreachRule.UNENCRYPTED_ATTACHMENT, location, _listed(parts))
    return (unencrypted, *_text_findings(location, reading))


# --- The passphrase ---------------------------------------------------------------------------

WRAPPED_PASSPHRASE_MIN = 8  # shorter ones are not looked for across a line break


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def passphrase_findings(
    passphrase: Passphrase, texts: Sequence[tuple[str, str]]
) -> tuple[Finding, ...]:
    """Where the phoned passphrase appears in the email's own texts ((location, text): the
    subject, the body, any other attachment's text), ignoring case and the spaces around it;
    the finding never holds the passphrase."""
    words = _fold(passphrase.reveal()).split()
    if not words:
        return ()
    spaced, compact = " ".join(words), "".join(words)
    findings = []
    for location, text in texts:
        folded = _fold(text).split()
        if spaced in " ".join(folded) or (
            len(compact) >= WRAPPED_PASSPHRASE_MIN and compact in "".join(folded)
        ):
            summary = "the passphrase phoned in for the encrypted file"
            findings.append(Finding(BreachRule.PASSPHRASE_IN_EMAIL, location, summary))
    return tuple(findings)


def _passphrase_spans(passphrase: Passphrase, text: str) -> list[tuple[int, int, str]]:
    words = passphrase.reveal().split()
    if not words:
        return []
    compact = "".join(words)
    if len(compact) >= WRAPPED_PASSPHRASE_MIN:
        pattern = r"\s*".join(re.escape(c) for c in compact)
    else:
        pattern = r"\s+".join(re.escape(w) for w in words)
    found = re.finditer(pattern, text, re.IGNORECASE)
    return [(m.start(), m.end(), _MASK_PASSPHRASE) for m in found if m.end() > m.start()]


# --- Masking ----------------------------------------------------------------------------------

# ULNs masked again, should the first round have left one standing: a passphrase of digits,
# masked, can cut a longer run down to ten.
MASK_ROUNDS = 3


def _masked_once(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with the spans replaced; overlapping spans become one, named by the longest."""
    merged: list[tuple[int, int, str, int]] = []  # start, end, label, label's own length
    for start, end, label in sorted(spans):
        if merged and start < merged[-1][1]:
            a, b, kept, width = merged[-1]
            if end - start > width:
                kept, width = label, end - start
            merged[-1] = (a, max(b, end), kept, width)
        else:
            merged.append((start, end, label, end - start))
    out, at = [], 0
    for start, end, label, _ in merged:
        out += [text[at:start], label]
        at = end
    out.append(text[at:])
    return "".join(out)


def mask(
    text: str,
    known: Mapping[str, KnownLearner] | None = None,
    *,
    passphrase: Passphrase | None = None,
) -> str:
    """``text`` with every ULN, date, postcode, known learner's name and credential replaced
    by its kind in brackets ("[ULN]", "[date]", "[postcode]", "[name]", "[password]"); a
    labelled name ("Name: …") is a name too, and the phoned ``passphrase``, when given, is
    "[passphrase]". Every date is masked, not only the ones that count as a date of birth."""
    spans = list(_read(text, known, None).masks)
    if passphrase is not None:
        spans += _passphrase_spans(passphrase, text)
    text = _masked_once(text, spans)
    for _ in range(MASK_ROUNDS):
        left = _uln_spans(text)
        if not left:
            break
        text = _masked_once(text, [(a, b, _MASK_ULN) for a, b, _ in left])
    return text


def mask_passphrase(text: str, passphrase: Passphrase) -> str:
    """``text`` with the phoned ``passphrase`` alone made "[passphrase]", found as
    :func:`mask` finds it (case ignored; a long one across a line break too), everything
    else as it was: what a case keeps, sealed, of a body that held the passphrase, for
    :func:`mask` to mask the rest of each time it is shown."""
    return _masked_once(text, _passphrase_spans(passphrase, text))


# --- The ladder -------------------------------------------------------------------------------

_STEPS = tuple(step for step, _ in LADDER)


def propose_step(history: Sequence[LadderStep]) -> LadderStep:
    """The next step for an organisation's new breach: one beyond the furthest step taken on
    its breaches in the window (``history``), the first when there is none, the last at most."""
    if not history:
        return _STEPS[0]
    furthest = max(_STEPS.index(step) for step in history)
    return _STEPS[min(furthest + 1, len(_STEPS) - 1)]


def step_wording(step: LadderStep) -> str:
    return dict(LADDER)[step]
