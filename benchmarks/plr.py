"""Benchmark: open, sort and show a PLR of 2,000 events (issue: "a learner with 2,000 events
must open, sort and scroll without a visible stall").

    .venv/bin/python benchmarks/plr.py [--events 2000] [--runs 20] [--url URL]

Measures, on a fresh database (SQLite file by default, or --url for PostgreSQL):
* the core: PlrService.open (desk view, audited) and sort_events on every column, both ways;
* the screen: PlrScreen in a headless 100x30 app, from push to a full table, and one sort
  (a key press) to a redrawn table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.models import Learner, LearningEvent
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.plr import COLUMNS, sort_events
from lrs_core.services import Services

ULN = "9276308686"
REASON = "benchmark of a large PLR"


def bench_operator(services: Services) -> Actor:
    """The first admin of the benchmark's own database (the bootstrap), signed in: every
    look at a PLR is a signed-in operator's."""
    otp = services.operators.bootstrap_admin("bench.admin").one_time_password
    actor = services.operators.sign_in("bench.admin", otp).actor
    services.operators.change_password(actor, otp, "Bench-Desk-2026")
    return actor


def build(services: Services, events: int) -> None:
    with services.db.transaction() as session:
        person = Learner(
            uln=ULN, given_name="Bench", family_name="Mark", postcode="M1 1AA",
            date_of_birth=date(1980, 1, 2), gender=9, ability_to_share=1, verification_type=0,
            status=LearnerStatus.ACTIVE, created_by="benchmark",
        )  # fmt: skip
        session.add(person)
        session.flush()
        start = date(2009, 9, 1)
        session.add_all(
            LearningEvent(
                learner_id=person.id,
                subject=f"Unit {n:04d} of a long programme",
                source=("ILR", "AO", "NPD")[n % 3],
                level=("Entry", "1", "2", "3", None)[n % 5],
                grade=("Pass", "Merit", None, "A", "7")[n % 5],
                credits=n % 20 or None,
                participation_start_date=start + timedelta(days=n * 2),
                award_date=start + timedelta(days=n * 2 + 90) if n % 4 else None,
                date_loaded=start + timedelta(days=n * 2 + 100),
                sensitive=n % 97 == 0,
            )
            for n in range(events)
        )


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
    print(f"{name:<44} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}")


async def screen_timings(services: Services, actor: Actor, runs: int) -> None:
    from lrs_tui.app import LrsDeskApp
    from lrs_tui.screens.plr import PlrScreen
    from lrs_tui.widgets.row_table import RowTable

    opened, sorted_, moved = [], [], []
    for _ in range(runs):
        app = LrsDeskApp(services)
        async with app.run_test(size=(100, 30)) as pilot:
            t = time.perf_counter()
            screen = PlrScreen(services.plr, actor, ULN)
            screen._reason = REASON  # given up front: the prompt is not what is measured
            app.push_screen(screen)
            while not (found := screen.query(RowTable)) or not found.first().rows:
                await pilot.pause(0.001)
            opened.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await pilot.press("s")
            await pilot.pause()
            sorted_.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await pilot.press("pagedown")
            await pilot.pause()
            moved.append((time.perf_counter() - t) * 1000)
    report("screen: push to a full table", opened)
    report("screen: one sort key press to redrawn table", sorted_)
    report("screen: page down (any key press, for scale)", moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{folder}/plr-bench.sqlite3"
        db = Database(url)
        db.upgrade()
        services = Services(db, load_settings())
        build(services, args.events)
        actor = bench_operator(services)
        print(f"PLR of {args.events} events on {db.display_url}")
        plr = services.plr.open(actor, ULN, reason=REASON)
        report("core: open (desk view, audited)", timed(
            lambda: services.plr.open(actor, ULN, reason=REASON), args.runs))  # fmt: skip
        sorts = [
            ms
            for key, _ in COLUMNS
            for descending in (False, True)
            for ms in timed(lambda k=key, d=descending: sort_events(plr.events, k, d), args.runs)
        ]
        report("core: sort all events by one column", sorts)
        asyncio.run(screen_timings(services, actor, max(3, args.runs // 4)))
        db.dispose()


if __name__ == "__main__":
    main()
