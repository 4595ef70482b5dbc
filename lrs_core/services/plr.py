"""The Personal Learning Record (User Guide §5): open it in the organisation or desk view,
and produce the PLR report (PDF, §5.4).

Opening a restricted record in the desk view (Privacy Notice not seen, a sensitive event, a
learner flagged sensitive) needs the operator's reason, and the look is audited with it.
A linked (merged-away) ULN opens its master's PLR and says so.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from lrs_core.actor import Actor
from lrs_core.db.database import Database
from lrs_core.db.models import DataChallenge, DataChallengeEvent, Learner, LearningEvent
from lrs_core.domain.challenges import OPEN_WORK
from lrs_core.domain.kinds import EventStatus, LearnerStatus
from lrs_core.domain.plr import (
    ChallengeMark,
    PlrEvent,
    PlrView,
    apply_privacy,
    in_date_order,
)
from lrs_core.domain.text import clean_text
from lrs_core.domain.values import validate_uln
from lrs_core.errors import NotFound, PermissionDenied, ValidationError
from lrs_core.files import check_path, private_dir
from lrs_core.permissions import Permission
from lrs_core.services.audit import AuditService, Clock, append

REASON_MIN = 10
REASON_MAX = 500
# Open work (open, in progress, awaiting information, referred): its mark wins over a closed one.
_OPEN_CHALLENGE = OPEN_WORK


class ReasonRequired(PermissionDenied):
    """The record is restricted: the desk must say why it is looking (it is audited)."""

    audit_summary = "refused: no reason given for a restricted record"

    def __init__(self, restrictions: tuple[str, ...]) -> None:
        super().__init__(
            "This record is restricted ("
            + "; ".join(restrictions)
            + "). Give the reason you need to see it: the look is audited with your reason."
        )
        self.restrictions = restrictions


@dataclass(frozen=True)
class Plr:
    uln: str  # the learner whose PLR this is (the master, if a linked ULN was asked for)
    asked_for: str
    given_name: str
    family_name: str
    date_of_birth: date
    view: PlrView
    events: tuple[PlrEvent, ...]
    hidden: int
    explanation: str
    restrictions: tuple[str, ...]
    notice: str  # e.g. "ULN X was merged into Y: showing the master's PLR."

    @property
    def empty_message(self) -> str:
        if self.events:
            return ""
        if self.hidden:
            return self.explanation
        return "This learner has no learning events on their PLR yet."


@dataclass(frozen=True)
class ReportResult:
    path: Path
    events: int


def check_reason(reason: str | None) -> str:
    """A reason for a restricted look: outside text, so the text rule first (it is kept in
    the append-only audit trail), then long enough to mean something."""
    text = clean_text(reason or "", "Reason", REASON_MAX, collapse=True)
    if len(text) < REASON_MIN:
        raise ValidationError(
            "Reason",
            f"must say why you need this restricted record (at least {REASON_MIN} characters)",
        )
    return text


class PlrService:
    def __init__(self, db: Database, audit: AuditService, clock: Clock, reports_dir: Path) -> None:
        self.db = db
        self.audit = audit
        self.clock = clock
        self.reports_dir = reports_dir

    def open(
        self, actor: Actor, uln: str, view: PlrView = PlrView.DESK, reason: str | None = None
    ) -> Plr:
        """The PLR as ``view`` sees it. A restricted record in the desk view raises
        :class:`ReasonRequired` until a reason is given; the look is audited either way
        (a refused one, or one of a ULN nobody has, by ``guarded``)."""
        uln = validate_uln(uln)
        with self.audit.guarded(actor, Permission.VIEW_PLR, "view-plr", "learner", uln) as session:
            plr = _read(session, uln, view)
            detail: dict[str, object] = {"view": str(view), "events_shown": len(plr.events)}
            if plr.asked_for != plr.uln:
                detail["asked_for"] = plr.asked_for
            if view is PlrView.DESK and plr.restrictions:
                if not (reason or "").strip():
                    raise ReasonRequired(plr.restrictions)
                detail["reason"] = check_reason(reason)
            append(session, actor, "view-plr", "learner", plr.uln, detail=detail, now=self.clock())
            return plr

    def report(
        self,
        actor: Actor,
        uln: str,
        *,
        out: Path | None = None,
        exclude: Collection[int] = (),
        reason: str | None = None,
    ) -> ReportResult:
        """Write the PLR report (PDF) of every desk-view event not in ``exclude``, in date
        order, to ``out`` (default: under the data directory). Never overwrites a file.
        A refusal (a restricted record with no reason) is audited; so is a ULN nobody has."""
        from lrs_core.reports.plr_pdf import write_plr_report  # fpdf2 loads only when needed

        uln = validate_uln(uln)
        self.audit.require(actor, Permission.VIEW_PLR, "plr-report", "learner", uln)
        now = self.clock()
        # Read-only, and the PDF written outside any transaction: the write lock is not held
        # while the report renders; a failure on the way is audited in its own transaction.
        with self.audit.failures_audited(actor, "plr-report", "learner", uln):
            with self.db.transaction(read_only=True) as session:
                plr = _read(session, uln, PlrView.DESK)
            if plr.restrictions and not (reason or "").strip():
                raise ReasonRequired(plr.restrictions)
            reason_text = check_reason(reason) if plr.restrictions else None
            unknown = set(exclude) - {e.id for e in plr.events}
            if unknown:
                raise ValidationError(
                    "Exclude", f"no event {', '.join(map(str, sorted(unknown)))} on this PLR"
                )
            chosen = in_date_order(e for e in plr.events if e.id not in set(exclude))
            if not chosen:
                raise ValidationError(
                    "Events", "tick at least one event: a report with no events is not produced"
                )
            path = (
                self.default_report_path(plr.uln, now) if out is None else check_path(out, "File")
            )
            if os.path.abspath(path.parent) == os.path.abspath(self.reports_dir):
                # LRS Desk's own reports folder (the default): made 0700, tightened if need
                # be. Any other folder must exist already (files.new_file_path).
                private_dir(self.reports_dir)
            write_plr_report(
                path, plr, chosen, produced_by=actor.display_name or actor.username, at=now
            )
        detail: dict[str, object] = {"events": [e.id for e in chosen], "file": path.name}
        if reason_text:
            detail["reason"] = reason_text
        self.audit.record(actor, "plr-report", "learner", plr.uln, detail=detail)
        return ReportResult(path, len(chosen))

    def default_report_path(self, uln: str, now: datetime) -> Path:
        return self.reports_dir / f"PLR-{uln}-{now:%Y%m%d-%H%M%S}.pdf"


def _read(session: Session, uln: str, view: PlrView) -> Plr:
    learner = session.execute(select(Learner).where(Learner.uln == uln)).scalar_one_or_none()
    if learner is None:
        raise NotFound(f"no learner has ULN {uln}")
    notice = ""
    if learner.status is LearnerStatus.LINKED and learner.master_learner_id:
        master = session.get(Learner, learner.master_learner_id)
        assert master is not None
        notice = f"ULN {uln} was merged into {master.uln}: showing the master's PLR."
        learner = master
    # Plain rows, not ORM objects: a PLR may hold thousands of events. An event removed after
    # a data challenge is kept for the audit but shown in neither view nor the report (§6.1).
    rows = session.execute(
        select(*LearningEvent.__table__.columns).where(
            LearningEvent.learner_id == learner.id, LearningEvent.status == EventStatus.ACTIVE
        )
    ).all()
    marks: dict[int, ChallengeMark] = {}
    for event_id, reference, status in session.execute(
        select(DataChallengeEvent.event_id, DataChallenge.reference, DataChallenge.status)
        .join(DataChallenge, DataChallenge.id == DataChallengeEvent.challenge_id)
        .where(DataChallenge.learner_id == learner.id)
        .order_by(DataChallenge.raised_at)
    ):
        if event_id not in marks or status in _OPEN_CHALLENGE:
            marks[event_id] = ChallengeMark(reference, str(status))
    events = [_event(row, marks.get(row.id)) for row in rows]
    seen = apply_privacy(
        events, learner.ability_to_share, view, learner_sensitive=bool(learner.sensitive)
    )
    return Plr(
        uln=learner.uln,
        asked_for=uln,
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        view=view,
        events=tuple(in_date_order(seen.events)),
        hidden=seen.hidden,
        explanation=seen.explanation,
        restrictions=seen.restricted_reasons,
        notice=notice,
    )


def _event(row: Row[Any], challenge: ChallengeMark | None) -> PlrEvent:
    return PlrEvent(
        id=row.id,
        subject=row.subject,
        level=row.level,
        grade=row.grade,
        credits=row.credits,
        source=str(row.source),
        start_date=row.participation_start_date,
        end_date=row.participation_end_date,
        award_date=row.award_date,
        awarding_organisation_name=row.awarding_organisation_name,
        awarding_organisation_ukprn=row.awarding_organisation_ukprn,
        provider_ukprn=row.achievement_provider_ukprn,
        provider_name=row.achievement_provider_name,
        qualification_type=row.qualification_type,
        subject_code=row.subject_code,
        date_loaded=row.date_loaded,
        status=row.status,
        language_for_assessment=row.language_for_assessment,
        collection_type=row.collection_type,
        return_number=row.return_number,
        restriction=row.restriction,
        sensitive=row.sensitive,
        challenge=challenge,
    )
