"""Time the demo seed: ``python benchmarks/seed.py --learners 1000000 --seed 1 --url URL``.

Creates or migrates the database at URL, seeds it, and prints learners/s, the total seconds,
the peak resident memory and (for SQLite) the database file's size. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrs_core.db.database import Database
from lrs_core.services.demo import seed_demo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default="sqlite:////tmp/bench.sqlite3")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()

    db = Database(args.url)
    db.upgrade()
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if not args.quiet and (done == total or done % 100_000 == 0):
            print(f"  {done:>9,} / {total:,}  ({now - last[0]:.1f} s since last)", flush=True)
            last[0] = now

    started = time.perf_counter()
    summary = seed_demo(db, learners=args.learners, seed=args.seed, progress=progress)
    seconds = time.perf_counter() - started
    db.dispose()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = summary.learners + summary.events
    print(f"database:        {db.display_url}")
    print(
        f"seeded:          {summary.learners:,} learners ({summary.linked_learners:,} linked), "
        f"{summary.events:,} events, {summary.organisations} organisations, "
        f"{summary.portal_users} portal users, {summary.operators} operators"
    )
    print(f"total seconds:   {seconds:.1f}")
    print(f"learners/s:      {summary.learners / seconds:,.0f}")
    print(f"rows/s:          {rows / seconds:,.0f} (learners + events)")
    print(f"peak RSS:        {peak_mib:,.0f} MiB")
    if db.is_sqlite and db.url.database:
        size = sum(
            os.path.getsize(p)
            for p in (db.url.database, db.url.database + "-wal")
            if os.path.exists(p)
        )
        print(f"SQLite size:     {size / 2**20:,.0f} MiB (with any WAL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
