"""How long a refused sign-in takes, per reason: the target is medians within 10% of each
other, so the time says nothing about whether a username exists or its account's state
(issue 9 item 7).

    .venv/bin/python benchmarks/sign_in.py --rounds 30
    .venv/bin/python benchmarks/sign_in.py --database-url postgresql+psycopg://...  # empty db

Each round tries every kind once, in a shuffled order, through the core's sign-in (the
same call the app and the CLI make). Failure counts are put back between rounds, outside
the timing, so no account locks. Prints the median and p90 per kind, and the spread of
the medians ((slowest - fastest) / fastest).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from lrs_core import second_factor
from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.models import Operator
from lrs_core.db.types import utcnow
from lrs_core.errors import AuthenticationFailed
from lrs_core.services import Services

PASSWORD = "Bench-Sign-In-7431"
SECRET = "BENCHMARKSECRETONLYFORTIMING2345"


def _operator(services: Services, name: str, role: str, by: Actor | None) -> Actor:
    """An operator with their own password; with no ``by``, the database's first admin."""
    if by is None:
        otp = services.operators.bootstrap_admin(name).one_time_password
    else:
        otp = services.operators.add(by, name, role).one_time_password
    actor = services.operators.sign_in(name, otp).actor
    services.operators.change_password(actor, otp, PASSWORD)
    if role == "admin":
        code = second_factor.code_at(SECRET, services.clock())
        services.operators.confirm_enrolment(actor, SECRET, code)
    return actor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", help="an empty, migrated database (default: temp SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        db.upgrade()
        services = Services(db, load_settings())
        admin = _operator(services, "bench.admin", "admin", None)
        for name in ("bench.agent", "bench.locked", "bench.suspended"):
            _operator(services, name, "agent", admin)
        with db.transaction() as session:
            session.execute(
                update(Operator)
                .where(Operator.username == "bench.locked")
                .values(status="locked", locked_until=utcnow() + timedelta(days=1))
            )
            session.execute(
                update(Operator)
                .where(Operator.username == "bench.suspended")
                .values(status="suspended")
            )

        kinds: dict[str, tuple[str, str, Callable[[], str | None]]] = {
            "unknown username": ("bench.nobody", PASSWORD, lambda: None),
            "wrong password": ("bench.agent", "Wrong-Password-1", lambda: None),
            "locked (right password)": ("bench.locked", PASSWORD, lambda: None),
            "suspended (right password)": ("bench.suspended", PASSWORD, lambda: None),
            "admin, wrong code": ("bench.admin", PASSWORD, lambda: "000000"),
        }
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        order = list(kinds)
        rng = random.Random(7)
        for _ in range(args.rounds + 2):  # the first two rounds warm up and are dropped
            rng.shuffle(order)
            for kind in order:
                username, password, code = kinds[kind]
                started = time.perf_counter()
                try:
                    services.operators.sign_in(username, password, code())
                except AuthenticationFailed:
                    pass
                else:
                    sys.exit(f"{kind}: signed in, which it must not")
                times[kind].append(time.perf_counter() - started)
            with db.transaction() as session:  # no lock from the benchmark's own failures
                session.execute(
                    update(Operator)
                    .where(Operator.username.in_(["bench.agent", "bench.admin"]))
                    .values(failed_attempts=0)
                )
        db.dispose()

    medians = {}
    backend = url.split(":")[0]
    print(f"{'failure':<28} {'median ms':>10} {'p90 ms':>8}   ({args.rounds} rounds, {backend})")
    for kind, samples in times.items():
        kept = sorted(samples[2:])
        medians[kind] = statistics.median(kept)
        p90 = kept[int(0.9 * (len(kept) - 1))]
        print(f"{kind:<28} {medians[kind] * 1000:>10.1f} {p90 * 1000:>8.1f}")
    fastest, slowest = min(medians.values()), max(medians.values())
    spread = (slowest - fastest) / fastest
    print(f"spread of the medians: {spread:.1%} (target: within 10%)")


if __name__ == "__main__":
    main()
