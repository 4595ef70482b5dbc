"""The one text rule (what any text from outside may hold, on the way in) and the one display
function (how stored or outside text is shown, on the way out).

Every text field the desk stores — a learner's names, address, email, notes and descriptions,
and every later comment, email or spreadsheet cell — goes through :func:`clean_text` (or
:func:`check_characters` for coded values with their own syntax): it normalises to NFC and
refuses what a terminal would obey or what would hide a difference from the reader:

* C0 and C1 control characters (ESC, BEL, NUL, U+009B CSI...). Single-line fields refuse
  every one of them, line breaks and tabs included; multi-line fields (Notes) allow the line
  feed ``\\n`` only (a pasted Windows ``\\r\\n`` is made ``\\n`` first); tabs are refused there too.
* Bidirectional overrides, embeddings, isolates and marks (U+202A-202E, U+2066-2069,
  U+200E/200F, U+061C), which reorder what is shown.
* Every other invisible format character (general category Cf: zero-width space and joiners,
  soft hyphen, word joiner, byte-order mark, tag characters), line and paragraph separators
  (U+2028/2029), and what is not standard text: unpaired surrogates, private-use and
  unassigned code points.
* More than :data:`MAX_COMBINING` combining marks on one letter (text stacked out of its line).

The length limit is checked after normalisation, so the same text is refused the same way on
SQLite and PostgreSQL, and the :class:`ValidationError` names the field and the rule.

Old rows written before the rule, and the append-only audit detail, cannot be rewritten, so
the display path does not trust stored text either: :func:`shown` is what every front end
prints any stored or outside text through (TUI widgets, plain CLI output, error lines).
"""

from __future__ import annotations

import unicodedata

from lrs_core.errors import ValidationError

MAX_COMBINING = 4  # marks on one base letter: Vietnamese needs 2, a Zalgo stack dozens

# Bidirectional controls, named on their own because they are the ones that disguise text.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_NOT_TEXT = frozenset({"Cs", "Co", "Cn"})  # surrogates, private use, unassigned
_SEPARATORS = frozenset({"Zl", "Zp"})  # U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
_COMBINING = frozenset({"Mn", "Me"})


def _kind(c: str, *, multiline: bool) -> str | None:
    """Why ``c`` may not be stored, as a rule an operator can read; None when it may."""
    category = unicodedata.category(c)
    if category == "Cc":
        if c == "\n" and multiline:
            return None
        if c in "\n\r" and not multiline:
            return "line breaks (the field is one line)"
        return "control characters"
    if c in BIDI_CONTROLS:
        return "bidirectional text controls (they reorder what is shown)"
    if category == "Cf":
        return "invisible formatting characters (such as a zero-width space)"
    if category in _SEPARATORS:
        return "line breaks (the field is one line)" if not multiline else "line separators"
    if category in _NOT_TEXT:
        return "characters that are not standard text (private-use or unassigned)"
    return None


def code_point(c: str) -> str:
    """``U+001B``: how a refused or hidden character is named to the operator."""
    return f"U+{ord(c):04X}"


def check_characters(text: str, field: str, *, multiline: bool = False) -> str:
    """``text`` in NFC, or ValidationError naming the field, the rule and the code points.

    For values with their own syntax (postcodes, dates, codes) as well as free text, so a
    refusal names the character before any message quotes the value."""
    if multiline:
        text = text.replace("\r\n", "\n")
    text = unicodedata.normalize("NFC", text)
    refused: dict[str, list[str]] = {}
    run = 0
    for c in text:
        kind = _kind(c, multiline=multiline)
        run = run + 1 if unicodedata.category(c) in _COMBINING else 0
        if kind is None and run > MAX_COMBINING:
            kind = f"more than {MAX_COMBINING} accents or marks on one letter"
        if kind is not None:
            found = refused.setdefault(kind, [])
            if code_point(c) not in found:
                found.append(code_point(c))
    if refused:
        kind, codes = next(iter(refused.items()))
        listed = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
        raise ValidationError(field, f"must not contain {kind}: found {listed}")
    return text


def check_length(text: str, field: str, max_len: int) -> str:
    """``text`` unchanged, or ValidationError when it has more than ``max_len`` characters.
    Counted in code points after NFC, as both databases count a VARCHAR's length."""
    if len(text) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters (it has {len(text)})")
    return text


def clean_text(
    raw: str,
    field: str,
    max_len: int,
    *,
    required: bool = False,
    multiline: bool = False,
    collapse: bool = False,
) -> str:
    """The text rule for a free-text field: NFC, trimmed (``collapse``: runs of spaces made
    one), only characters the rule allows, at most ``max_len`` characters; "" when blank."""
    # Trimmed first: a line break or tab pasted at either end is whitespace to drop, not a
    # character to refuse; inside the text it is refused (collapse joins only spaces' runs).
    text = check_characters(raw.strip(), field, multiline=multiline)
    text = " ".join(text.split()) if collapse else text
    if not text:
        if required:
            raise ValidationError(field, "is required")
        return ""
    return check_length(text, field, max_len)


# --- the display function ----------------------------------------------------------------

_PICTURES = {chr(i): chr(0x2400 + i) for i in range(0x20)} | {"\x7f": "\u2421"}


def _unsafe(c: str) -> bool:
    category = unicodedata.category(c)
    return category.startswith("C") or category in _SEPARATORS


def shown(text: str, *, multiline: bool = False) -> str:
    """``text`` made safe to print on a terminal, letters untouched.

    * C0 controls and DEL become their Unicode control pictures: ESC ``␛``, line feed ``␊``,
      carriage return ``␍``, tab ``␉``, NUL ``␀``, DEL ``␡`` (``multiline`` keeps ``\\n`` as a
      real line break, for a multi-line field shown in a box that wraps).
    * Any other control, format, separator, surrogate, private-use or unassigned character
      (C1 such as U+009B, bidi overrides, zero-width spaces) becomes ``<U+XXXX>``, as does
      every combining mark beyond :data:`MAX_COMBINING` on one letter.

    So nothing in the result is a control character a terminal obeys, nothing reorders or
    hides text, and a reader sees where such a character was. Never markup-escaped: a TUI
    shows the result as plain text (``Content``/``Text``, or ``markup=False``).
    """
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do
    out: list[str] = []
    run = 0
    for c in text:
        run = run + 1 if unicodedata.category(c) in _COMBINING else 0
        if c == "\n" and multiline:
            out.append(c)
        elif c in _PICTURES:
            out.append(_PICTURES[c])
        elif _unsafe(c) or run > MAX_COMBINING:
            out.append(f"<{code_point(c)}>")
        else:
            out.append(c)
    return "".join(out)


def shown_lines(text: str) -> str:
    """Like :func:`shown` but keeps line feeds between lines: for what a program writes
    (several lines at once) as opposed to one stored value."""
    return "\n".join(shown(line) for line in text.split("\n"))


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def without_controls(text: str) -> str:
    """``text`` less every control, format, separator and surrogate character: those a
    terminal obeys or shows as nothing (zero cells wide, so dropping them keeps a laid-out
    line's width). Only the TUI's last-line net uses it, under :func:`shown`, for text that
    reached a widget without being shown() (such as an input holding an old stored value)."""
    if text.isprintable():
        return text
    return "".join(c for c in text if c == " " or unicodedata.category(c) not in _INVISIBLE)
