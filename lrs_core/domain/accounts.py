"""Organisations' portal accounts and the desk's super-user reinstatement (User Guide §3,
§3.6; DOMAIN.md "Accounts and super users"). Pure rules, no I/O: the organisation directory
and the reinstatement case (:mod:`lrs_core.services.organisations`,
:mod:`lrs_core.services.super_user_cases`) apply them to what they read.

A new super-user account can read and change every learner its organisation handles, so a
forged Change of Super User form is the cheapest way to steal learner data. The rules here
are the desk's checks: the reason stated on the form against the data, the signatory and the
hand signature, and a call-back on the register's number (never the form's).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lrs_core.domain.kinds import AccountStatus, PortalRole, SuperUserLossReason
from lrs_core.domain.names import name_key, validate_email, validate_name, validate_text
from lrs_core.domain.values import quoted
from lrs_core.errors import ValidationError

# §3.1: "at least three super users" recommended; more than five is more people than the
# job needs holding every learner's record.
SUPER_USERS_MIN = 3
SUPER_USERS_MAX = 5

TITLES = ("Mr", "Mrs", "Miss", "Ms", "Mx", "Dr", "Prof", "Rev")
PERSON_TEXT_MAX = 100  # a signatory's name, a job title, who confirmed a call-back
VERIFICATION_MAX = 100
USERNAME_MAX = 64

LOSS_REASON_LABELS: dict[SuperUserLossReason, str] = {
    SuperUserLossReason.SUSPENDED: "suspended and cannot answer the security question",
    SuperUserLossReason.LONG_TERM_LEAVE: "on long-term leave",
    SuperUserLossReason.LEFT: "has left the organisation",
}

# What approval does to the super user the form is about: a leaver's account is deleted
# (accounts are never reassigned, §3.5.4-5); a suspended one stays suspended, and one on
# long-term leave is suspended, for the new super user to reactivate on their return.
OLD_ACCOUNT_FATE: dict[SuperUserLossReason, AccountStatus] = {
    SuperUserLossReason.SUSPENDED: AccountStatus.SUSPENDED,
    SuperUserLossReason.LONG_TERM_LEAVE: AccountStatus.SUSPENDED,
    SuperUserLossReason.LEFT: AccountStatus.DELETED,
}

# Words a generic or shared account is named with (§3.5.1: "the LRS prohibits the creation of
# 'Guest' or generic user accounts"). A username made only of these (and digits) is generic.
# fmt: off
GENERIC_WORDS = frozenset({
    "account", "accounts", "admin", "administration", "administrator", "admissions", "all",
    "college", "data", "default", "demo", "department", "dept", "desk", "enquiries", "exam",
    "examination", "examinations", "exams", "finance", "general", "generic", "guest", "head",
    "headteacher", "help", "helpdesk", "info", "it", "lrs", "main", "manager", "mis", "office",
    "officer", "portal", "reception", "records", "registry", "root", "school", "shared", "sims",
    "staff", "student", "students", "super", "superuser", "support", "sysadmin", "teacher",
    "teachers", "team", "temp", "test", "tester", "training", "user", "users",
})
# fmt: on

_PHONE_KEEP = re.compile(r"[\s().\-]")
# Verification provided must never hold the security question or its answer (§3.5.3, in bold),
# nor a password: the words that give one away.
_SECRET_WORDS = re.compile(
    r"\b(?:security|secret)\s+(?:question|answer)|\banswers?\b|\bpass(?:word|phrase|code)s?\b"
    r"|\bsecret\b|\bpwd\b|\bpin\b|\bmemorable\b|\bmaiden\s+name\b|\bmother'?s\s+maiden\b"
    # the demo's and the portal's usual security questions, named with their answer
    r"|\bfirst\s+(?:pet|school|car)\b|\bfavourite\s+teacher\b|\bplace\s+of\s+birth\b",
    re.IGNORECASE,
)


# --- the directory -----------------------------------------------------------------------------


def fold_organisation_name(name: str) -> str:
    """An organisation's name for search: accents, case and punctuation dropped, words kept
    apart by one space ("St. Mary's C of E" -> "st marys c of e"), so a partial name finds it."""
    # Each word folded as names are (name_key: accents, letters that do not decompose such
    # as œ, ø and ł, lookalike letters of other alphabets), punctuation between words a space.
    words = re.split(r"[\W_]+", re.sub(r"['’]", "", unicodedata.normalize("NFC", name)))
    keys = (re.sub(r"[^0-9a-z]+", "", name_key(w)) for w in words if w)
    return " ".join(k for k in keys if k)[:200]


def is_generic_username(username: str) -> bool:
    """True when every word of the username (digits aside) is a generic word, or generic
    words run together: "admin", "exams.office2", "reception-desk", "ExamsOffice"; never
    "sarah.office" (a person)."""
    words = [w for w in re.split(r"[^a-z]+", username.casefold()) if w]
    return bool(words) and all(_generic_word(w) for w in words)


def _generic_word(word: str) -> bool:
    """The word is generic words run together ("examsoffice", "itsupport")."""
    ends = [True] + [False] * len(word)  # ends[i]: word[:i] splits into generic words
    for i in range(1, len(word) + 1):
        ends[i] = any(ends[j] and word[j:i] in GENERIC_WORDS for j in range(max(0, i - 20), i))
    return ends[-1]


def super_user_count_warning(active: int) -> str | None:
    """§3.1: an organisation should have 3 to 5 active super users."""
    if active < SUPER_USERS_MIN:
        have = "no active super user" if active == 0 else f"only {active} active super user"
        plural = "s" if active > 1 else ""
        return f"{have}{plural}: the LRS recommends at least {SUPER_USERS_MIN} (§3.1)"
    if active > SUPER_USERS_MAX:
        return (
            f"{active} active super users: more than the {SUPER_USERS_MAX} the LRS suggests;"
            " each can read and change every learner the organisation handles (§3.1)"
        )
    return None


@dataclass(frozen=True)
class AccountFacts:
    """What the rules need of one portal user."""

    id: int
    username: str
    name: str
    status: AccountStatus
    roles: frozenset[PortalRole]
    on_long_term_leave: bool = False
    last_sign_in_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def is_super_user(self) -> bool:
        return PortalRole.SUPER_USER in self.roles

    @property
    def can_act(self) -> bool:
        """An active super user who is here to act: not suspended, deleted or on leave."""
        return (
            self.is_super_user
            and self.status is AccountStatus.ACTIVE
            and not self.on_long_term_leave
        )


def housekeeping_flags(user: AccountFacts, now: datetime, dormant_days: int) -> tuple[str, ...]:
    """§3.3's annual review, as flags on one account (a deleted account has none): not signed
    in for the configured time, a generic-looking username, every role held at once."""
    if user.status is AccountStatus.DELETED:
        return ()
    flags: list[str] = []
    since = user.last_sign_in_at or user.created_at
    if since is not None and now - since >= timedelta(days=dormant_days):
        months = round(dormant_days / 30.44)
        flags.append(
            "never signed in" if user.last_sign_in_at is None else f"dormant: {months}+ months"
        )
    if is_generic_username(user.username):
        flags.append("generic username")
    if user.roles >= set(PortalRole):
        flags.append("holds every role")
    return tuple(flags)


# --- telephone numbers -------------------------------------------------------------------------


def phone_digits(raw: str, field: str) -> str:
    """A UK telephone number as its digits, +44 read as 0: "0113 496 0123", "+44 113 496 0123"
    and "(0113) 4960123" are one number. Refused unless 10 or 11 digits starting 0."""
    text = validate_text(raw, field, 32, required=True)
    digits = _PHONE_KEEP.sub("", text)
    for international in ("+44", "0044"):
        if digits.startswith(international):
            digits = "0" + digits[len(international) :].removeprefix("0")
    if not re.fullmatch(r"0[0-9]{9,10}", digits):
        raise ValidationError(
            field, f"must be a UK telephone number, 10 or 11 digits from 0, not {quoted(text)}"
        )
    return digits


def display_phone(digits: str) -> str:
    """Digits grouped as people read them aloud: 020 7946 0001, 0113 496 0123, 07700 900123,
    0300 123 4567."""
    if digits.startswith("02"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if len(digits) == 11 and (
        (digits.startswith("01") and "1" in digits[2:4]) or digits[:2] in ("03", "08", "09")
    ):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return f"{digits[:5]} {digits[5:]}"


# --- the reinstatement case (§3.6) ------------------------------------------------------------


def case_reference(ukprn: str, number: int) -> str:
    return f"SU-{ukprn}-{number:04d}"


def _names(users: Iterable[AccountFacts]) -> str:
    return ", ".join(f"{u.name} ({u.username})" for u in users)


def _fits_reason(user: AccountFacts, reason: SuperUserLossReason) -> bool:
    if reason is SuperUserLossReason.SUSPENDED:
        return user.status is AccountStatus.SUSPENDED
    if reason is SuperUserLossReason.LONG_TERM_LEAVE:
        return user.on_long_term_leave and user.status is not AccountStatus.DELETED
    return True  # left: whatever the portal still says (already deleted, or not yet)


def lost_super_user(
    reason: SuperUserLossReason,
    accounts: Sequence[AccountFacts],
    old_id: int | None = None,
) -> AccountFacts | None:
    """The super user the form is about, checked against the data (§3.6), or None when the
    organisation has none left on record (they left and were deleted, or never had one).

    Refused, naming the people: while another super user can act (they reset passwords and
    create super users themselves, §3.2); a reason the data do not bear out (a "suspended"
    form needs a suspended super user); several who fit, when the form's is not named."""
    supers = [u for u in accounts if u.is_super_user]
    if old_id is not None:
        old = next((u for u in supers if u.id == old_id), None)
        if old is None:
            raise ValidationError(
                "Lost super user", "is not one of this organisation's super users"
            )
        if not _fits_reason(old, reason):
            raise ValidationError(
                "Reason",
                f"the form says the super user is {LOSS_REASON_LABELS[reason]}, but"
                f" {old.name} ({old.username}) is {_state(old)}",
            )
    else:
        fits = [u for u in supers if _fits_reason(u, reason)]
        if reason is SuperUserLossReason.LEFT:
            # A leaver already deleted needs nothing done; of the rest, someone who can still
            # act is less likely the one who left than someone who cannot.
            fits = [u for u in fits if u.status is not AccountStatus.DELETED]
            fits = [u for u in fits if not u.can_act] or fits
        if len(fits) > 1 and all(any(o.can_act and o.id != f.id for o in supers) for f in fits):
            fits = fits[:1]  # whichever the form is about, another can act: refused below
        if len(fits) > 1:
            raise ValidationError(
                "Lost super user",
                f"{len(fits)} super users fit the reason: name the one the form is about"
                f" ({_names(fits)})",
            )
        old = fits[0] if fits else None
        if old is None and reason is not SuperUserLossReason.LEFT:
            on_record = _names(supers) or "none on record"
            raise ValidationError(
                "Reason",
                f"the form says the super user is {LOSS_REASON_LABELS[reason]}, but no super"
                f" user of the organisation is (its super users: {on_record})",
            )
    others = [u for u in supers if u.can_act and (old is None or u.id != old.id)]
    if others:
        raise ValidationError(
            "Organisation",
            f"still has an active super user, {_names(others)}: they reset passwords and"
            " create super users themselves; the desk creates one only when none is left"
            " (§3.2, §3.6)",
        )
    return old


def _state(user: AccountFacts) -> str:
    if user.on_long_term_leave and user.status is not AccountStatus.DELETED:
        return f"{user.status} and on long-term leave"
    return str(user.status)


def reason_caution(reason: SuperUserLossReason, old: AccountFacts | None) -> str | None:
    """What the data cannot settle and the call-back must: a "has left" form about a super
    user whose account is still active, or a form about nobody on record. A forged form would
    say exactly this, so the admin asks it on the call-back, not of the form."""
    if reason is not SuperUserLossReason.LEFT:
        return None
    if old is None:
        return (
            "the organisation has no super user on record: confirm on the call-back who asks"
            " for the new one and why"
        )
    if old.status is AccountStatus.ACTIVE and not old.on_long_term_leave:
        return (
            f"{old.name}'s account is still active: confirm on the call-back that they have"
            " left (approval deletes the account)"
        )
    return None


@dataclass(frozen=True)
class Signatory:
    name: str
    job_title: str
    is_manager: bool
    signed_agreement: bool
    hand_signed: bool


def check_signatory(
    name: str, job_title: str, *, is_manager: bool, signed_agreement: bool, hand_signed: bool
) -> Signatory:
    """§3.6: the form is hand signed by a member of staff of manager status or above
    (preferably whoever signed the Organisation Agreement: recorded, not required)."""
    checked = Signatory(
        validate_text(name, "Signatory", PERSON_TEXT_MAX, required=True),
        validate_text(job_title, "Job title", PERSON_TEXT_MAX, required=True),
        is_manager,
        signed_agreement,
        hand_signed,
    )
    if not is_manager:
        raise ValidationError(
            "Signatory",
            "must be of manager status or above (§3.6): ask the organisation for a form"
            " signed by a manager",
        )
    if not hand_signed:
        raise ValidationError(
            "Signature",
            "must be signed by hand (§3.6): a typed or pasted name is refused; ask for the"
            " form signed by hand",
        )
    return checked


def agreement_note(signatory: str, register_signatory: str | None) -> str | None:
    """Whether the signatory is the one the register says signed the Organisation Agreement
    (§3.6 prefers them); None when the register does not say."""
    if not register_signatory:
        return None
    if fold_organisation_name(signatory) == fold_organisation_name(register_signatory):
        return "the signatory signed the Organisation Agreement (as the register records)"
    return f"the register records {register_signatory} as the Organisation Agreement's signatory"


@dataclass(frozen=True)
class CallBack:
    phone: str  # digits
    confirmed_by: str
    at: datetime


def check_callback(
    dialled: str,
    confirmed_by: str,
    at: datetime,
    *,
    register_phone: str | None,
    form_phone: str | None,
    form_received_on: date,
    now: datetime,
) -> CallBack:
    """The step that defeats a forged form (§3.6): the admin calls the organisation on the
    number the register holds, never one the form gives, and records who confirmed and when."""
    field = "Call-back number"
    digits = phone_digits(dialled, field)
    if not register_phone:
        raise ValidationError(
            field,
            "cannot be checked: the register holds no telephone number for this organisation,"
            " and a number from the form could be the forger's",
        )
    register = phone_digits(register_phone, "Register telephone")
    if digits != register:
        form = None
        if form_phone:
            try:
                form = phone_digits(form_phone, "Form telephone")
            except ValidationError:
                form = None
        which = "is the number on the form" if digits == form else "is not the register's number"
        raise ValidationError(
            field,
            f"{which}: call the organisation on the register's number,"
            f" {display_phone(register)}, which a forged form cannot change",
        )
    who = validate_text(confirmed_by, "Confirmed by", PERSON_TEXT_MAX, required=True)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError("Call-back time", "needs its time zone (a time read as UK time)")
    if at > now + timedelta(minutes=5):
        raise ValidationError("Call-back time", "is in the future")
    if at.date() < form_received_on:
        raise ValidationError("Call-back time", "is before the form arrived")
    return CallBack(digits, who, at)


@dataclass(frozen=True)
class NewSuperUser:
    title: str | None
    given_name: str
    family_name: str
    email: str
    phone: str | None  # digits
    verification_provided: str


def check_new_super_user(
    *,
    title: str,
    given_name: str,
    family_name: str,
    email: str,
    phone: str,
    verification_provided: str,
) -> NewSuperUser:
    """§3.5.3: given name, family name and email are mandatory, a telephone number highly
    recommended (optional here), "verification provided" holds the organisation's own check
    (a staff ID, a school email), never the security question or its answer."""
    title = title.strip()
    if title and title.casefold() not in {t.casefold() for t in TITLES}:
        raise ValidationError("Title", f"must be one of {', '.join(TITLES)}, not {quoted(title)}")
    if not email.strip():
        raise ValidationError(
            "Email", "is required (§3.5.3): the new super user resets their own password by it"
        )
    verification = validate_text(
        verification_provided, "Verification provided", VERIFICATION_MAX, required=True
    )
    if _SECRET_WORDS.search(verification):
        raise ValidationError(
            "Verification provided",
            "must not hold the security question or its answer, nor a password (§3.5.3):"
            " give the organisation's own check, such as a staff ID or a school email",
        )
    return NewSuperUser(
        next((t for t in TITLES if t.casefold() == title.casefold()), None),
        validate_name(given_name, "Given name"),
        validate_name(family_name, "Family name"),
        validate_email(email, "Email"),
        phone_digits(phone, "Telephone") if phone.strip() else None,
        verification,
    )


def portal_username(given_name: str, family_name: str, taken: Callable[[str], bool]) -> str:
    """The username the portal produces from the names (§3.5.3): given.family in plain
    letters (accents and punctuation dropped), a number added when it is taken. A name that
    makes a generic-looking username is refused (§3.5.1)."""
    parts = []
    for value, field in ((given_name, "Given name"), (family_name, "Family name")):
        part = re.sub(r"[^a-z0-9]", "", name_key(value))[:30]
        if not part:
            raise ValidationError(
                field, "has no letters a to z to make a username from: spell it in Latin letters"
            )
        parts.append(part)
    base = ".".join(parts)
    if is_generic_username(base):
        raise ValidationError(
            "Username",
            f"{base} looks like a generic or shared account, which the LRS prohibits (§3.5.1):"
            " the account is for one named person",
        )
    username, n = base, 1
    while taken(username):
        n += 1
        username = f"{base[: USERNAME_MAX - len(str(n))]}{n}"  # the number is never cut
    return username


# §3.6: the call-back comes last because it confirms, with the organisation on the register's
# number, the signatory and the new super user as recorded: who gets the account.
CASE_STEPS = ("signatory", "new super user", "call-back")

CALLBACK_NEEDS = (
    "record the signatory and the new super user first: the call-back confirms them with the"
    " organisation"
)


def missing_steps(*, signatory: bool, callback: bool, new_user: bool) -> tuple[str, ...]:
    """What a prepared case still lacks before a second admin can approve it."""
    done = {"signatory": signatory, "call-back": callback, "new super user": new_user}
    return tuple(step for step in CASE_STEPS if not done[step])
