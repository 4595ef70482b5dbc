"""Messages screens send up to the app, which owns the session (who is signed in)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from lrs_core.services.operators import SignIn


@dataclass
class SignedIn(Message):
    """The sign-in screen checked the password: the app takes over from here."""

    sign_in: SignIn


@dataclass
class SignOutRequested(Message):
    """A screen wants the session ended (declined agreement, account locked, Sign out)."""

    message: str
    is_error: bool = False
