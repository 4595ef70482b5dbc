"""Benchmark: the data-challenge queue with 10,000 open challenges (issue 11: "open, filter and
re-sort <= 300 ms to a drawn table").

    .venv/bin/python benchmarks/challenge_queue.py [--challenges 10000] [--runs 20] [--url URL]

Measures, on a fresh database (SQLite file by default, or --url for PostgreSQL):
* the core: ChallengeService.queue (audited) with the default filter (all open work, by due
  time), with a filter (one type, unassigned), and each other sort;
* the screen: the queue in a headless 120x40 app, from push to a drawn table, a filter and
  a re-sort (a key press) to a redrawn table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text

from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.models import DataChallenge, Learner, Operator
from lrs_core.domain import challenges as rules
from lrs_core.domain.kinds import ChallengeStatus, ChallengeType, LearnerStatus
from lrs_core.domain.support_hours import SupportCalendar
from lrs_core.domain.values import permuted_uln
from lrs_core.permissions import OperatorRole
from lrs_core.services import Services
from lrs_core.services.challenges import QueueFilter, QueueSort

STATUSES = (ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS, ChallengeStatus.AWAITING_INFORMATION)
PER_LEARNER = 5


def bench_analyst(services: Services) -> Actor:
    """The first of the benchmark's analysts (made by ``build``): every look at the queue is
    an operator's, re-read from the database by the audit guard."""
    with services.db.transaction(read_only=True) as session:
        op = session.execute(select(Operator).order_by(Operator.id)).scalars().first()
        assert op is not None
        return Actor(op.username, op.role, op.display_name, op.id)


def uln(n: int) -> str:
    """A valid ULN of its own for the n-th benchmark learner."""
    made = permuted_uln(n + 1)
    assert made is not None
    return made


def build(services: Services, challenges: int, now: datetime) -> None:
    calendar = SupportCalendar.from_settings(services.settings.sla)
    budget = calendar.budget_seconds(4)
    types = list(ChallengeType)
    learners = -(-challenges // PER_LEARNER)
    with services.db.transaction() as session:
        operators = [
            Operator(
                username=f"bench.analyst{n}", display_name=f"Bench Analyst {n}",
                role=OperatorRole.ANALYST, status="active", password_hash="!",
                must_change_password=False, created_by="benchmark",
            )
            for n in range(5)
        ]  # fmt: skip
        session.add_all(operators)
        session.flush()
        session.execute(
            insert(Learner),
            [
                {
                    "uln": uln(n), "given_name": f"Given{n}", "family_name": f"Family{n}",
                    "postcode": "M1 1AA", "date_of_birth": date(1990, 1, 1) + timedelta(n),
                    "gender": 9, "ability_to_share": 1, "verification_type": 0,
                    "status": LearnerStatus.ACTIVE, "created_by": "benchmark",
                    "given_key": f"given{n}", "family_key": f"family{n}",
                    "given_phonetic": "JFN", "family_phonetic": "FML",
                }
                for n in range(learners)
            ],
        )  # fmt: skip
        ids = dict(session.execute(Learner.__table__.select().with_only_columns(
            Learner.uln, Learner.id)).all())  # fmt: skip
        rows = []
        for n in range(challenges):
            owner = uln(n // PER_LEARNER)
            raised = now - timedelta(hours=(n * 37) % 2000)
            status = STATUSES[n % 3]
            running = status is not ChallengeStatus.AWAITING_INFORMATION
            used = calendar.between(raised, now)
            kind_of = types[n % len(types)]
            rows.append(
                {
                    "reference": rules.reference(owner, n % PER_LEARNER + 1),
                    "learner_id": ids[owner], "kind": kind_of.kind, "challenge_type": kind_of,
                    "status": status, "priority": 4, "raised_at": raised,
                    "raiser_name": "Bench Raiser", "raiser_email": "raiser@example.org",
                    "assigned_operator_id": operators[n % 5].id if n % 3 else None,
                    "clock_started_at": raised if running else None,
                    "support_seconds_used": 0 if running else used,
                    "due_at": calendar.add(raised, budget) if running else None,
                    "updated_at": raised,
                }
            )  # fmt: skip
        session.execute(insert(DataChallenge), rows)
    if not services.db.is_sqlite:
        # A deployment's tables have planner statistics (autovacuum gathers them); ten
        # thousand rows inserted a moment ago have none, and PostgreSQL would plan for a few.
        with services.db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<48} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}")


def core_timings(services: Services, actor: Actor, runs: int) -> None:
    queue = services.challenges.queue
    report("core: open (all open work, by due time)", timed(lambda: queue(actor), runs))
    one_type = QueueFilter(challenge_type=ChallengeType.DUPLICATE_ULN, assignee="unassigned")
    report("core: filter (one type, unassigned)", timed(lambda: queue(actor, one_type), runs))
    for sort in QueueSort:
        report(
            f"core: sort by {sort.value}",
            timed(lambda s=sort: queue(actor, QueueFilter(sort=s)), runs),
        )


async def screen_timings(services: Services, actor: Actor, runs: int) -> None:
    from lrs_tui.app import LrsDeskApp
    from lrs_tui.screens.challenge_queue import ChallengeQueueScreen, QueueTable

    async def redrawn(pilot: object, app: LrsDeskApp, key: str) -> float:
        t = time.perf_counter()
        await pilot.press(key)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        return (time.perf_counter() - t) * 1000

    opened, resorted, filtered = [], [], []
    ChallengeQueueScreen.LIVE = False  # the watcher thread is not what is measured
    for _ in range(runs):
        app = LrsDeskApp(services)
        async with app.run_test(size=(120, 40)) as pilot:
            t = time.perf_counter()
            screen = ChallengeQueueScreen(services, actor)
            app.push_screen(screen)
            while not (found := screen.query(QueueTable)) or not found.first().rows:
                await pilot.pause(0.001)
            opened.append((time.perf_counter() - t) * 1000)
            resorted.append(await redrawn(pilot, app, "s"))
            filtered.append(await redrawn(pilot, app, "m"))  # only mine: a filter
    report("screen: push to a drawn table", opened)
    report("screen: re-sort (s) to a redrawn table", resorted)
    report("screen: filter (m, mine) to a redrawn table", filtered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{folder}/queue-bench.sqlite3"
        db = Database(url)
        db.upgrade()
        now = datetime.now(UTC)
        services = Services(db, load_settings(), lambda: now)
        build(services, args.challenges, now)
        actor = bench_analyst(services)
        print(f"queue of {args.challenges:,} open challenges on {db.display_url}")
        core_timings(services, actor, args.runs)
        asyncio.run(screen_timings(services, actor, max(5, args.runs // 2)))
        db.dispose()


if __name__ == "__main__":
    main()
