"""Learners: find by ULN and read a learner's record (User Guide §4.2.3).

Every look at a learner's personal data is audited, whatever it finds. A ULN with a wrong
check digit is refused before any query is made.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lrs_core.actor import Actor
from lrs_core.db.database import Database
from lrs_core.db.models import Learner
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.names import name_key
from lrs_core.domain.values import OutcomeCode, validate_uln
from lrs_core.errors import NotFound, ValidationError
from lrs_core.permissions import Permission
from lrs_core.services.audit import AuditService, Clock, append


@dataclass(frozen=True)
class LearnerRecord:
    """A learner's details as the desk sees them (web-service field order)."""

    uln: str
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
    date_of_birth: date
    place_of_birth: str | None
    email: str | None
    gender: int
    nationality: str | None
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


@dataclass(frozen=True)
class FindResult:
    outcome: OutcomeCode
    message: str
    learner: LearnerRecord | None = None


_RECORD_FIELDS = [
    f.name for f in dataclasses.fields(LearnerRecord) if f.name not in {"master_uln", "linked_ulns"}
]


class LearnerService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock

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
        self.audit.require(actor, Permission.FIND_LEARNER, "find-by-uln", "learner", uln)
        with self.db.transaction() as session:
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
        self.audit.require(actor, Permission.FIND_LEARNER, "view-learner", "learner", uln)
        with self.db.transaction() as session:
            learner = _by_uln(session, uln)
            if learner is None:
                raise NotFound(f"no learner has ULN {uln}")
            append(session, actor, "view-learner", "learner", uln, now=self.clock())
            return _record(session, learner)


def _by_uln(session: Session, uln: str) -> Learner | None:
    return session.execute(select(Learner).where(Learner.uln == uln)).scalar_one_or_none()


def _record(session: Session, learner: Learner) -> LearnerRecord:
    linked = aliased(Learner)
    linked_ulns = tuple(
        session.execute(
            select(linked.uln).where(linked.master_learner_id == learner.id).order_by(linked.uln)
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
