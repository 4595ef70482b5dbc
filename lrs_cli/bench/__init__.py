"""`lrs-desk bench search`: speed and recall of find by ULN and find by personal details.

It seeds a benchmark database with the synthetic demo data (or reuses one that already holds
enough learners from the same seed), then asks the real services, as a desk operator, for
real active learners: by ULN, and by personal details with one, two or three errors an
operator meets put into what is typed (``error_kinds``); and, by personal details, for persons
who are not in the register at all. It prints p50/p95/p99 latency, the share of searches that
found the true learner at the top and in the top 10 per error kind (so a miss can be traced
to its cause), and the share of searches for someone not in the register that showed a wrong
candidate (``report``).

Never the operator's own database: the demo data creates operators with published passwords.
Everything random comes from one ``random.Random(--seed)``, so a run can be repeated.

The package: ``error_kinds`` (the error model, pure), ``queries`` (queries from the benchmark
database's learners), ``runner`` (the searches, timed), ``report`` (the figures),
``database`` (the benchmark database). ``main.py`` registers the command with
``add_bench_commands``; nothing here imports ``main``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from typing import Any

from lrs_cli.bench.database import (
    BENCH_FILE,
    learners_seeded,
    load_average,
    prepare_database,
    same_database,
    search_operator,
    settle,
)
from lrs_cli.bench.error_kinds import ABSENT_KINDS, ERROR_KINDS
from lrs_cli.bench.queries import Pools, build_absent, build_queries
from lrs_cli.bench.report import percentile, print_report, summarise
from lrs_cli.bench.runner import run_absent, run_queries
from lrs_cli.command import Add, Context, count

__all__ = ["ABSENT_KINDS", "ERROR_KINDS", "add_bench_commands", "percentile", "prepare_database"]


def add_bench_commands(commands: Any, add: Add) -> None:
    """Add `bench search` to the `lrs-desk` parser (``add`` is build_parser's helper)."""
    bench = commands.add_parser(
        "bench", help="measure search speed and recall on synthetic data"
    ).add_subparsers(dest="bench_command", metavar="ACTION", required=True)
    search = add(
        bench,
        "search",
        cmd_bench_search,
        "time find by ULN and find by personal details (with one, two or three errors in each"
        " query, and for persons not in the register) on a seeded benchmark database; print"
        " p50/p95/p99 latency, recall per error kind and the wrong-candidate rate",
    )
    number = count(1, thousands=True)
    search.add_argument(
        "--learners", type=number, default=50_000, help="learners to seed (default 50,000)"
    )
    search.add_argument(
        "--queries",
        type=number,
        default=2000,
        help="queries of registered learners to time (default 2,000)",
    )
    search.add_argument(
        "--absent",
        type=count(0, thousands=True),
        default=500,
        metavar="N",
        help="queries of persons not in the register, for the wrong-candidate rate (default 500)",
    )
    search.add_argument(
        "--seed", type=count(0, thousands=True), default=1, help="random seed (default 1)"
    )
    search.add_argument(
        "--url",
        help=f"benchmark database (default: {BENCH_FILE} in the data directory); never the"
        " configured database",
    )
    search.add_argument(
        "--warmup",
        type=count(0, thousands=True),
        default=50,
        help="untimed queries first, to warm caches (default 50)",
    )
    search.add_argument(
        "--fresh",
        action="store_true",
        help="empty the benchmark database first (only when it holds nothing but demo data)",
    )
    search.add_argument(
        "--show-misses",
        type=count(0, thousands=True),
        default=0,
        metavar="N",
        help="print up to N queries whose learner was not in the top 10, up to N persons"
        " not in the register who were shown a candidate, and the N slowest queries",
    )
    search.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_bench_search(ctx: Context, args: argparse.Namespace) -> int:
    from lrs_core.config import data_dir, default_sqlite_url
    from lrs_core.db.database import Database
    from lrs_core.errors import ConfigurationError
    from lrs_core.services import Services
    from lrs_core.services.search import SearchResult

    url = args.url or f"sqlite:///{data_dir() / BENCH_FILE}"
    db = Database(url)
    for other in {ctx.settings.database_url, default_sqlite_url()}:
        if same_database(db, other):
            raise ConfigurationError(
                f"refusing to benchmark {db.display_url}: it is the operators' database"
                " (the demo data publishes its operators' passwords); give another --url"
            )
    try:
        seeded, seed_seconds = prepare_database(db, args.learners, args.seed, args.fresh)
        vacuumed = settle(db)
        total, _ = learners_seeded(db)
        rng = random.Random(args.seed)
        pools = Pools(db)
        queries = build_queries(db, args.queries + args.warmup, rng, pools)
        # Warm-up queries first (untimed in the report), then the timed ones.
        queries = queries[args.queries :] + queries[: args.queries]
        absent = build_absent(db, args.absent, rng, pools)
        actor = search_operator(db)
        services = Services(db, ctx.settings)
        load_before = load_average()
        outcomes = run_queries(services, actor, queries, args.warmup)
        absent_outcomes = run_absent(services, actor, absent)
        load_after = load_average()
    finally:
        db.dispose()
    report: dict[str, Any] = {
        "database": db.display_url,
        "backend": db.url.get_backend_name(),
        "learners": total,
        "seed": args.seed,
        "seeded_now": seeded,
        "seed_seconds": round(seed_seconds, 1),
        "database_note": (
            f"seeded now in {seed_seconds:.0f} s" if seeded else "reused the seeded database"
        )
        + ("; vacuumed" if vacuumed else ""),
        "vacuumed": vacuumed,
        "cpus": os.cpu_count(),
        "load_average": [load_before, load_after],
        "queries": len(outcomes),
        "warmup": args.warmup,
        "actor": actor.username,
        **summarise(
            outcomes,
            args.show_misses,
            absent_outcomes,
            weaker_band="weaker" in getattr(SearchResult, "__dataclass_fields__", {}),
        ),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=True))
    else:
        print_report(report)
    return 0
