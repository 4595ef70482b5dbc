"""The benchmark database of `lrs-desk bench search`: never the operators' own (the demo data
publishes its operators' passwords), seeded with the synthetic demo data once and reused while
it holds enough learners from the same seed; the demo agent the searches are made as.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lrs_core.actor import Actor
    from lrs_core.db.database import Database

BENCH_FILE = "bench-search.sqlite3"


def same_database(a: Database, b_url: str) -> bool:
    from lrs_core.db.database import parse_url

    b = parse_url(b_url)
    if a.is_sqlite and b.get_backend_name() == "sqlite":
        return bool(a.url.database and b.database) and (
            Path(str(a.url.database)).resolve() == Path(str(b.database)).resolve()
        )
    keep = ("drivername", "host", "port", "database")
    return all(getattr(a.url, k) == getattr(b, k) for k in keep)


def learners_seeded(db: Database) -> tuple[int, dict[int, int]]:
    """Learners stored, and how many each demo seed added (from its audit event)."""
    from sqlalchemy import func, select

    from lrs_core.db.models import AuditEvent, Learner

    with db.transaction(read_only=True) as session:
        total = session.execute(select(func.count()).select_from(Learner)).scalar_one()
        by_seed: dict[int, int] = {}
        for detail in session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "demo-seed")
        ).scalars():
            seeded = json.loads(detail)
            seed = int(seeded.get("seed", -1))
            by_seed[seed] = by_seed.get(seed, 0) + int(seeded.get("learners", 0))
    return int(total), by_seed


def empty_database(db: Database) -> None:
    """Drop every table (SQLite: delete the file), ready to migrate again."""
    from sqlalchemy import text

    from lrs_core.db.models import Base

    if db.is_sqlite:
        db.dispose()
        base = str(db.url.database)
        for suffix in ("", "-wal", "-shm"):
            Path(base + suffix).unlink(missing_ok=True)
        return
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.dispose()


def prepare_database(db: Database, learners: int, seed: int, fresh: bool) -> tuple[bool, float]:
    """Migrate, then seed unless ``learners`` from ``seed`` are there already. Returns
    whether it seeded and how long that took."""
    from lrs_core.errors import ConfigurationError
    from lrs_core.services.demo import seed_demo

    db.upgrade()
    total, by_seed = learners_seeded(db)
    if fresh and total:
        if total > sum(by_seed.values()):
            raise ConfigurationError(
                f"refusing to empty {db.display_url}: it holds learners that no demo seed made"
            )
        empty_database(db)
        db.upgrade()
        total, by_seed = 0, {}
    if by_seed.get(seed, 0) >= learners:
        return False, 0.0
    if total:
        raise ConfigurationError(
            f"{db.display_url} holds {total:,} learners, but only {by_seed.get(seed, 0):,}"
            f" from seed {seed}: use --fresh to seed it again, or another --url"
        )

    def progress(done: int, of: int) -> None:
        if done == of or done % 100_000 == 0:
            print(f"  seeded {done:,} / {of:,}", file=sys.stderr, flush=True)

    print(f"seeding {learners:,} learners (seed {seed}) into {db.display_url} ...", file=sys.stderr)
    summary = seed_demo(db, learners=learners, seed=seed, progress=progress)
    return True, summary.seconds


def settle(db: Database) -> bool:
    """PostgreSQL: VACUUM (ANALYZE) the learner tables when they have never been vacuumed,
    as autovacuum soon would after a bulk load. Until then no index-only scan is possible
    (no visibility map), which a long-running register never sees. Returns whether it did."""
    from sqlalchemy import text

    if db.is_sqlite:
        return False
    tables = ("learner", "learner_previous_value")
    with db.engine.connect() as connection:
        never = connection.execute(
            text(
                "SELECT coalesce(bool_or(greatest(last_vacuum, last_autovacuum) IS NULL), true)"
                " FROM pg_stat_user_tables WHERE relname IN ('learner', 'learner_previous_value')"
            )
        ).scalar()
    if not never:
        return False
    print("vacuuming the learner tables (as autovacuum would) ...", file=sys.stderr)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {', '.join(tables)}"))
    return True


def load_average() -> float:
    """The 1-minute load average (other work on the machine slows every query)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def search_operator(db: Database) -> Actor:
    """The demo agent (the least-privileged role that may search): the searches are made,
    and audited, as a desk operator, as every search is."""
    from sqlalchemy import select

    from lrs_core.actor import Actor
    from lrs_core.db.models import Operator
    from lrs_core.domain.kinds import AccountStatus
    from lrs_core.errors import ConfigurationError

    with db.transaction(read_only=True) as session:
        op = session.execute(select(Operator).where(Operator.username == "demo-agent")).scalar()
        if op is not None and op.status is AccountStatus.ACTIVE and not op.must_change_password:
            return Actor(op.username, op.role, op.display_name, op.id)
    raise ConfigurationError(
        f"{db.display_url} has no usable demo-agent to search as: use --fresh to seed it again"
    )
