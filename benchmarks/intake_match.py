"""Benchmark: validate and match a 200-row intake file against a register of 1,000,000
learners (issue 13, "Speed": <= 5 s on SQLite and PostgreSQL; 200 is the Service Charter's
batch size).

    .venv/bin/python benchmarks/seed.py --learners 1000000 --url URL     # once per database
    .venv/bin/python benchmarks/intake_match.py --url URL [--rows 200] [--rounds 5]

URL is a database the seed filled (its demo operators act); on PostgreSQL the learner tables
are vacuumed once first, as autovacuum soon would after a bulk load (``bench search`` does the
same): until then no index-only scan is possible and matching takes several times as long.
Each round takes ``--rows`` learners from the register, three in four with their ULN (a few
with a slip in the family name) and the rest by personal details only, and times:

- ``match``: the rows checked with the core's rules and matched (``rows.match_rows``: the
  file's ULNs in one query, the demographic search for the rest), in one read-only unit;
- ``open``: what the analyst waits for after typing the passphrase: the AES zip decrypted in
  memory, the sheet read and mapped, every row matched, each learner's look audited, the
  result sealed under the intake key (``IntakeService.open``), on a case received first.

Prints p50 / p95 of each against the 5 s target. Writes intake cases and audit events into
URL: use a benchmark database, never the desk's own.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from lrs_cli.bench.database import settle
from lrs_core.actor import Actor
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.db.models import Learner
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.intake import rows as intake_rows
from lrs_core.intake import samples, sheets
from lrs_core.intake.archives import make_aes_zip
from lrs_core.intake.passphrase import Passphrase
from lrs_core.services import Services
from lrs_core.services.demo_challenges import demo_operator
from lrs_core.services.search import DemographicSearch

TARGET_S = 5.0
PASSPHRASE = "Bench-4827-Lantern!"


def pick_rows(db: Database, n: int, rng: random.Random) -> list[dict[str, str]]:
    """``n`` register learners as a provider's file would hold them."""
    with db.transaction(read_only=True) as session:
        top = session.execute(select(func.max(Learner.id))).scalar_one()
        ids = rng.sample(range(1, top + 1), n * 2)
        learners = (
            session.execute(
                select(Learner).where(Learner.id.in_(ids), Learner.status == LearnerStatus.ACTIVE)
            )
            .scalars()
            .all()
        )[:n]
        rows = []
        for i, learner in enumerate(learners):
            family = learner.family_name
            if i % 20 == 7:
                family = family[:-1] + ("x" if family[-1] != "x" else "y")
            rows.append(
                {
                    "uln": learner.uln if i % 4 else "",
                    "given_name": learner.given_name,
                    "family_name": family,
                    "date_of_birth": learner.date_of_birth.isoformat(),
                    "gender": str(learner.gender),
                    "postcode": learner.postcode,
                }
            )
    return rows


def email_with(rows: list[dict[str, str]], n: int) -> bytes:
    message = EmailMessage()
    message["From"] = samples.SENDER_COMPLIANT
    message["To"] = samples.DESK_ADDRESS
    message["Subject"] = f"Benchmark batch {n}"
    message["Message-ID"] = f"<bench-{n}-{os.getpid()}-{time.time_ns()}@example-college.ac.uk>"
    message.set_content("Learners attached; the passphrase follows by phone.")
    sheet = samples.sheet_csv(rows, samples.LRS_HEADERS)
    archive = make_aes_zip({"learners.csv": sheet}, Passphrase(PASSPHRASE))
    message.add_attachment(archive, maintype="application", subtype="zip", filename="learners.zip")
    return message.as_bytes()


def match_only(services: Services, rows: list[dict[str, str]]) -> float:
    sheet = sheets.read_sheet("learners.csv", samples.sheet_csv(rows, samples.LRS_HEADERS), 1000)
    mapped = intake_rows.sheet_rows(sheet.rows, sheets.map_header(sheet.header))
    search = DemographicSearch(services.settings.search)
    started = time.perf_counter()
    with services.db.transaction(read_only=True) as session:
        results = intake_rows.match_rows(session, mapped, search, services.clock().date())
    elapsed = time.perf_counter() - started
    assert len(results) == len(rows)
    return elapsed


def open_case(services: Services, rows: list[dict[str, str]], n: int) -> float:
    analyst = demo_operator(services.db, "demo-analyst")
    received = services.intake.receive(Actor.system("intake-scan"), email_with(rows, n))
    started = time.perf_counter()
    opened = services.intake.open(analyst, received.row.reference, Passphrase(PASSPHRASE))
    elapsed = time.perf_counter() - started
    assert len(opened.rows.rows) == len(rows)
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> bool:
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    ok = p95 <= TARGET_S
    verdict = "within" if ok else "OVER"
    print(f"  {name:6} p50 {p50:6.2f} s  p95 {p95:6.2f} s  {verdict} {TARGET_S:g} s")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a seeded benchmark database")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db = Database(args.url)
    settle(db)  # PostgreSQL: vacuumed once after the bulk load, as autovacuum soon would
    services = Services(db, load_settings(), lambda: datetime.now(UTC))
    with db.transaction(read_only=True) as session:
        learners = session.execute(select(func.count()).select_from(Learner)).scalar_one()
    print(f"{db.display_url}: {learners:,} learners, {args.rows} rows a file")
    rng = random.Random(args.seed)
    matched, opened = [], []
    for n in range(args.rounds):
        rows = pick_rows(db, args.rows, rng)
        matched.append(match_only(services, rows))
        opened.append(open_case(services, rows, n))
    ok = report("match", matched) & report("open", opened)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
