"""What the record-change tests share: synthetic learners with events, a whole-database
snapshot, and full row dicts to compare before and after a change."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from factories import event, learner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs_core.db.models import Base, Learner, LearnerPreviousValue, LearningEvent
from lrs_core.domain.values import permuted_uln

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
_SERIALS = itertools.count(1000)


def new_uln() -> str:
    """A valid ULN no other test learner has (far below the allocation counter's serials)."""
    while True:
        uln = permuted_uln(next(_SERIALS))
        if uln:
            return uln


def add_learner(
    session: Session,
    given: str,
    family: str,
    *,
    events: int = 0,
    removed: int = 0,
    previous: tuple[tuple[str, str], ...] = (),
    **extra: object,
) -> Learner:
    """A learner with ``events`` active and ``removed`` removed events and previous values."""
    row = learner(extra.pop("uln", None) or new_uln(), given, family, **extra)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    for n in range(events + removed):
        gone = n >= events
        session.add(
            event(
                row.id,
                f"{family} unit {n}",
                ("AO", "NPD", "ILR")[n % 3],
                grade=("Pass", "Merit", None)[n % 3],
                award_date=date(2020, 1, 1 + n % 28),
                status="removed" if gone else "active",
                removed_reason="duplicated" if gone else None,
                removed_at=NOW if gone else None,
            )
        )
    for kind, value in previous:
        session.add(
            LearnerPreviousValue(learner_id=row.id, kind=kind, value=value, recorded_at=NOW)
        )
    session.flush()
    return row


def rows(
    session: Session, model: Any, *where: Any, skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Full row dicts (every column but ``skip``), ordered by id."""
    table = model.__table__
    found = session.execute(select(table).where(*where).order_by(table.c.id)).mappings()
    return [{k: v for k, v in r.items() if k not in skip} for r in found]


def learner_rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    # row_version is the stale-copy guard: it only ever goes up, so a screen opened before a
    # merge cannot save over the record after its de-merge. Every other column is compared.
    return rows(session, Learner, Learner.id.in_(ids), skip=("row_version",))


def event_rows(session: Session, learner_ids: list[int]) -> list[dict[str, Any]]:
    return rows(session, LearningEvent, LearningEvent.learner_id.in_(learner_ids))


def previous_rows(session: Session, learner_ids: list[int]) -> list[dict[str, Any]]:
    return rows(session, LearnerPreviousValue, LearnerPreviousValue.learner_id.in_(learner_ids))


def whole_database(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a preview must leave exactly as it was."""
    out = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns)
        out[table.name] = [tuple(r) for r in session.execute(select(table).order_by(*order))]
    return out


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Run each action in its own thread, released together; what each returned or raised."""
    start = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = actions[i]()
        except Exception as exc:  # the test inspects what each thread got
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
