"""Issue 13 item 3: the passphrase phoned in (User Guide §1.4; DOMAIN.md "Encrypted email to
the desk": at least 15 characters, letters, digits and symbols). It never shows; the guidance
is advice, naming what is missing and never the passphrase or its length."""

from __future__ import annotations

import copy
import pickle
import re

import pytest

from lrs_core.intake.passphrase import (
    EXPORT_SYMBOLS,
    EXPORT_WORDS,
    GUIDANCE_LENGTH,
    Passphrase,
    guidance_advice,
    meets_guidance,
    new_export_passphrase,
)

SECRET = "Tangerine-Owl-2041!"


@pytest.mark.parametrize("shown", [repr, str, lambda p: f"{p}", lambda p: f"{p!r}"])
def test_a_passphrase_never_shows(shown: object) -> None:
    text = shown(Passphrase(SECRET))  # type: ignore[operator]
    assert text == "Passphrase(****)"
    assert SECRET not in text


def test_a_passphrase_inside_a_container_or_an_error_never_shows() -> None:
    held = Passphrase(SECRET)
    assert SECRET not in repr([held, {"p": held}])
    assert SECRET not in str(ValueError(held))
    assert held.reveal() == SECRET
    assert not hasattr(held, "__dict__")  # nothing beside the slot to leak through vars()


@pytest.mark.parametrize(
    "how", [pickle.dumps, copy.copy, copy.deepcopy], ids=["pickle", "copy", "deepcopy"]
)
def test_a_passphrase_is_never_pickled_or_copied(how: object) -> None:
    with pytest.raises(TypeError, match="never pickled") as refused:
        how(Passphrase(SECRET))  # type: ignore[operator]
    assert SECRET not in str(refused.value)


def test_an_empty_passphrase_is_false() -> None:
    assert not Passphrase("")
    assert Passphrase("x")


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Harbour-4827-Lantern!", set()),
        ("correct horse 7 battery!", set()),
        ("Siân-Ó-Brien-2041?", set()),  # letters beyond ASCII are letters
        ("Short-1!", {"Shorter"}),
        ("harbourlanternmeadow", {"No digits", "No symbols"}),
        ("harbour lantern meadow 7", {"No symbols"}),  # a space is not a symbol
        ("482748274827482748", {"No letters", "No symbols"}),
        ("harbour-lantern-meadow", {"No digits"}),
        ("Harbour4827Lantern99", {"No symbols"}),
        ("!!!!----####????1234", {"No letters"}),
        ("", {"Shorter", "No letters", "No digits", "No symbols"}),
    ],
)
def test_the_guidance_advice_names_what_is_missing(text: str, missing: set[str]) -> None:
    """§1.4 / DOMAIN.md: at least 15 characters, with letters, digits and symbols."""
    advice = guidance_advice(Passphrase(text))
    keys = ("Shorter", "No letters", "No digits", "No symbols")
    assert {key for key in keys if any(line.startswith(key) for line in advice)} == missing
    assert len(advice) == len(missing)
    assert meets_guidance(Passphrase(text)) is (not missing)


@pytest.mark.parametrize("length", [GUIDANCE_LENGTH - 1, GUIDANCE_LENGTH])
def test_fifteen_characters_is_the_boundary(length: int) -> None:
    text = ("a1!" * 10)[:length]
    assert meets_guidance(Passphrase(text)) is (length >= GUIDANCE_LENGTH)


@pytest.mark.parametrize("text", ["abc1!", "Harbour-4827!", "xxxxxxx7", "abcdefghijkl"])
def test_the_advice_never_holds_the_passphrase_or_its_length(text: str) -> None:
    advice = guidance_advice(Passphrase(text))
    assert advice
    for line in advice:
        assert text not in line
        assert not re.search(rf"\b{len(text)}\b", line)


def test_export_passphrases_meet_the_guidance_and_read_well_by_phone() -> None:
    made = {new_export_passphrase().reveal() for _ in range(200)}
    assert len(made) == 200  # from the secrets generator: no two alike
    for text in made:
        assert meets_guidance(Passphrase(text))
        assert not set(text) & set("lI1O0"), text  # no look-alikes
        words = [w for w in _split(text) if w.isalpha()]
        digits = [w for w in _split(text) if w.isdigit()]
        assert len(words) == 4 and all(w in EXPORT_WORDS for w in words)
        assert len(digits) == 1 and len(digits[0]) == 4


def test_the_export_word_list_has_no_look_alikes_and_no_repeats() -> None:
    assert len(set(EXPORT_WORDS)) == len(EXPORT_WORDS) >= 200
    assert all(w.isalpha() and w.islower() and "l" not in w for w in EXPORT_WORDS)


def test_an_export_passphrase_is_a_passphrase_that_never_shows() -> None:
    made = new_export_passphrase()
    assert isinstance(made, Passphrase)
    assert made.reveal() not in repr(made)


def _split(text: str) -> list[str]:
    for symbol in EXPORT_SYMBOLS:
        text = text.replace(symbol, " ")
    return text.split()
