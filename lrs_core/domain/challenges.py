"""Data challenges (User Guide §6; DOMAIN.md "Data challenges"), as pure rules.

What each §6.1 type needs when it is raised, the reasons that are *not* a challenge (refused
with the guide's advice), the raiser's details, the reference that contains the learner's ULN,
and the table of status changes. Nothing here reads the database: the service loads the
learners and events a request names and hands them in as :class:`LearnerFacts` and
:class:`EventFacts`.

"Current ILR return" (§6.1: no "information wrong" challenge on a qualification uploaded in the
organisation's current ILR return; their next full return corrects it): an ILR event whose
``collection_type`` names the current academic year (1 August to 31 July) as four digits
"YYZZ" with ZZ = YY + 1 ("ILR2526", "2526", "ILR 25/26" for 2025/26), or, when its collection
names no year, an ILR event loaded (``date_loaded``) in the current academic year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lrs_core.domain.kinds import (
    ChallengeKind,
    ChallengeStatus,
    ChallengeType,
    EventChallengeAction,
    EventSource,
    EventStatus,
    LearnerStatus,
)
from lrs_core.domain.names import NOTES_MAX, name_key, validate_email, validate_name
from lrs_core.domain.text import clean_text
from lrs_core.domain.values import display_date, parse_date, quoted, validate_uln
from lrs_core.errors import InvalidFields, ValidationError

COMMENTS_MAX = NOTES_MAX  # additional comments, reasons and notes: 4000 characters
REASON_MAX = 2000
RAISER_NAME_MAX = 100
PHONE_MAX = 32
GRADE_MAX = 20
PHONE_DIGITS = (10, 13)  # a UK number, with or without +44, at least 10 digits
REFERENCE_PREFIX = "DC"


# --- what is not a challenge -----------------------------------------------------------------


class NotAChallenge(StrEnum):
    """Problems a raiser may think are data challenges but are not (§6.1): a form offers them
    so the raiser is told what to do instead, and raising one is refused with that advice."""

    MISSING_QUALIFICATION = "missing-qualification"
    NAME_WRONG = "name-wrong"
    ADDRESS_WRONG = "address-wrong"
    DATE_OF_BIRTH_WRONG = "date-of-birth-wrong"
    OPT_OUT = "opt-out"

    @property
    def label(self) -> str:
        return _NOT_A_CHALLENGE_LABELS[self]

    @property
    def guidance(self) -> str:
        if self is NotAChallenge.MISSING_QUALIFICATION:
            return (
                "A missing qualification is not a data challenge: contact the awarding"
                " organisation directly (User Guide §6.1)."
            )
        return (
            f"{self.label} is not a data challenge: the learner registration body corrects it"
            " itself by updating the learner's details (User Guide §6.1, §4.2.3)."
        )


_NOT_A_CHALLENGE_LABELS = {
    NotAChallenge.MISSING_QUALIFICATION: "A missing qualification",
    NotAChallenge.NAME_WRONG: "A wrongly spelt or incorrect name",
    NotAChallenge.ADDRESS_WRONG: "A wrong or incorrect address",
    NotAChallenge.DATE_OF_BIRTH_WRONG: "A wrong date of birth",
    NotAChallenge.OPT_OUT: "The learner's opting-out settings",
}


class NotAChallengeRefused(ValidationError):
    """The raiser chose a problem that is not a data challenge; ``guidance`` says what to do."""

    audit_summary = "refused: not a data challenge"

    def __init__(self, reason: NotAChallenge) -> None:
        super().__init__("Type", reason.guidance)
        self.reason = reason


# --- the types and what each requires ---------------------------------------------------------

TYPE_LABELS: dict[ChallengeType, str] = {
    ChallengeType.DUPLICATE_ULN: "Duplicate ULN (the learner has been given a second ULN)",
    ChallengeType.FICTITIOUS_ULN: "Fictitious or fraudulent ULN",
    ChallengeType.INCORRECTLY_MERGED: "ULN incorrectly merged (de-merge)",
    ChallengeType.SHARED_ULN: "Two people sharing the same ULN",
    ChallengeType.DECEASED: "Deceased learner",
    ChallengeType.USING_ANOTHER_ULN: "Details changed: the learner is using another learner's ULN",
    ChallengeType.OTHER_ULN: "Other ULN problem",
    ChallengeType.EVENT_INFORMATION_WRONG: "Information on a qualification is wrong",
    ChallengeType.EVENT_NOT_BELONGING: "A qualification does not belong to this learner",
    ChallengeType.EVENT_DUPLICATED: "A qualification appears more than once",
}

STATUS_LABELS: dict[ChallengeStatus, str] = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.IN_PROGRESS: "In progress",
    ChallengeStatus.AWAITING_INFORMATION: "Awaiting information",
    ChallengeStatus.REFERRED: "Referred to the awarding organisation",
    ChallengeStatus.RESOLVED: "Resolved",
    ChallengeStatus.REJECTED: "Rejected",
    ChallengeStatus.WITHDRAWN: "Withdrawn",
}

ACTION_LABELS: dict[EventChallengeAction, str] = {
    EventChallengeAction.DISPUTED: "The learner disputes ever starting it",
    EventChallengeAction.REMOVE: "Remove it (the ULN was shared)",
    EventChallengeAction.TRANSFER: "Transfer it to another learner's ULN",
}


@dataclass(frozen=True)
class Requirements:
    """What a form for one type asks for (and what :func:`check_request` insists on)."""

    other_uln: bool = False  # the second ULN (duplicate, de-merge)
    master: bool = False  # which of the two ULNs is the master
    reason: bool = False  # always required (de-merge); a duplicate's only when key data differ
    events: tuple[int, int] = (0, 0)  # how many events: (at least, at most)
    event_action: bool = False
    proposed_values: bool = False
    participation_check: bool = False
    comments_required: bool = False
    comments_prompt: str = "Additional comments"


REQUIREMENTS: dict[ChallengeType, Requirements] = {
    ChallengeType.DUPLICATE_ULN: Requirements(
        other_uln=True,
        master=True,
        comments_prompt="Additional comments (the corrective action you believe is needed)",
    ),
    ChallengeType.FICTITIOUS_ULN: Requirements(
        comments_required=True, comments_prompt="What shows the ULN is fictitious or fraudulent"
    ),
    ChallengeType.INCORRECTLY_MERGED: Requirements(other_uln=True, reason=True),
    ChallengeType.SHARED_ULN: Requirements(
        comments_required=True, comments_prompt="Who shares the ULN, and how it came about"
    ),
    ChallengeType.DECEASED: Requirements(
        comments_required=True, comments_prompt="How the learner's death was confirmed"
    ),
    ChallengeType.USING_ANOTHER_ULN: Requirements(
        comments_required=True, comments_prompt="Which details changed, and whose ULN is used"
    ),
    ChallengeType.OTHER_ULN: Requirements(
        comments_required=True, comments_prompt="A description of the problem"
    ),
    ChallengeType.EVENT_INFORMATION_WRONG: Requirements(
        events=(1, 20),
        proposed_values=True,
        comments_prompt="Why you believe the details are recorded incorrectly",
    ),
    ChallengeType.EVENT_NOT_BELONGING: Requirements(
        events=(1, 1), event_action=True, comments_prompt="As much information as possible"
    ),
    ChallengeType.EVENT_DUPLICATED: Requirements(
        events=(2, 2),
        participation_check=True,
        comments_prompt="Why you believe the qualifications are duplicated",
    ),
}

CURRENT_ILR_ADVICE = (
    "do not raise a data challenge against a qualification uploaded as part of your current"
    " ILR return: updating your next full ILR return will update the record (User Guide §6.1)"
)
SHARED_ULN_ADVICE = (
    "if you believe the ULN is shared by two learners, raise a ULN data challenge (two people"
    " sharing the same ULN), not one on the qualification itself (User Guide §6.1)"
)


def choices() -> tuple[tuple[str, str], ...]:
    """Every choice a raise form offers: the ten types, then what is not a challenge."""
    return tuple((str(t), TYPE_LABELS[t]) for t in ChallengeType) + tuple(
        (str(n), n.label) for n in NotAChallenge
    )


def parse_type(value: str) -> ChallengeType:
    """The challenge type chosen; a "not a challenge" choice is refused with its guidance."""
    text = value.strip()
    try:
        return ChallengeType(text)
    except ValueError:
        pass
    try:
        raise NotAChallengeRefused(NotAChallenge(text))
    except ValueError:
        known = ", ".join(str(t) for t in ChallengeType)
        raise ValidationError("Type", f"must be one of {known}, not {quoted(text)}") from None


# --- the raise request -----------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseRequest:
    """A challenge as a form or a command gives it: plain text and ids, checked by the core.

    ``master_uln`` is one of the two ULNs of a duplicate (blank: this learner's ULN is the
    master). ``target_uln`` and the target's given and family names name the learner an event
    is transferred to. Dates are typed as people type them (``parse_date``)."""

    challenge_type: str
    uln: str
    raiser_name: str
    raiser_email: str
    raiser_phone: str
    organisation: str = ""  # the raiser's organisation: a UKPRN or an organisation id
    comments: str = ""
    other_uln: str = ""
    master_uln: str = ""
    reason: str = ""
    event_ids: tuple[int, ...] = ()
    event_action: str = ""
    target_uln: str = ""
    target_given_name: str = ""
    target_family_name: str = ""
    proposed_grade: str = ""
    proposed_end_date: str = ""
    proposed_award_date: str = ""
    not_participation_confirmed: bool = False


@dataclass(frozen=True)
class Organisation:
    """The organisation a raiser named: by UKPRN or by the desk's own id (one is set)."""

    ukprn: str | None = None
    organisation_id: int | None = None


@dataclass(frozen=True)
class CheckedRequest:
    """A request whose every value passed its rule; what still needs the register (the ULNs
    exist, the events are this learner's) is checked by :func:`check_against_records`."""

    challenge_type: ChallengeType
    uln: str
    raiser_name: str
    raiser_email: str
    raiser_phone: str
    organisation: Organisation | None
    comments: str
    other_uln: str | None
    master_uln: str | None
    reason: str
    event_ids: tuple[int, ...]
    event_action: EventChallengeAction | None
    target_given_name: str
    target_family_name: str
    proposed_grade: str | None
    proposed_end_date: date | None
    proposed_award_date: date | None
    not_participation_confirmed: bool

    @property
    def kind(self) -> ChallengeKind:
        return self.challenge_type.kind

    @property
    def target_name(self) -> str | None:
        if not (self.target_given_name or self.target_family_name):
            return None
        return f"{self.target_given_name} {self.target_family_name}".strip()


_PHONE_CHARS = re.compile(r"[0-9 +()]+")


def validate_phone(raw: str, field: str = "Phone", *, required: bool = True) -> str:
    """A UK telephone number as people write it: digits, spaces, brackets and a leading +,
    10 to 13 digits in all ("0113 496 0000", "+44 (0)113 496 0000")."""
    phone = clean_text(raw, field, PHONE_MAX, required=required, collapse=True)
    if not phone:
        return ""
    if not _PHONE_CHARS.fullmatch(phone):
        raise ValidationError(
            field, "may contain only digits, spaces, brackets and a leading +, as 0113 496 0000"
        )
    if "+" in phone[1:]:
        raise ValidationError(field, "may have a + only at its start, as +44 113 496 0000")
    digits = sum(c.isdigit() for c in phone)
    low, high = PHONE_DIGITS
    if not low <= digits <= high:
        raise ValidationError(
            field, f"must have {low} to {high} digits, as 0113 496 0000 (it has {digits})"
        )
    return phone


def validate_raiser_name(raw: str, field: str = "Raiser name") -> str:
    """Who raised it, as they sign (initials and full stops allowed: "R. Patel")."""
    name = clean_text(raw, field, RAISER_NAME_MAX, required=True, collapse=True)
    if not any(c.isalpha() for c in name):
        raise ValidationError(field, "must contain at least one letter")
    return name


def parse_organisation(raw: str, field: str = "Organisation") -> Organisation | None:
    """Blank, a UKPRN (8 digits, not starting 0) or the desk's organisation id (digits)."""
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        raise ValidationError(
            field, f"must be the organisation's 8-digit UKPRN or its id, not {quoted(text)}"
        )
    if len(text) == 8:
        if text[0] == "0":
            raise ValidationError(field, "a UKPRN is 10000000 to 99999999: it cannot start with 0")
        return Organisation(ukprn=text)
    if len(text) > 9:
        raise ValidationError(field, f"must be an 8-digit UKPRN or an id, not {quoted(text)}")
    return Organisation(organisation_id=int(text))


def check_text(raw: str, field: str, *, required: bool = False, max_len: int = COMMENTS_MAX) -> str:
    """Free text from outside (comments, reasons, notes): the text rule, lines kept."""
    return clean_text(raw, field, max_len, required=required, multiline=True)


def check_request(request: RaiseRequest, today: date) -> CheckedRequest:
    """Every value of ``request`` against its rule (§6.1-6.3); all the fields that break a
    rule are named together (:class:`InvalidFields`), apart from a type that is not a
    challenge, which is refused first with its guidance."""
    challenge_type = parse_type(request.challenge_type)
    needs = REQUIREMENTS[challenge_type]
    errors: list[ValidationError] = []

    def attempt(func: object, *args: object, **kwargs: object) -> object:
        try:
            return func(*args, **kwargs)  # type: ignore[operator]
        except InvalidFields as many:
            errors.extend(many.errors)
        except ValidationError as error:
            errors.append(error)
        return None

    uln = attempt(validate_uln, request.uln, "ULN")
    raiser_name = attempt(validate_raiser_name, request.raiser_name)
    raiser_email = attempt(_required_email, request.raiser_email)
    raiser_phone = attempt(validate_phone, request.raiser_phone, "Raiser phone")
    organisation = attempt(parse_organisation, request.organisation)
    comments = attempt(check_text, request.comments, "Comments", required=needs.comments_required)
    reason = attempt(
        check_text, request.reason, "Reason", required=needs.reason, max_len=REASON_MAX
    )

    other_uln: object = None
    master_uln: object = None
    if needs.other_uln:
        if not request.other_uln.strip():
            errors.append(ValidationError("Other ULN", "is required: give the second ULN"))
        else:
            other_uln = attempt(validate_uln, request.other_uln, "Other ULN")
            if other_uln is not None and other_uln == uln:
                errors.append(
                    ValidationError("Other ULN", f"{other_uln} is this learner's own ULN")
                )
                other_uln = None
    if needs.master:
        master_uln = uln
        if request.master_uln.strip():
            master_uln = attempt(validate_uln, request.master_uln, "Master ULN")
            if master_uln is not None and master_uln not in (uln, other_uln):
                errors.append(
                    ValidationError("Master ULN", f"{master_uln} must be one of the two ULNs")
                )

    event_ids = tuple(dict.fromkeys(request.event_ids))
    low, high = needs.events
    if high == 0 and event_ids:
        errors.append(
            ValidationError(
                "Events",
                f"a {challenge_type} challenge is about the ULN, not its qualifications:"
                " raise an event challenge from the PLR instead",
            )
        )
    elif high and not low <= len(event_ids) <= high:
        if challenge_type is ChallengeType.EVENT_DUPLICATED:
            message = (
                f"select exactly two qualifications that are duplicated (you selected"
                f" {len(event_ids)})"
            )
        elif low == high:
            message = f"select exactly {low} qualification (you selected {len(event_ids)})"
        else:
            message = f"select {low} to {high} qualifications (you selected {len(event_ids)})"
        errors.append(ValidationError("Events", message))

    event_action: EventChallengeAction | None = None
    target_given = target_family = ""
    if needs.event_action:
        try:
            event_action = EventChallengeAction(request.event_action.strip())
        except ValueError:
            errors.append(
                ValidationError(
                    "Event action",
                    "must be disputed, remove or transfer, not "
                    + quoted(request.event_action.strip()),
                )
            )
        if event_action is EventChallengeAction.TRANSFER:
            if not request.target_uln.strip():
                errors.append(
                    ValidationError("Target ULN", "is required: the ULN to transfer it to")
                )
            else:
                other_uln = attempt(validate_uln, request.target_uln, "Target ULN")
                if other_uln is not None and other_uln == uln:
                    errors.append(
                        ValidationError("Target ULN", f"{other_uln} is this learner's own ULN")
                    )
                    other_uln = None
            target_given = str(
                attempt(validate_name, request.target_given_name, "Target given name") or ""
            )
            target_family = str(
                attempt(validate_name, request.target_family_name, "Target family name") or ""
            )

    proposed_grade: str | None = None
    proposed_end: object = None
    proposed_award: object = None
    if needs.proposed_values:
        proposed_grade = (
            str(attempt(clean_text, request.proposed_grade, "Proposed grade", GRADE_MAX) or "")
            or None
        )
        if request.proposed_end_date.strip():
            proposed_end = attempt(
                parse_date, request.proposed_end_date, "Proposed end date", today
            )
        if request.proposed_award_date.strip():
            proposed_award = attempt(
                parse_date, request.proposed_award_date, "Proposed award date", today
            )
        given_any = any(
            v.strip()
            for v in (
                request.proposed_grade,
                request.proposed_end_date,
                request.proposed_award_date,
            )
        )
        if not given_any:
            errors.append(
                ValidationError(
                    "Proposed values",
                    "give at least one of the proposed grade, end date or award date",
                )
            )
        for field, value in (
            ("Proposed end date", proposed_end),
            ("Proposed award date", proposed_award),
        ):
            if isinstance(value, date) and value > today:
                errors.append(ValidationError(field, f"{display_date(value)} is in the future"))
    if needs.participation_check and not request.not_participation_confirmed:
        errors.append(
            ValidationError(
                "Participation check",
                "confirm that neither qualification is a participation record before raising"
                " (User Guide §6.3.3)",
            )
        )
    if errors:
        raise InvalidFields(errors)
    assert isinstance(uln, str)
    return CheckedRequest(
        challenge_type=challenge_type,
        uln=uln,
        raiser_name=str(raiser_name),
        raiser_email=str(raiser_email),
        raiser_phone=str(raiser_phone),
        organisation=organisation if isinstance(organisation, Organisation) else None,
        comments=str(comments or ""),
        other_uln=other_uln if isinstance(other_uln, str) else None,
        master_uln=master_uln if isinstance(master_uln, str) else None,
        reason=str(reason or ""),
        event_ids=event_ids,
        event_action=event_action,
        target_given_name=target_given,
        target_family_name=target_family,
        proposed_grade=proposed_grade,
        proposed_end_date=proposed_end if isinstance(proposed_end, date) else None,
        proposed_award_date=proposed_award if isinstance(proposed_award, date) else None,
        not_participation_confirmed=request.not_participation_confirmed,
    )


def _required_email(raw: str) -> str:
    email = validate_email(raw, "Raiser email")
    if not email:
        raise ValidationError("Raiser email", "is required, so the desk can contact the raiser")
    return email


# --- checks against the register -------------------------------------------------------------


@dataclass(frozen=True)
class LearnerFacts:
    """What the rules need to know of a learner on the register."""

    id: int
    uln: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    status: LearnerStatus
    master_uln: str | None  # the ULN it was merged into (status linked)


@dataclass(frozen=True)
class EventFacts:
    id: int
    learner_uln: str
    subject: str
    source: EventSource
    status: EventStatus
    collection_type: str | None
    return_number: str | None
    date_loaded: date


@dataclass(frozen=True)
class Difference:
    """A key-data field on which two learners differ (§6.1: a duplicate needs a reason)."""

    field: str
    this: str
    other: str


def key_data_differences(this: LearnerFacts, other: LearnerFacts) -> tuple[Difference, ...]:
    """Family name (compared folded, as matching does), date of birth and postcode."""
    found: list[Difference] = []
    if name_key(this.family_name) != name_key(other.family_name):
        found.append(Difference("Family name", this.family_name, other.family_name))
    if this.date_of_birth != other.date_of_birth:
        found.append(
            Difference(
                "Date of birth", display_date(this.date_of_birth), display_date(other.date_of_birth)
            )
        )
    if this.postcode != other.postcode:
        found.append(Difference("Postcode", this.postcode, other.postcode))
    return tuple(found)


_YEAR_CODE = re.compile(r"(?<![0-9])([0-9]{2})/?([0-9]{2})(?![0-9])")


def academic_year(day: date) -> int:
    """The academic year (1 August to 31 July) ``day`` falls in, by the year it starts."""
    return day.year if day.month >= 8 else day.year - 1


def collection_year(collection_type: str | None) -> int | None:
    """The academic year an ILR collection names ("ILR2526", "2526", "ILR 25/26"), if any."""
    for match in _YEAR_CODE.finditer(collection_type or ""):
        start, end = int(match[1]), int(match[2])
        if (start + 1) % 100 == end:
            return 2000 + start
    return None


def in_current_ilr_return(event: EventFacts, today: date) -> bool:
    """The event came in the organisation's current ILR return (see the module's note)."""
    if event.source is not EventSource.ILR:
        return False
    year = collection_year(event.collection_type)
    if year is None:
        year = academic_year(event.date_loaded)
    return year == academic_year(today)


_ACTS_ON_THE_LEARNER = frozenset(
    {ChallengeType.DECEASED, ChallengeType.FICTITIOUS_ULN, ChallengeType.SHARED_ULN}
)


def check_against_records(
    request: CheckedRequest,
    learner: LearnerFacts | None,
    other: LearnerFacts | None,
    events: Sequence[EventFacts],
    today: date,
) -> tuple[Difference, ...]:
    """The rules that need the register (§6.1); returns the key-data differences of the two
    learners of a duplicate (empty otherwise). ``other`` is the learner of ``other_uln`` (the
    duplicate, the de-merge's partner or the transfer's target); ``events`` those found of
    ``request.event_ids`` (on any learner)."""
    kind = request.challenge_type
    if learner is None:
        raise ValidationError("ULN", f"no learner has ULN {request.uln}")
    other_field = "Target ULN" if kind is ChallengeType.EVENT_NOT_BELONGING else "Other ULN"
    if request.other_uln is not None and other is None:
        raise ValidationError(other_field, f"no learner has ULN {request.other_uln}")
    differences: tuple[Difference, ...] = ()
    if kind is ChallengeType.DUPLICATE_ULN:
        assert other is not None
        for facts, field in ((learner, "ULN"), (other, "Other ULN")):
            _usable(facts, field)
        differences = key_data_differences(learner, other)
        if differences and not request.reason:
            named = ", ".join(d.field.lower() for d in differences)
            raise ValidationError(
                "Reason",
                f"is required: the two learners' {named} differ; say why they are one learner"
                " (e.g. that the learner has lived at both addresses)",
            )
    elif kind is ChallengeType.INCORRECTLY_MERGED:
        assert other is not None
        if learner.master_uln != other.uln and other.master_uln != learner.uln:
            raise ValidationError(
                "Other ULN",
                f"{other.uln} and {learner.uln} are not linked: only a merged pair can be"
                " de-merged (one must be the other's master)",
            )
    elif (
        kind.kind is ChallengeKind.ULN
        and learner.status is LearnerStatus.RETIRED
        and kind is not ChallengeType.OTHER_ULN
    ):
        raise ValidationError("ULN", f"{learner.uln} is already retired")
    elif kind in _ACTS_ON_THE_LEARNER and learner.status is LearnerStatus.LINKED:
        # Retiring and splitting act on a learner in use, never on a linked ULN.
        raise ValidationError(
            "ULN",
            f"{learner.uln} is a linked ULN merged into {learner.master_uln}: raise it on"
            f" {learner.master_uln}",
        )
    if kind.kind is ChallengeKind.EVENT:
        _check_events(request, learner, events, today)
        if kind is ChallengeType.EVENT_NOT_BELONGING and other is not None:
            _usable(other, "Target ULN")
            if (name_key(request.target_given_name), name_key(request.target_family_name)) != (
                name_key(other.given_name),
                name_key(other.family_name),
            ):
                raise ValidationError(
                    "Target name",
                    f"does not match the learner with ULN {other.uln}: check the ULN and the"
                    " name the qualification should be transferred to",
                )
    return differences


def _usable(facts: LearnerFacts, field: str) -> None:
    if facts.status is LearnerStatus.RETIRED:
        raise ValidationError(field, f"{facts.uln} is retired: it can never be used again")
    if facts.status is LearnerStatus.LINKED:
        raise ValidationError(
            field, f"{facts.uln} is a linked ULN merged into {facts.master_uln}: use the master"
        )


def _check_events(
    request: CheckedRequest, learner: LearnerFacts, events: Sequence[EventFacts], today: date
) -> None:
    found = {e.id: e for e in events}
    for event_id in request.event_ids:
        event = found.get(event_id)
        if event is None or event.learner_uln != learner.uln:
            raise ValidationError(
                "Events", f"qualification {event_id} is not on {learner.uln}'s PLR"
            )
        if event.status is not EventStatus.ACTIVE:
            raise ValidationError(
                "Events", f"qualification {event_id} ({event.subject}) was removed from the PLR"
            )
        if request.challenge_type is ChallengeType.EVENT_INFORMATION_WRONG and (
            in_current_ilr_return(event, today)
        ):
            raise ValidationError(
                "Events", f"{event.subject} is in your current ILR return: {CURRENT_ILR_ADVICE}"
            )


# --- the reference ----------------------------------------------------------------------------


def reference(uln: str, sequence: int) -> str:
    """The challenge's reference, containing the learner's ULN (§6.2): DC-<ULN>-<nnnn>."""
    return f"{REFERENCE_PREFIX}-{uln}-{sequence:04d}"


def reference_sequence(value: str) -> int:
    """The per-learner sequence number of a reference made by :func:`reference`."""
    return int(value.rsplit("-", 1)[1])


def parse_reference(raw: str, field: str = "Reference") -> str:
    """A reference as typed: case and surrounding spaces forgiven."""
    text = raw.strip().upper()
    if not re.fullmatch(rf"{REFERENCE_PREFIX}-[0-9]{{10}}-[0-9]{{4,}}", text):
        raise ValidationError(
            field, f"must look like DC-1234567894-0001, not {quoted(raw.strip())}"
        )
    return text


# --- statuses ---------------------------------------------------------------------------------


class Move(StrEnum):
    """A change of a challenge's status, and the words the timeline uses for it."""

    CLAIM = "claim"
    RELEASE = "release"
    AWAIT_INFORMATION = "await-information"
    RESUME = "resume"
    REFER = "refer"
    AO_CONFIRMED = "ao-confirmed"
    AO_DECLINED = "ao-declined"
    RESOLVE = "resolve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


_S = ChallengeStatus
TRANSITIONS: dict[Move, tuple[frozenset[ChallengeStatus], ChallengeStatus]] = {
    Move.CLAIM: (frozenset({_S.OPEN}), _S.IN_PROGRESS),
    Move.RELEASE: (frozenset({_S.IN_PROGRESS}), _S.OPEN),
    Move.AWAIT_INFORMATION: (frozenset({_S.IN_PROGRESS}), _S.AWAITING_INFORMATION),
    Move.RESUME: (frozenset({_S.AWAITING_INFORMATION}), _S.IN_PROGRESS),
    Move.REFER: (frozenset({_S.IN_PROGRESS}), _S.REFERRED),
    # The AO confirmed the correction: back with the analyst to apply it.
    Move.AO_CONFIRMED: (frozenset({_S.REFERRED}), _S.IN_PROGRESS),
    # The AO did not confirm it: the answer is kept; the analyst resolves or rejects.
    Move.AO_DECLINED: (frozenset({_S.REFERRED}), _S.REFERRED),
    Move.RESOLVE: (frozenset({_S.IN_PROGRESS, _S.REFERRED}), _S.RESOLVED),
    Move.REJECT: (frozenset({_S.IN_PROGRESS, _S.REFERRED}), _S.REJECTED),
    Move.WITHDRAW: (
        frozenset({_S.OPEN, _S.IN_PROGRESS, _S.AWAITING_INFORMATION}),
        _S.WITHDRAWN,
    ),
    Move.REOPEN: (frozenset({_S.RESOLVED, _S.REJECTED}), _S.IN_PROGRESS),
}
CLOSED = frozenset({_S.RESOLVED, _S.REJECTED, _S.WITHDRAWN})
OPEN_WORK = frozenset(set(ChallengeStatus) - CLOSED)
# The clock runs while the desk has the work: open and in progress (§ Service levels).
CLOCK_RUNS = frozenset({_S.OPEN, _S.IN_PROGRESS})

MOVE_WORDS: dict[Move, str] = {
    Move.CLAIM: "claimed",
    Move.RELEASE: "released",
    Move.AWAIT_INFORMATION: "awaiting information (clock paused)",
    Move.RESUME: "resumed (clock restarted)",
    Move.REFER: "referred to the awarding organisation (clock stopped)",
    Move.AO_CONFIRMED: "the awarding organisation confirmed the correction",
    Move.AO_DECLINED: "the awarding organisation did not confirm the correction",
    Move.RESOLVE: "resolved",
    Move.REJECT: "rejected",
    Move.WITHDRAW: "withdrawn at the raiser's request",
    Move.REOPEN: "reopened",
}


# What a refusal says could not be done ("... it can be resumed only when ...").
MOVE_VERBS: dict[Move, str] = {
    Move.CLAIM: "claimed",
    Move.RELEASE: "released",
    Move.AWAIT_INFORMATION: "put to awaiting information",
    Move.RESUME: "resumed",
    Move.REFER: "referred to the awarding organisation",
    Move.AO_CONFIRMED: "given the awarding organisation's answer",
    Move.AO_DECLINED: "given the awarding organisation's answer",
    Move.RESOLVE: "resolved",
    Move.REJECT: "rejected",
    Move.WITHDRAW: "withdrawn",
    Move.REOPEN: "reopened",
}


class TransitionRefused(ValidationError):
    """The challenge's status does not allow the change asked for; the message names the
    status (and, for a closed challenge, who closed it)."""

    audit_summary = "refused: not allowed in this status"

    def __init__(self, move: Move, status: ChallengeStatus, closed_by: str | None = None) -> None:
        allowed, _ = TRANSITIONS[move]
        label = STATUS_LABELS[status].lower()
        verb = MOVE_VERBS[move]
        if status in CLOSED and closed_by:
            message = f"the challenge is already {label} (by {closed_by}): it cannot be {verb}"
        else:
            allowed_words = " or ".join(
                STATUS_LABELS[s].lower() for s in ChallengeStatus if s in allowed
            )
            message = f"the challenge is {label}: it can be {verb} only when it is {allowed_words}"
        super().__init__("Status", message)
        self.move = move
        self.status = status


def next_status(
    move: Move, status: ChallengeStatus, closed_by: str | None = None
) -> ChallengeStatus:
    """The status after ``move``, or :class:`TransitionRefused` naming the status it is in."""
    allowed, after = TRANSITIONS[move]
    if status not in allowed:
        raise TransitionRefused(move, status, closed_by)
    return after
