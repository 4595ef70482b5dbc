"""The passphrase a provider phones in (User Guide §1.4; DOMAIN.md "Encrypted email to the
desk"): held so that it never shows. It is never stored, logged, put in an audit detail or an
exception message: :class:`Passphrase` prints as ``Passphrase(****)``, and only
:meth:`Passphrase.reveal` gives the text, to the library that decrypts.

The guidance (at least 15 characters, with letters, digits and symbols) is advice: a
passphrase short of it still opens the file; the case records met / not met only.
"""

from __future__ import annotations

import secrets
from typing import NoReturn

GUIDANCE_LENGTH = 15


class Passphrase:
    """A passphrase, never shown: repr and str are masked; compare with :meth:`reveal`."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def reveal(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return "Passphrase(****)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._text)

    def __reduce__(self) -> NoReturn:  # never pickled (a worker, a cache) by mistake
        raise TypeError("a passphrase is never pickled")


def guidance_advice(passphrase: Passphrase) -> tuple[str, ...]:
    """What the passphrase lacks against the guidance, one line each; empty when it meets it.
    The lines name what is missing, never the passphrase or its length."""
    text = passphrase.reveal()
    advice: list[str] = []
    if len(text) < GUIDANCE_LENGTH:
        advice.append(f"Shorter than the guidance: use at least {GUIDANCE_LENGTH} characters.")
    if not any(ch.isalpha() for ch in text):
        advice.append("No letters: the guidance asks for letters, digits and symbols.")
    if not any(ch.isdecimal() for ch in text):
        advice.append("No digits: the guidance asks for letters, digits and symbols.")
    if not any(_is_symbol(ch) for ch in text):
        advice.append(
            "No symbols (such as - ! # ?): the guidance asks for letters, digits and symbols."
        )
    return tuple(advice)


def _is_symbol(ch: str) -> bool:
    # Punctuation and symbols; a space is neither (a passphrase of words and spaces has none).
    return not ch.isalnum() and not ch.isspace() and ch.isprintable()


def meets_guidance(passphrase: Passphrase) -> bool:
    return not guidance_advice(passphrase)


def new_export_passphrase() -> Passphrase:
    """A new passphrase for an export sent back to the provider, read out by phone: words and
    digits joined by symbols (easy to say, no look-alike letters), meeting the guidance, from
    the ``secrets`` module's generator.

    Four lower-case words (no letter "l", so nothing reads as "1" or "I"), four digits from 2
    to 9 (no "0" or "1" to mistake for "O" or "l") and symbols with plain spoken names between
    them: about 53 bits, such as ``garden-rocket#4827?canvas!parade``."""
    words = [secrets.choice(EXPORT_WORDS) for _ in range(4)]
    digits = "".join(secrets.choice("23456789") for _ in range(4))
    parts = [words[0], words[1], digits, words[2], words[3]]
    text = parts[0]
    for part in parts[1:]:
        text += secrets.choice(EXPORT_SYMBOLS) + part
    return Passphrase(text)


# Said over the phone as "dash", "hash", "exclamation mark", "question mark", "plus", "star".
EXPORT_SYMBOLS = "-#!?+*"

# Common words, easy to say and to spell, none with the letter "l".
# fmt: off
EXPORT_WORDS: tuple[str, ...] = (
    "acorn", "amber", "anchor", "antenna", "apricot", "arcade", "archer", "arrow", "autumn",
    "avenue", "badger", "bamboo", "banana", "banjo", "banner", "basket", "beacon", "beaver",
    "berry", "biscuit", "bishop", "bonfire", "bracket", "branch", "breeze", "bridge", "brush",
    "bucket", "button", "cabin", "cactus", "camera", "canary", "candy", "canoe", "canvas",
    "canyon", "carbon", "carpet", "carrot", "cedar", "cherry", "chimney", "chorus", "cider",
    "cinema", "citrus", "cobra", "cobweb", "coconut", "comet", "compass", "copper", "cosmos",
    "cotton", "coyote", "crater", "cricket", "crown", "cupboard", "cushion", "dancer", "denim",
    "dentist", "desert", "diamond", "dinner", "domino", "donkey", "dragon", "drawer", "dynamo",
    "ember", "engine", "feather", "ferret", "ferry", "fiesta", "finger", "forest", "fountain",
    "frost", "garage", "garden", "garnet", "gazebo", "ginger", "goose", "gopher", "granite",
    "gravy", "hammock", "harbour", "harvest", "hatchet", "hazard", "heather", "hedgehog",
    "hermit", "honey", "horizon", "hornet", "hunter", "iceberg", "indigo", "jacket", "jasmine",
    "jester", "jigsaw", "journey", "juniper", "kayak", "kingdom", "kitchen", "kitten", "kiwi",
    "magnet", "mango", "manor", "market", "meadow", "mentor", "mermaid", "meteor", "minnow",
    "mirror", "monkey", "morning", "mosaic", "mountain", "muffin", "mustard", "napkin",
    "nectar", "nomad", "nugget", "number", "nutmeg", "ocean", "orange", "orchard", "otter",
    "oyster", "paddock", "panther", "paper", "parade", "parrot", "peach", "pepper", "pigeon",
    "pirate", "pocket", "poppy", "potato", "prawn", "pumpkin", "quarry", "quartz", "rabbit",
    "radar", "raisin", "raven", "record", "ribbon", "river", "rocket", "saffron", "sapphire",
    "scarf", "scooter", "secret", "shadow", "sherbet", "sparrow", "spider", "spring", "statue",
    "stream", "summer", "sunrise", "sunset", "tangent", "teapot", "thunder", "tiger", "timber",
    "toffee", "tomato", "tractor", "trinket", "trumpet", "tundra", "turnip", "unicorn",
    "venture", "voyage", "wagon", "warden", "weather", "whisker", "window", "winter", "wizard",
    "yacht", "yogurt", "zebra", "zephyr", "zigzag",
)
# fmt: on
