"""Benchmark: merge a learner with 500 events into a master and de-merge it (issue 11, "Speed
and scale": p95 <= 100 ms each on SQLite and PostgreSQL).

    .venv/bin/python benchmarks/merge.py [--events 500] [--rounds 30] [--database-url URL]

Measures, on a fresh database (a temporary SQLite file; and PostgreSQL when --database-url
or LRS_BENCH_DATABASE_URL names a migrated-or-empty database of its own), each round one
unit of work that previews and applies the merge (the core's record_changes, as the challenge
service calls it, on locked rows, with the before-state recorded) and one that previews and
applies the de-merge. Prints p50 / p95 for each against the 100 ms target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrs_core.db.database import Database
from lrs_core.db.models import Learner, LearnerPreviousValue, LearningEvent
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.services import record_changes as rc

MASTER = "9276308686"
DUPLICATE = "1174112637"
TARGET_MS = 100.0
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def build(db: Database, events: int) -> None:
    """A master with 20 events and a duplicate (another address) with ``events``."""
    with db.transaction() as session:
        people = []
        for uln, postcode, count in ((MASTER, "M1 1AA", 20), (DUPLICATE, "M4 5BB", events)):
            person = Learner(
                uln=uln, given_name="Bench", family_name="Mark", postcode=postcode,
                date_of_birth=date(1990, 1, 2), gender=9, ability_to_share=1,
                verification_type=0, status=LearnerStatus.ACTIVE, created_by="benchmark",
            )  # fmt: skip
            session.add(person)
            session.flush()
            people.append(person)
            start = date(2009, 9, 1)
            session.add_all(
                LearningEvent(
                    learner_id=person.id,
                    subject=f"Unit {n:04d} of a long programme",
                    source=("ILR", "AO", "NPD")[n % 3],
                    grade=("Pass", "Merit", None)[n % 3],
                    participation_start_date=start + timedelta(days=n * 2),
                    award_date=start + timedelta(days=n * 2 + 90),
                    date_loaded=start + timedelta(days=n * 2 + 100),
                    status="removed" if n % 50 == 49 else "active",
                )
                for n in range(count)
            )
        session.add(
            LearnerPreviousValue(learner_id=people[1].id, kind="family_name", value="Marks")
        )


def merge() -> Callable[[Database], object]:
    def run(db: Database) -> object:
        with db.transaction() as session:
            plan = rc.plan_merge(session, DUPLICATE, MASTER)
            return rc.apply_merge(
                session, DUPLICATE, MASTER, operator_id=None, challenge_id=None, now=NOW,
                previewed=plan,
            )  # fmt: skip

    return run


def demerge() -> Callable[[Database], object]:
    def run(db: Database) -> object:
        with db.transaction() as session:
            plan = rc.plan_demerge(session, DUPLICATE)
            return rc.apply_demerge(
                session, DUPLICATE, operator_id=None, challenge_id=None, now=NOW, previewed=plan
            )

    return run


def percentile(ms: list[float], share: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(name: str, ms: list[float]) -> bool:
    p95 = percentile(ms, 0.95)
    ok = p95 <= TARGET_MS
    verdict = "within" if ok else "OVER"
    print(
        f"{name:<34} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}"
        f"   ({verdict} the {TARGET_MS:.0f} ms target)"
    )
    return ok


def bench(url: str, events: int, rounds: int) -> bool:
    db = Database(url)
    db.upgrade()
    build(db, events)
    merge_run, demerge_run = merge(), demerge()
    merge_run(db)  # warm up: the first statements of a connection are not what is measured
    demerge_run(db)
    merges: list[float] = []
    demerges: list[float] = []
    for _ in range(rounds):
        for run, out in ((merge_run, merges), (demerge_run, demerges)):
            t = time.perf_counter()
            run(db)
            out.append((time.perf_counter() - t) * 1000)
    print(f"{events} events merged and de-merged, {rounds} rounds, on {db.display_url}")
    ok = report("merge (preview + apply)", merges)
    ok = report("de-merge (preview + apply)", demerges) and ok
    db.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LRS_BENCH_DATABASE_URL"),
        help="also run on this PostgreSQL database (its own, empty; default:"
        " LRS_BENCH_DATABASE_URL)",
    )
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok = bench(f"sqlite:///{folder}/merge-bench.sqlite3", args.events, args.rounds)
    if args.database_url:
        ok = bench(args.database_url, args.events, args.rounds) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
