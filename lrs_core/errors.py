"""The errors the core raises. Each carries a message a desk operator understands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from lrs_core.domain.learner_fields import Change


class LrsError(Exception):
    """Base of every error LRS Desk reports to its user (never shown as a traceback)."""

    # How the audit trail records an action that ended in this error: never the message,
    # which may repeat what was typed or what the record holds.
    audit_summary: ClassVar[str] = "failed"


class ValidationError(LrsError):
    """A value broke an LRS rule. ``field`` names the field, ``message`` states the rule."""

    audit_summary = "refused: a value broke a rule"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidFields(ValidationError):
    """Several fields broke rules at once: ``errors`` lists each; the first is the headline."""

    def __init__(self, errors: list[ValidationError]) -> None:
        if not errors:
            raise ValueError("InvalidFields needs at least one error")
        super().__init__(errors[0].field, errors[0].message)
        self.errors = list(errors)
        if len(errors) > 1:
            self.args = ("; ".join(str(e) for e in errors),)


class StaleLearner(LrsError):
    """An update was made from a copy of the learner that another operator has since changed.
    ``changes`` lists what changed meanwhile (label, before, after)."""

    def __init__(self, message: str, changes: Sequence[Change]) -> None:
        super().__init__(message)
        self.changes = changes


class IdenticalLearner(LrsError):
    """Key data identical to another learner's (§4.2.4, WSRC0021); ``uln`` is that learner."""

    code = "WSRC0021"

    def __init__(self, message: str, uln: str) -> None:
        super().__init__(message)
        self.uln = uln


class PermissionDenied(LrsError):
    """The signed-in operator's role does not allow the action."""

    audit_summary = "refused"


class AuthenticationFailed(LrsError):
    """Sign-in refused: wrong name or password, locked, suspended or expired account."""


class SecondFactorRequired(LrsError):
    """The password was right and the account signs in with a code too: ask for it, then
    sign in again with the password and the code. Not a failure (nothing is counted)."""


class NotFound(LrsError):
    """The thing asked for does not exist."""

    audit_summary = "nothing found"


class ConfigurationError(LrsError):
    """The configuration, a secret or the database cannot be used as set up."""


class ConfirmationNeeded(LrsError):
    """The action may go on only after a second, explicit confirmation by the operator: ask
    (showing why), then call again with the confirmation given. Nothing was written."""

    audit_summary = "refused: needs a second confirmation"


class TwinsNeedConfirmation(ConfirmationNeeded):
    """A merge of possible twins (family name, date of birth and postcode agree, given names
    differ): merging them would join two people's records (issue 11, merge)."""


class PossibleMatchesNeedConfirmation(ConfirmationNeeded):
    """Registering a new ULN found learners who may be the same person (§4.2.2.1); ``ulns``
    are the ones to confirm."""

    def __init__(self, message: str, ulns: Sequence[str]) -> None:
        super().__init__(message)
        self.ulns = tuple(ulns)


class StalePreview(LrsError):
    """The records changed between the preview the operator confirmed and the action (another
    analyst acted first): nothing was written; preview again."""

    audit_summary = "refused: the records changed since the preview"
