"""The passphrase a provider phones in (User Guide §1.4; DOMAIN.md "Encrypted email to the
desk"): held so that it never shows. It is never stored, logged, put in an audit detail or an
exception message: :class:`Passphrase` prints as ``Passphrase(****)``, and only
:meth:`Passphrase.reveal` gives the text, to the library that decrypts.

The guidance (at least 15 characters, with letters, digits and symbols) is advice: a
passphrase short of it still opens the file; the case records met / not met only.
"""

from __future__ import annotations

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

    def __reduce__(self) -> object:  # never pickled (a worker, a cache) by mistake
        raise TypeError("a passphrase is never pickled")


def guidance_advice(passphrase: Passphrase) -> tuple[str, ...]:
    """What the passphrase lacks against the guidance, one line each; empty when it meets it.
    The lines name what is missing, never the passphrase or its length."""
    raise NotImplementedError


def meets_guidance(passphrase: Passphrase) -> bool:
    return not guidance_advice(passphrase)


def new_export_passphrase() -> Passphrase:
    """A new passphrase for an export sent back to the provider, read out by phone: words and
    digits joined by symbols (easy to say, no look-alike letters), meeting the guidance, from
    the ``secrets`` module's generator."""
    raise NotImplementedError
