"""Texts LRS Desk shows its operators, shipped inside the package as data files."""

from __future__ import annotations

from importlib.resources import files


def user_agreement() -> str:
    """The LRS User Agreement excerpt an operator accepts at every sign-in (Markdown)."""
    return files(__package__).joinpath("user_agreement.md").read_text(encoding="utf-8")
