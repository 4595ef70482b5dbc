"""Benchmark: decrypt and read a 10,000-row AES zip in memory (issue 13, "Speed": <= 2 s).

    .venv/bin/python benchmarks/intake_decrypt.py [--rows 10000] [--rounds 20]

Makes the files once (synthetic rows, intake/samples.py): an AES-256 zip holding an .xlsx (a
ULN as a number, dates of birth as dates, the LRS batch headers), one holding a UTF-8 .csv,
and for comparison an .xlsx encrypted with a password to open it. Each round is what the
intake does once the passphrase is typed: unlock in memory under the default limits (every
member read through, the .xlsx's parts held to the limits) and read the sheet to text, then
map its header. Prints p50 / p95 for each against the 2 s target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrs_core.intake.archives import Limits, make_aes_zip, unlock
from lrs_core.intake.passphrase import Passphrase
from lrs_core.intake.samples import (
    LRS_HEADERS,
    VARIANT_HEADERS,
    encrypt_xlsx,
    sample_rows,
    sheet_csv,
    sheet_xlsx,
)
from lrs_core.intake.sheets import map_header, sheets_in

TARGET_MS = 2000.0
PASSPHRASE = Passphrase("Harbour-4827-Lantern!")


def opener(filename: str, content: bytes, rows: int) -> Callable[[], int]:
    limits = Limits()

    def run() -> int:
        members = unlock(filename, content, PASSPHRASE, limits)
        (sheet,) = sheets_in(filename, [(m.name, m.content) for m in members], 50_000, limits)
        mapping = map_header(sheet.header)
        assert len(sheet.rows) == rows and len(mapping) == 6, (len(sheet.rows), mapping)
        return len(sheet.rows)

    return run


def percentile(ms: list[float], share: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(name: str, ms: list[float], *, target: bool = True) -> bool:
    p95 = percentile(ms, 0.95)
    ok = p95 <= TARGET_MS
    verdict = ("within" if ok else "OVER") + f" the {TARGET_MS:.0f} ms target"
    print(
        f"{name:<42} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}"
        f"   ({verdict if target else 'for comparison'})"
    )
    return ok or not target


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rows = sample_rows(args.rows, seed=2026)
    made = time.perf_counter()
    book = sheet_xlsx(rows, LRS_HEADERS)
    text = sheet_csv(rows, VARIANT_HEADERS)
    # (what, file name, the file, held to the target)
    files = [
        ("AES zip, .xlsx inside", "learners.zip", make_aes_zip({"l.xlsx": book}, PASSPHRASE), True),
        ("AES zip, .csv inside", "learners.zip", make_aes_zip({"l.csv": text}, PASSPHRASE), True),
        ("encrypted .xlsx (Office password)", "l.xlsx", encrypt_xlsx(book, PASSPHRASE), False),
    ]
    print(
        f"{args.rows:,} rows; files made in {time.perf_counter() - made:.1f} s"
        f" (.xlsx {len(book) / 1024:,.0f} KB, .csv {len(text) / 1024:,.0f} KB)"
    )
    ok = True
    for name, filename, content, target in files:
        run = opener(filename, content, args.rows)
        run()  # warm up: the libraries' first use is not what is measured
        ms: list[float] = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            run()
            ms.append((time.perf_counter() - started) * 1000)
        ok = report(f"{name} ({len(content) / 1024:,.0f} KB)", ms, target=target) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
