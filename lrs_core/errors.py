"""The errors the core raises. Each carries a message a desk operator understands."""

from __future__ import annotations


class LrsError(Exception):
    """Base of every error LRS Desk reports to its user (never shown as a traceback)."""


class ValidationError(LrsError):
    """A value broke an LRS rule. ``field`` names the field, ``message`` states the rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PermissionDenied(LrsError):
    """The signed-in operator's role does not allow the action."""


class AuthenticationFailed(LrsError):
    """Sign-in refused: wrong name or password, locked, suspended or expired account."""


class NotFound(LrsError):
    """The thing asked for does not exist."""


class ConfigurationError(LrsError):
    """The configuration, a secret or the database cannot be used as set up."""
