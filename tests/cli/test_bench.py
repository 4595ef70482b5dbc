"""`lrs-desk bench search`: seeds (or reuses) a benchmark database, asks the real services
for learners with Appendix B errors typed in, and reports latency percentiles and recall.
Only the report's shape is checked here, never timings (speed targets live in benchmarks)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from lrs_cli.bench import ERROR_KINDS, add_bench_commands, percentile
from lrs_cli.main import EXIT_ERROR, Context, build_parser, main
from lrs_core.errors import LrsError

TINY = ["--learners", "300", "--queries", "40", "--warmup", "4", "--seed", "3"]


def _wired() -> bool:
    """Whether lrs_cli.main already has the `bench` command."""
    parser = build_parser()
    return any(
        isinstance(action, argparse._SubParsersAction) and "bench" in action.choices
        for action in parser._actions
    )


def run_bench(argv: Sequence[str]) -> int:
    """`lrs-desk ARGV`: through main() once `bench` is wired into it, else through a parser
    built the way main's build_parser() adds commands, with main's error handling."""
    if _wired():
        return main(list(argv))
    parser = argparse.ArgumentParser(prog="lrs-desk")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Callable[[Context, argparse.Namespace], int],
        help_text: str,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add_bench_commands(commands, add)
    args = parser.parse_args(list(argv))
    try:
        return int(args.handler(Context(), args))
    except LrsError as exc:
        print(f"lrs-desk: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


@pytest.fixture
def bench_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_the_report_names_the_percentiles_and_the_recall(bench_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_bench(["bench", "search", *TINY, "--url", bench_url]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "seeding 300 learners" in captured.err
    for words in ("p50 ms", "p95 ms", "p99 ms", "top 10", "top 1", "load average"):
        assert words in out
    for row in ("find by ULN", "find by personal details", "one error", "two errors"):
        assert row in out
    for kind in ERROR_KINDS:  # recall per kind of error, to trace a miss to its cause
        assert kind.name in out
    assert "40 queries" in out

    # The same learners from the same seed: the database is reused, not seeded again.
    assert run_bench(["bench", "search", *TINY, "--url", bench_url]) == 0
    captured = capsys.readouterr()
    assert "reused the seeded database" in captured.out
    assert "seeding" not in captured.err


def test_json_report(bench_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_bench(["bench", "search", *TINY, "--url", bench_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["learners"] == 300 and report["queries"] == 40
    latency = report["latency_ms"]
    for name in (
        "find_by_uln",
        "find_by_details",
        "find_by_details_one_error",
        "find_by_details_two_errors",
    ):
        assert set(latency[name]) >= {"n", "p50", "p95", "p99"}
    assert latency["find_by_details_one_error"]["n"] == 20
    recall = report["recall"]
    for part in ("all", "one_error", "two_errors"):
        assert set(recall[part]) == {"n", "top10", "top1"}
        assert 0 <= recall[part]["top1"] <= recall[part]["top10"] <= 100
    assert set(recall["by_kind"]) == {kind.name for kind in ERROR_KINDS}
    assert report["find_by_uln_found"] == 100.0  # the ULN with its own names always finds


def test_a_database_seeded_otherwise_needs_fresh(bench_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    small = ["--queries", "10", "--warmup", "0", "--url", bench_url]
    assert run_bench(["bench", "search", "--learners", "200", "--seed", "1", *small]) == 0
    capsys.readouterr()
    assert run_bench(["bench", "search", "--learners", "200", "--seed", "2", *small]) == EXIT_ERROR
    assert "use --fresh" in capsys.readouterr().err
    fresh = ["bench", "search", "--learners", "200", "--seed", "2", "--fresh", *small]
    assert run_bench(fresh) == 0


def test_never_the_operators_database(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    monkeypatch.setenv("LRS_DATABASE_URL", url)
    assert run_bench(["bench", "search", *TINY, "--url", url]) == EXIT_ERROR
    assert "operators' database" in capsys.readouterr().err
    assert not (tmp_path / "desk.sqlite3").exists()


def test_nearest_rank_percentiles() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50, 95, 99)
    assert percentile([], 95) == 0.0
