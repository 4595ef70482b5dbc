"""Learners: find (by ULN §4.2.3, by personal details §4.2.1), register (§4.2.2), update
(Appendix C) and the learner profile.

Every look at a learner's personal data is audited, whatever it finds. A ULN with a wrong
check digit is refused before any query is made. Registering and updating refuse key data
identical to another learner's, linked ones included (§4.2.4, WSRC0021); an update made
from a stale copy of the record is refused with what changed meanwhile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.config import SearchSettings
from lrs_core.db.database import Database
from lrs_core.db.locks import hold_until_commit
from lrs_core.db.models import Learner, LearnerPreviousValue, UlnAllocation
from lrs_core.domain.kinds import AuditOutcome, LearnerStatus, RetiredReason
from lrs_core.domain.learner_fields import (
    BY_NAME,
    KEY_FIELDS,
    Change,
    display_text,
    field_text,
    validate_learner_fields,
)
from lrs_core.domain.names import name_key
from lrs_core.domain.values import OutcomeCode, parse_gender, permuted_uln, validate_uln
from lrs_core.errors import IdenticalLearner, NotFound, StaleLearner, ValidationError
from lrs_core.permissions import Permission
from lrs_core.services.audit import AuditEntry, AuditService, Clock, append
from lrs_core.services.search import (
    MANDATORY,
    Candidate,
    Criteria,
    DemographicQuery,
    DemographicSearch,
    SearchResult,
    validate_query,
)


@dataclass(frozen=True)
class LearnerRecord:
    """A learner's details as the desk sees them (web-service field order)."""

    uln: str
    mis_identifier: str | None
    title: str | None
    given_name: str
    preferred_given_name: str | None
    middle_other_name: str | None
    family_name: str
    previous_family_name: str | None
    family_name_at_16: str | None
    school_at_16: str | None
    address_line1: str | None
    address_line2: str | None
    address_town: str | None
    address_county_or_city: str | None
    postcode: str
    date_of_address_capture: date | None
    date_of_birth: date
    place_of_birth: str | None
    email: str | None
    gender: int
    nationality: str | None
    scottish_candidate_number: str | None
    ability_to_share: int
    verification_type: int
    other_verification_description: str | None
    notes: str | None
    upn: str | None
    uci: str | None
    status: LearnerStatus
    master_uln: str | None  # set when this ULN was merged into another
    linked_ulns: tuple[str, ...]  # ULNs merged into this one, which make it a master
    created_at: datetime
    created_by: str
    amended_at: datetime | None
    amended_by: str | None
    row_version: int
    retired_reason: RetiredReason | None = None  # set when status is retired (§6.1)


@dataclass(frozen=True)
class FindResult:
    outcome: OutcomeCode
    message: str
    learner: LearnerRecord | None = None


_RECORD_FIELDS = [
    f.name for f in dataclasses.fields(LearnerRecord) if f.name not in {"master_uln", "linked_ulns"}
]


class LearnerService:
    def __init__(
        self,
        db: Database,
        audit: AuditService,
        clock: Clock,
        search: SearchSettings | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.search = DemographicSearch(search or SearchSettings())

    def find_by_uln(self, actor: Actor, uln: str, given_name: str, family_name: str) -> FindResult:
        """ULN, given name and family name must all match (§4.2.3), compared without regard
        to case, accents, spaces, hyphens or apostrophes. A ULN merged into another returns
        its master with WSRC0022."""
        uln = validate_uln(uln)
        given, family = name_key(given_name), name_key(family_name)
        if not given:
            raise ValidationError("Given name", "is required to find a learner by ULN")
        if not family:
            raise ValidationError("Family name", "is required to find a learner by ULN")
        with self.audit.guarded(
            actor, Permission.FIND_LEARNER, "find-by-uln", "learner", uln
        ) as session:
            learner = _by_uln(session, uln)
            result = FindResult(OutcomeCode.NO_MATCH, "No learner matches that ULN and name.")
            if learner is not None and (learner.given_key, learner.family_key) == (given, family):
                if learner.status is LearnerStatus.LINKED and learner.master_learner_id:
                    master = session.get(Learner, learner.master_learner_id)
                    assert master is not None
                    result = FindResult(
                        OutcomeCode.LINKED_LEARNER_MATCH,
                        f"ULN {uln} was merged into {master.uln}: showing the master record.",
                        _record(session, master),
                    )
                elif learner.status is LearnerStatus.RETIRED:
                    result = FindResult(
                        OutcomeCode.EXACT_MATCH,
                        retired_message(uln, learner.retired_reason),
                        _record(session, learner),
                    )
                else:
                    result = FindResult(
                        OutcomeCode.EXACT_MATCH,
                        "ULN, given name and family name all match.",
                        _record(session, learner),
                    )
            found = result.learner.uln if result.learner else ""
            append(
                session,
                actor,
                "find-by-uln",
                "learner",
                found or uln,
                detail={"outcome": str(result.outcome), "asked_for": uln},
                now=self.clock(),
            )
            return result

    def show(self, actor: Actor, uln: str) -> LearnerRecord:
        """Every field of one learner's record; the look is audited."""
        uln = validate_uln(uln)
        with self.audit.guarded(
            actor, Permission.FIND_LEARNER, "view-learner", "learner", uln
        ) as session:
            learner = _by_uln(session, uln)
            if learner is None:
                raise NotFound(f"no learner has ULN {uln}")
            append(session, actor, "view-learner", "learner", uln, now=self.clock())
            return _record(session, learner)

    def today(self) -> date:
        """Today by the service's clock: the date inline validation checks against."""
        return self.clock().date()

    def find_by_details(self, actor: Actor, query: DemographicQuery) -> SearchResult:
        """Up to 10 ranked candidates with scores and reasons (§4.2.1, Appendix B)."""
        criteria = validate_query(query, self.today())
        with self.audit.guarded(
            actor, Permission.FIND_LEARNER, "find-by-details", "learner", ""
        ) as session:
            result = self.search.run(session, criteria)
            # Every learner the look shows is in the trail: the weaker candidates too (shown
            # apart when nothing is plausible), under their own key.
            looked_at = [*result.candidates, *result.weaker]
            detail: dict[str, object] = {
                "outcome": str(result.outcome),
                "shown": [c.uln for c in result.candidates],
                "fields_given": [*(n for n, _ in MANDATORY), *criteria.given_fields()],
            }
            if result.weaker:
                detail["weaker"] = [c.uln for c in result.weaker]
            append(
                session,
                actor,
                "find-by-details",
                "learner",
                looked_at[0].uln if looked_at else "",
                detail=detail,
                now=self.clock(),
            )
            return result

    def register(
        self,
        actor: Actor,
        raw: Mapping[str, str],
        *,
        confirmed_ulns: Collection[str] | None = None,
    ) -> RegisterResult:
        """Register a learner for a new ULN (§4.2.2).

        The demographic search runs first. Possible matches need an explicit confirmation:
        call again with ``confirmed_ulns`` holding the ULNs the operator was shown; if the
        search now finds anyone else, the operator is asked again. Key data identical to an
        existing learner's (linked ones too) is refused outright (WSRC0021)."""
        values = validate_learner_fields(raw, self.today(), complete=True)
        self.audit.require(actor, Permission.REGISTER_LEARNER, "register-learner", "learner", "")
        now = self.clock()
        with self.db.transaction() as session:
            check = check_registration(session, self.search, values, confirmed_ulns)
            if check.refusal is None:
                learner = create_learner(session, values, now=now, created_by=actor.username)
                append(
                    session,
                    actor,
                    "register-learner",
                    "learner",
                    learner.uln,
                    detail={
                        **_sanitised_detail(raw),
                        # The matches shown and confirmed, never the caller's text.
                        "confirmed_possible_matches": list(check.confirmed),
                    },
                    now=now,
                )
                return RegisterResult(
                    OutcomeCode.EXACT_MATCH,
                    f"Registered: the learner's new ULN is {learner.uln}.",
                    _record(session, learner),
                )
            result = check.refusal
            append(
                session,
                actor,
                "register-learner",
                "learner",
                result.identical_uln or "",
                outcome=AuditOutcome.FAILED,
                detail={
                    "outcome": str(result.outcome),
                    "shown": [c.uln for c in result.possible_matches],
                },
                now=now,
            )
            return result

    def update(
        self, actor: Actor, original: LearnerRecord, raw: Mapping[str, str]
    ) -> LearnerRecord:
        """Save the fields in ``raw`` over the learner as ``original`` showed it (Appendix C).

        Refused (nothing written) when the learner changed since ``original`` was read
        (:class:`StaleLearner`, listing what changed), or when the new key data is identical
        to another learner's (:class:`IdenticalLearner`, WSRC0021)."""
        raw = dict(raw)
        if "verification_type" in raw or "other_verification_description" in raw:
            raw.setdefault("verification_type", str(original.verification_type))
            raw.setdefault(
                "other_verification_description", original.other_verification_description or ""
            )
        values = validate_learner_fields(raw, self.today(), complete=False)
        uln = original.uln
        self.audit.require(actor, Permission.EDIT_LEARNER, "update-learner", "learner", uln)
        now = self.clock()
        with self.db.transaction() as session:
            learner = session.execute(
                select(Learner).where(Learner.uln == uln).with_for_update()
            ).scalar_one_or_none()
            if learner is None:
                raise NotFound(f"no learner has ULN {uln}")
            # A retired or merged ULN is never updated, however fresh the copy.
            if learner.status is LearnerStatus.RETIRED:
                raise ValidationError(
                    "ULN", retired_message(uln, learner.retired_reason) + " It is not updated."
                )
            if learner.status is not LearnerStatus.ACTIVE:
                raise ValidationError(
                    "ULN", f"{uln} is {learner.status}: update its master record instead"
                )
            if learner.row_version != original.row_version:
                meanwhile = _changes(_values(original), _values(learner))
                by = learner.amended_by or "another operator"
                raise StaleLearner(
                    f"{by} changed this learner after you opened it; nothing was saved."
                    " Your edits are still in the form: review the changes below and save again.",
                    meanwhile,
                )
            before = _values(learner)
            if not _changes(before, values):
                return _record(session, learner)
            new_family = values.get("family_name") or ""
            family_changed = bool(new_family) and name_key(new_family) != learner.family_key
            if family_changed:  # Appendix C: the old family name becomes the previous one
                values.setdefault("previous_family_name", learner.family_name)
            same = None
            if any(name in values for name in KEY_FIELDS):
                same = _identical(session, before | values, exclude_id=learner.id)
            if same is None:
                if family_changed:
                    _remember(session, learner, "family_name", learner.family_name, now)
                if values.get("postcode") and values["postcode"] != learner.postcode:
                    _remember(session, learner, "postcode", learner.postcode, now)
                for name, value in values.items():
                    setattr(learner, name, value)
                learner.amended_at = now
                learner.amended_by = actor.username
                learner.amended_by_organisation_id = None
                session.flush()
                append(
                    session,
                    actor,
                    "update-learner",
                    "learner",
                    uln,
                    detail={"changed": [c.field for c in _changes(before, values)]},
                    now=now,
                )
                return _record(session, learner)
        # Identical key data: nothing was written; the refusal is audited on its own.
        self.audit.record(
            actor,
            "update-learner",
            "learner",
            uln,
            outcome=AuditOutcome.FAILED,
            detail={"outcome": str(OutcomeCode.CANNOT_REGISTER), "identical_to": same.uln},
        )
        raise IdenticalLearner(UPDATE_NOT_ALLOWED, same.uln)

    def profile(
        self, actor: Actor, uln: str, *, change_limit: int = 100, look_limit: int = 20
    ) -> LearnerProfile:
        """Every field, linked ULNs, the change history from the audit trail (apart from the
        latest looks and refusals, so a much-viewed learner's changes are never crowded
        out), and what this operator may do with the learner. The look is audited."""
        record = self.show(actor, uln)
        audited = partial(self.audit.about, "learner", uln)
        ok_changes = audited(actions=CHANGE_ACTIONS, outcome=AuditOutcome.OK, limit=change_limit)
        changes = tuple(map(_history_entry, ok_changes))
        # Changes are listed whole above; of the rest, the latest few (refused changes too).
        rest = audited(limit=look_limit + len(changes))
        looks = tuple(e for e in map(_history_entry, rest) if not e.is_change)[:look_limit]
        actions = [ProfileAction.VIEW_PLR]
        if actor.may(Permission.EDIT_LEARNER) and record.status is LearnerStatus.ACTIVE:
            actions.append(ProfileAction.EDIT)  # a merged or retired ULN is not edited
        if actor.may(Permission.RESOLVE_CHALLENGE):
            actions.append(ProfileAction.RESOLVE_CHALLENGES)
        return LearnerProfile(record, changes, looks, tuple(actions))


def _by_uln(session: Session, uln: str) -> Learner | None:
    return session.execute(select(Learner).where(Learner.uln == uln)).scalar_one_or_none()


def _record(session: Session, learner: Learner) -> LearnerRecord:
    linked_ulns = tuple(
        session.execute(
            select(Learner.uln).where(Learner.master_learner_id == learner.id).order_by(Learner.uln)
        ).scalars()
    )
    master_uln = (
        session.execute(select(Learner.uln).where(Learner.id == learner.master_learner_id))
        .scalars()
        .one_or_none()
        if learner.master_learner_id
        else None
    )
    values = {name: getattr(learner, name) for name in _RECORD_FIELDS}
    return LearnerRecord(**values, master_uln=master_uln, linked_ulns=linked_ulns)


# --- Find by personal details, register, update, profile ------------------------------------

REGISTER_WARNING = (
    "Please confirm by selecting Register learner that the learner you are about to register"
    " is not included in the list of learners found by the search. If there is any doubt you"
    " should select Cancel and review the learners on the list. LRS actively checks and takes"
    " appropriate follow up action where learners have multiple ULNs created. Creating a"
    " potential duplicate ULN for this learner may result in additional work for Awarding"
    " Organisations and other organisations that rely on the ULN you are assigning to this"
    " learner."
)  # §4.2.4, "Register learner warning"
REGISTER_NOT_ALLOWED = (
    "Register Learner not allowed: the data you have entered will create a Learner with key"
    " information identical to one already registered - this is not allowed."
)  # §4.2.4
UPDATE_NOT_ALLOWED = (
    "Learner update not allowed: the updated data you have entered will create a learner with"
    " key information identical to one already registered - this is not allowed."
)  # §4.2.4


@dataclass(frozen=True)
class RegisterResult:
    """``learner`` is set when registered; otherwise ``outcome`` says why not: WSRC0003
    (possible matches, confirm to go on) or WSRC0021 (identical key data, refused)."""

    outcome: OutcomeCode
    message: str
    learner: LearnerRecord | None = None
    possible_matches: tuple[Candidate, ...] = ()
    identical_uln: str | None = None


class ProfileAction(StrEnum):
    """What an operator may do from a learner's profile (the value is what they read)."""

    VIEW_PLR = "View PLR"
    EDIT = "Edit details"
    RESOLVE_CHALLENGES = "Resolve data challenges"


CHANGE_ACTIONS = frozenset({"register-learner", "update-learner"})


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: datetime
    actor: str
    action: str
    outcome: str
    summary: str

    @property
    def is_change(self) -> bool:
        """A registration or update that went through (the rest are looks and refusals)."""
        return self.action in CHANGE_ACTIONS and self.outcome == "ok"


@dataclass(frozen=True)
class LearnerProfile:
    record: LearnerRecord
    changes: tuple[HistoryEntry, ...]  # registration and updates that went through, newest first
    looks: tuple[HistoryEntry, ...]  # the latest looks, refusals and failed changes
    actions: tuple[ProfileAction, ...]  # what this operator may do with this learner now


def _history_entry(entry: AuditEntry) -> HistoryEntry:
    return HistoryEntry(
        entry.occurred_at,
        entry.actor,
        entry.action,
        entry.outcome,
        _summary(entry.action, entry.outcome, entry.detail),
    )


def _changes(before: Mapping[str, object], after: Mapping[str, object]) -> list[Change]:
    return [
        Change(BY_NAME[name].label, display_text(before.get(name)), display_text(after.get(name)))
        for name in BY_NAME
        if name in after and field_text(before.get(name)) != field_text(after.get(name))
    ]


def _values(learner: Learner | LearnerRecord) -> dict[str, object]:
    return {name: getattr(learner, name) for name in BY_NAME}


def identical_learner(
    session: Session, learner: Learner, *, since: tuple[int, datetime] | None = None
) -> Learner | None:
    """Another active or linked learner with ``learner``'s key data (§4.2.4, WSRC0021), under
    the key-data lock: what a retired learner returned to use must not duplicate. ``since``
    (the highest learner id then, and the instant): only a learner registered or amended
    after it counts."""
    values = {name: getattr(learner, name) for name in KEY_FIELDS}
    return _identical(session, values, exclude_id=learner.id, since=since)


def _identical(
    session: Session,
    values: Mapping[str, object],
    exclude_id: int | None = None,
    since: tuple[int, datetime] | None = None,
) -> Learner | None:
    """Another active or linked learner with the same key data (§4.2.4).

    Two operators registering the same learner at the same moment (or one updating a learner
    into another's key data) must not both find nobody: the check first takes a lock named by
    the key data, held until the unit of work commits, so the second waits and then sees the
    first one's row. A lock rather than a unique index on the key: merged (linked) ULNs keep
    the key data of their master, which an index over active and linked learners would refuse,
    and a register that already holds such pairs could not be migrated."""
    given, family = name_key(str(values["given_name"])), name_key(str(values["family_name"]))
    day, gender, postcode = values["date_of_birth"], values["gender"], str(values["postcode"])
    assert isinstance(day, date) and isinstance(gender, int)  # as validate_learner_fields gives
    lock = ("learner key data", given, family, day.isoformat(), int(gender), postcode)
    hold_until_commit(session, *lock)
    query = select(Learner).where(
        Learner.given_key == given,
        Learner.family_key == family,
        Learner.date_of_birth == day,
        Learner.gender == gender,
        Learner.postcode == postcode,
        Learner.status.in_([LearnerStatus.ACTIVE, LearnerStatus.LINKED]),
    )
    if exclude_id is not None:
        query = query.where(Learner.id != exclude_id)
    if since is not None:
        last_id, at = since
        query = query.where(or_(Learner.id > last_id, Learner.amended_at >= at))
    return session.execute(query.limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class RegistrationCheck:
    """The registration rules (§4.2.2, §4.2.4) run before a new ULN is issued: ``refusal``
    is None when the learner may be registered; ``confirmed`` lists the possible matches the
    operator was shown and confirmed (sorted ULNs)."""

    refusal: RegisterResult | None
    confirmed: tuple[str, ...] = ()


def check_registration(
    session: Session,
    search: DemographicSearch,
    values: Mapping[str, Any],
    confirmed_ulns: Collection[str] | None = None,
) -> RegistrationCheck:
    """May a learner with these (validated) ``values`` be given a new ULN, inside the
    caller's unit of work? Key data identical to an active or linked learner's is refused
    (WSRC0021, under the key-data lock :func:`_identical` takes, so two writers cannot both
    pass); possible matches the operator has not confirmed (``confirmed_ulns``) ask again
    (WSRC0003). Used by register and by the split of a shared ULN (issue 11)."""
    same = _identical(session, values)
    if same is not None:
        return RegistrationCheck(
            RegisterResult(
                OutcomeCode.CANNOT_REGISTER,
                REGISTER_NOT_ALLOWED
                + f" ULN {same.uln} has the same given name, family name, date of birth,"
                " gender and postcode"
                + (" (it is a linked ULN)." if same.status is LearnerStatus.LINKED else "."),
                identical_uln=same.uln,
            )
        )
    found = search.run(session, _criteria(values))
    if any(c.uln not in (confirmed_ulns or ()) for c in found.candidates):
        return RegistrationCheck(
            RegisterResult(
                OutcomeCode.POSSIBLE_MATCH, REGISTER_WARNING, possible_matches=found.candidates
            )
        )
    return RegistrationCheck(None, tuple(sorted(c.uln for c in found.candidates)))


def create_learner(
    session: Session, values: Mapping[str, Any], *, now: datetime, created_by: str
) -> Learner:
    """A new active learner with a newly allocated ULN (never issued before), its previous
    family name kept for matching; flushed. Only after :func:`check_registration` passed."""
    learner = Learner(
        uln=_allocate_uln(session),
        **values,
        status=LearnerStatus.ACTIVE,
        created_at=now,
        created_by=created_by,
    )
    session.add(learner)
    session.flush()
    if learner.previous_family_name:
        _remember(session, learner, "family_name", learner.previous_family_name, now)
    return learner


def _criteria(values: Mapping[str, Any]) -> Criteria:
    return Criteria(
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=values["date_of_birth"],
        gender=parse_gender(values["gender"]),
        postcode=values["postcode"],
        preferred_given_name=values.get("preferred_given_name") or "",
        middle_names=values.get("middle_other_name") or "",
        previous_family_name=values.get("previous_family_name") or "",
        upn=values.get("upn") or "",
        uci=values.get("uci") or "",
    )


def retired_message(uln: str, reason: RetiredReason | None) -> str:
    """What the desk is told about a retired ULN (§6.1): why, and that it is never used."""
    why = (RETIRED_WHY.get(reason) if reason else None) or "after a data challenge"
    return f"ULN {uln} is retired ({why}): it is never used or issued again."


RETIRED_WHY = {
    RetiredReason.DECEASED: "the learner is deceased",
    RetiredReason.FICTITIOUS: "it was fictitious or fraudulent",
}


def _allocate_uln(session: Session) -> str:
    """The next ULN from the one-row counter (locked): valid check digit, never issued before."""
    allocation = session.execute(select(UlnAllocation).with_for_update()).scalar_one()
    while True:
        serial = allocation.next_serial
        allocation.next_serial = serial + 1
        uln = permuted_uln(serial)
        if uln and _by_uln(session, uln) is None:
            return uln


def _sanitised_detail(raw: Mapping[str, str]) -> dict[str, object]:
    return {"fields": sorted(raw)}


def _summary(action: str, outcome: str, detail: Mapping[str, object]) -> str:
    if action == "register-learner" and outcome == "ok":
        confirmed = detail.get("confirmed_possible_matches")
        if confirmed:
            return "registered after the operator confirmed possible matches " + ", ".join(
                str(uln)
                for uln in confirmed  # type: ignore[attr-defined]
            )
        return "registered"
    if "changed" in detail:
        return "changed " + ", ".join(str(f) for f in detail["changed"])  # type: ignore[attr-defined]
    if "outcome" in detail:
        return str(detail["outcome"])
    return ""


def _remember(session: Session, learner: Learner, kind: str, value: str, now: datetime) -> None:
    session.add(
        LearnerPreviousValue(learner_id=learner.id, kind=kind, value=value, recorded_at=now)
    )
