"""`lrs-desk bench search`: seeds (or reuses) a benchmark database, asks the real services
for learners with Appendix B errors typed in, and reports latency percentiles and recall.
Only the report's shape is checked here, never timings (speed targets live in benchmarks)."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jellyfish
import pytest
from factories import BACKENDS, scratch_postgres
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_cli.bench import ERROR_KINDS, add_bench_commands, percentile
from lrs_cli.bench.error_kinds import (
    ABSENT_KINDS,
    DEFAULT_POSTCODE,
    FEMALE,
    ErrorKind,
    Source,
    Typed,
    apply_all,
    combinations,
    moved_postcode,
    typed_as_stored,
)
from lrs_cli.bench.queries import AbsentQuery, Query, errors_in
from lrs_cli.bench.report import print_report, summarise
from lrs_cli.bench.runner import AbsentOutcome, Outcome, run_absent, run_queries
from lrs_cli.main import EXIT_ERROR, Context, build_parser, main
from lrs_core import demo_data as dd
from lrs_core.domain.names import name_key
from lrs_core.domain.values import (
    UNKNOWN_POSTCODE,
    Gender,
    OutcomeCode,
    age_on,
    validate_postcode,
)
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


@pytest.fixture(params=BACKENDS)
def bench_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A benchmark database on each backend (PostgreSQL when LRS_TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    with scratch_postgres() as url:
        yield url


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


# --- The error model (DOMAIN.md "Learners and ULNs": Appendix B, and issue 10's harder slips) ---

GIVEN = dd.MALE_GIVEN + dd.FEMALE_GIVEN + dd.MALE_GIVEN_ACCENTED
FAMILIES = (
    dd.FAMILY + dd.MC_MAC + dd.APOSTROPHE + dd.PREFIXED + dd.ACCENTED_FAMILY
    + tuple(f"{a}-{b}" for a, b in zip(dd.BARREL_FIRST, dd.FAMILY, strict=False))
)  # fmt: skip
POSTCODES = st.builds(
    lambda seed: moved_postcode("", random.Random(seed)), st.integers(0, 2**32)
) | st.just(DEFAULT_POSTCODE)
sources = st.builds(
    Source,
    id=st.just(7),
    uln=st.just("1000000043"),
    given=st.sampled_from(GIVEN),
    family=st.sampled_from(FAMILIES),
    middle=st.sampled_from(("", "Amy", "James Paul", "Rhys")),
    preferred=st.sampled_from(("", "Kit", "Ali")),
    dob=st.dates(date(1916, 1, 1), date(2013, 12, 31)),
    gender=st.sampled_from((0, 1, 2, 9)),
    postcode=POSTCODES,
    truth=st.just(7),
    previous_family=st.lists(st.sampled_from(FAMILIES), max_size=2),
    previous_postcode=st.lists(POSTCODES, max_size=2),
)
KIND = {kind.name: kind for kind in ERROR_KINDS}
FIELDS = ("given", "family", "dob", "postcode")
PROPERTY = settings(max_examples=300, deadline=None)


def changed(source: Source, typed: Typed) -> set[str]:
    stored = typed_as_stored(source)
    assert typed.gender == source.gender  # no error kind changes the gender
    return {f for f in FIELDS if getattr(typed, f) != getattr(stored, f)}


@PROPERTY
@given(source=sources, seed=st.integers(0, 2**32), kind=st.sampled_from(ERROR_KINDS))
def test_each_error_kind_changes_only_its_own_fields(source: Source, seed: int, kind) -> None:  # type: ignore[no-untyped-def]
    typed = apply_all(source, (kind,), random.Random(seed))
    if typed is not None:
        assert changed(source, typed) and changed(source, typed) <= kind.fields


def _within_a_typo(typed: str, meant: str) -> bool:
    return typed != meant and 1 <= jellyfish.damerau_levenshtein_distance(typed, meant) <= 2


@PROPERTY
@given(source=sources, seed=st.integers(0, 2**32))
def test_names_swapped_one_mistyped(source: Source, seed: int) -> None:
    typed = apply_all(source, (KIND["names swapped, one mistyped"],), random.Random(seed))
    if name_key(source.given) == name_key(source.family):
        assert typed is None
        return
    assert typed is not None
    # Each typed name is the learner's other name: one exactly, the other with one slip.
    assert (typed.given == source.family and _within_a_typo(typed.family, source.given)) or (
        typed.family == source.given and _within_a_typo(typed.given, source.family)
    )
    assert typed.given.replace("-", "").replace(" ", "").replace("'", "").isalpha()


@PROPERTY
@given(source=sources, seed=st.integers(0, 2**32))
def test_one_name_in_both_fields(source: Source, seed: int) -> None:
    typed = apply_all(source, (KIND["one name in both fields"],), random.Random(seed))
    if name_key(source.given) == name_key(source.family):
        assert typed is None
        return
    assert typed is not None
    # One field keeps its own name; the other holds that name too, so one name is lost.
    assert typed.given == typed.family and typed.given in (source.given, source.family)
    assert (typed.dob, typed.postcode) == (source.dob, source.postcode)


def test_one_name_in_both_fields_goes_either_way() -> None:
    source = Source(1, "1000000043", "Kyra", "George", "", "", date(2000, 5, 6), 2, "LS6 1AB", 1)
    kind = KIND["one name in both fields"]
    seen = set()
    for seed in range(40):
        typed = apply_all(source, (kind,), random.Random(seed))
        assert typed is not None
        seen.add((typed.given, typed.family))
    assert seen == {("Kyra", "Kyra"), ("George", "George")}


@PROPERTY
@given(source=sources, seed=st.integers(0, 2**32))
def test_married_and_moved(source: Source, seed: int) -> None:
    typed = apply_all(source, (KIND["married, moved: family + postcode"],), random.Random(seed))
    adult_woman = source.gender == Gender.FEMALE and age_on(source.dob, date.today()) >= 18
    assert (typed is not None) == adult_woman
    if typed is None:
        return
    # A family name she has never had, a postcode she has not lived at; the rest is right.
    had = {name_key(n) for n in (source.family, *source.previous_family)}
    assert name_key(typed.family) not in had
    assert typed.postcode != source.postcode
    assert validate_postcode(typed.postcode) == typed.postcode != DEFAULT_POSTCODE
    assert changed(source, typed) == {"family", "postcode"}


def test_three_errors_at_once_touch_three_separate_fields() -> None:
    triples = combinations(3)
    assert triples
    for group in triples:
        fields = [f for kind in group for f in kind.fields]
        assert len(group) == 3 and len(fields) == len(set(fields))
    # The hard case of issue 10 (surname replaced, postcode moved) with one more slip.
    married = KIND["married, moved: family + postcode"]
    assert any(married in group for group in triples)
    # Every kind can be in a two-error query.
    assert {kind for pair in combinations(2) for kind in pair} == set(ERROR_KINDS)


@PROPERTY
@given(source=sources, seed=st.integers(0, 2**32), data=st.data())
def test_a_three_error_query_carries_all_three(source: Source, seed: int, data) -> None:  # type: ignore[no-untyped-def]
    group = data.draw(st.sampled_from(combinations(3)))
    typed = apply_all(source, group, random.Random(seed))
    if typed is not None:
        touched = changed(source, typed)
        for kind in group:
            assert touched & kind.fields


def test_half_the_queries_carry_one_error_a_quarter_two_and_a_quarter_three() -> None:
    errors = [errors_in(i) for i in range(400)]
    assert (errors.count(1), errors.count(2), errors.count(3)) == (200, 100, 100)


@PROPERTY
@given(people=st.lists(sources, min_size=4, max_size=4))
def test_persons_not_in_the_register_are_made_from_registered_fields(people) -> None:  # type: ignore[no-untyped-def]
    stranger, sibling = ABSENT_KINDS
    a, b, c, d = people
    assert stranger.make(people) == Typed(a.given, b.family, c.dob, a.gender, d.postcode)
    typed = sibling.make(people[:3])
    if name_key(b.given) == name_key(a.given) or c.dob == a.dob:
        assert typed is None  # that would be the registered learner, not a sibling
    else:
        assert typed == Typed(b.given, a.family, c.dob, b.gender, a.postcode)


def test_the_model_names_the_core_codes() -> None:
    assert DEFAULT_POSTCODE == UNKNOWN_POSTCODE and FEMALE == Gender.FEMALE


# --- The report's arithmetic ---------------------------------------------------------------------

SOMEONE = Source(1, "1000000043", "Kyra", "George", "", "", date(2000, 5, 6), 2, "LS6 1AB", 1)
TYPED = typed_as_stored(SOMEONE)


def outcome(
    kinds: Sequence[ErrorKind],
    rank: int | None,
    weaker_rank: int | None = None,
    score: float | None = None,
) -> Outcome:
    return Outcome(
        Query(SOMEONE, tuple(kinds), TYPED),
        uln_ms=1.0,
        uln_ok=True,
        details_ms=2.0,
        rank=rank,
        outcome="WSRC0003",
        widened=False,
        shown=0 if rank is None else rank,
        weaker_rank=weaker_rank,
        weaker_shown=0 if weaker_rank is None else 1,
        score=score if score is not None else None if rank is None else 0.9,
    )


def absent(shown: int, weaker: int = 0, kind: int = 0, best: float | None = None) -> AbsentOutcome:
    first = {"band": "plausible", "uln": "1000000043", "given": "Kyra", "family": "George",
             "dob": "2000-05-06", "gender": 2, "postcode": "LS6 1AB", "score": 0.7}  # fmt: skip
    return AbsentOutcome(
        AbsentQuery(ABSENT_KINDS[kind], TYPED),
        details_ms=3.0,
        outcome="WSRC0003" if shown else "WSRC0001",
        shown=shown,
        weaker_shown=weaker,
        first=first if shown or weaker else None,
        best_score=best if best is not None else 0.7 if shown else None,
    )


def full_report(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "database": "sqlite:///bench", "learners": 1000, "seed": 1, "queries": 8, "warmup": 0,
        "actor": "demo-agent", "database_note": "reused", "load_average": [0.1, 0.2], "cpus": 2,
        **summary,
    }  # fmt: skip


def test_recall_and_the_weaker_band_per_kind_and_per_number_of_errors() -> None:
    a, b, c = combinations(3)[0]
    outcomes = [
        outcome([a], 1),
        outcome([a], 3),
        outcome([a], None, weaker_rank=1),
        outcome([a], None),
        outcome([a, b, c], 1),
        outcome([a, b, c], None, weaker_rank=2),
        outcome([b, c], 11),  # shown 11th: not in the top 10
        outcome([b, c], 2),
    ]
    report = summarise(outcomes, misses=10, weaker_band=True)
    kind = report["recall"]["by_kind"][a.name]
    assert kind["one_error"] == {"n": 4, "top10": 50.0, "top1": 25.0}
    assert kind["two_errors"] == {"n": 0, "top10": 0.0, "top1": 0.0}
    assert kind["three_errors"] == {"n": 2, "top10": 50.0, "top1": 50.0}
    assert kind["in_weaker_band"] == {
        "all": round(100 * 2 / 6, 2), "one_error": 25.0, "two_errors": 0.0, "three_errors": 50.0
    }  # fmt: skip
    assert report["recall"]["by_kind"][b.name]["two_errors"] == {"n": 2, "top10": 50.0, "top1": 0.0}
    assert report["recall"]["all"] == {"n": 8, "top10": 50.0, "top1": 25.0}
    assert report["recall"]["three_errors"]["n"] == 2
    assert report["latency_ms"]["find_by_details_three_errors"]["n"] == 2
    assert report["weaker_band"]["true_learner_in_it_pct"] == 25.0
    assert report["weaker_band"]["true_learner_in_it_three_errors_pct"] == 50.0
    assert len(report["misses"]) == 4  # not shown, or below the 10th
    assert len(report["slowest"]) == 8


def test_no_verdict_on_the_wrong_candidate_rate_from_no_searches(capsys) -> None:  # type: ignore[no-untyped-def]
    summary = summarise([outcome([ERROR_KINDS[0]], 1)], misses=1, absent=[])
    assert summary["not_registered"]["target_exceeded"] is None
    print_report(full_report(summary))
    out = capsys.readouterr().out
    assert "not measured" in out and "within the target" not in out


@pytest.mark.parametrize(("wrong", "exceeded"), [(0, False), (2, False), (3, True)])
def test_the_wrong_candidate_rate_and_its_target(wrong: int, exceeded: bool, capsys) -> None:  # type: ignore[no-untyped-def]
    # 200 persons not in the register: 2 shown a wrong candidate is 1%, the most allowed.
    people = [absent(1) for _ in range(wrong)] + [absent(0, weaker=1, kind=1) for _ in range(5)]
    people += [absent(0) for _ in range(200 - len(people))]
    summary = summarise([outcome([ERROR_KINDS[0]], 1)], misses=1, absent=people)
    figures = summary["not_registered"]
    assert figures["n"] == 200 and figures["wrong_candidate"] == wrong
    assert figures["wrong_candidate_pct"] == wrong / 2
    assert figures["target_exceeded"] is exceeded
    assert (figures["weaker_shown"], figures["weaker_shown_pct"]) == (5, 2.5)
    assert figures["by_kind"][ABSENT_KINDS[1].name]["weaker_shown"] == 5
    assert len(figures["wrong"]) == 1
    print_report(full_report(summary))
    out = capsys.readouterr().out
    assert ("EXCEEDS the target of at most 1%" in out) is exceeded
    assert f"a wrong candidate in the plausible list: {wrong / 2:.2f}%" in out
    assert "the search engine has no weaker band" in out


def test_what_a_higher_plausible_score_would_give() -> None:
    kind = ERROR_KINDS[0]
    found = [outcome([kind], 1, score=0.62), outcome([kind], 2, score=0.78)]
    found += [outcome([kind], 11, score=0.99), outcome([kind], None)]
    people = [absent(1, best=0.6), absent(2, best=0.66), absent(1, best=0.86), absent(0)]
    bars = {b["score"]: b for b in summarise(found, 0, people)["if_plausible_from"]}
    assert {s: b["wrong_candidate_pct"] for s, b in bars.items()} == {
        0.6: 75.0, 0.65: 50.0, 0.7: 25.0, 0.75: 25.0, 0.8: 25.0, 0.85: 25.0
    }  # fmt: skip
    assert {s: b["top10_pct"] for s, b in bars.items()} == {
        0.6: 50.0, 0.65: 25.0, 0.7: 25.0, 0.75: 25.0, 0.8: 0.0, 0.85: 0.0
    }  # fmt: skip


class _Learners:
    """Find by ULN and by details as an engine with a weaker band answers: the true learner
    only in the weaker band."""

    def __init__(self, band: tuple[Any, ...]) -> None:
        self.band = band

    def find_by_uln(self, *_: object) -> Any:
        return SimpleNamespace(outcome=OutcomeCode.EXACT_MATCH, learner=object())

    def find_by_details(self, *_: object) -> Any:
        return SimpleNamespace(
            outcome=OutcomeCode.NO_MATCH, candidates=(), widened=True, weaker=self.band
        )


def test_the_runner_reads_the_weaker_band() -> None:
    def candidate(learner_id: int) -> SimpleNamespace:
        return SimpleNamespace(
            learner_id=learner_id, uln="1000000043", given_name="Kyra", family_name="George",
            date_of_birth=SOMEONE.dob, gender=2, postcode="LS6 1AB", score=0.55,
        )  # fmt: skip

    band = (candidate(99), candidate(SOMEONE.truth))
    services = SimpleNamespace(learners=_Learners(band))
    query = Query(SOMEONE, (ERROR_KINDS[0],), TYPED)
    (found,) = run_queries(services, None, [query], warmup=0)  # type: ignore[arg-type]
    assert (found.rank, found.weaker_rank, found.weaker_shown, found.score) == (None, 2, 2, None)
    (nobody,) = run_absent(services, None, [AbsentQuery(ABSENT_KINDS[0], TYPED)])  # type: ignore[arg-type]
    assert (nobody.shown, nobody.weaker_shown) == (0, 2)
    assert nobody.first is not None and nobody.first["band"] == "weaker"


def test_the_json_report_carries_the_new_figures(bench_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["bench", "search", *TINY, "--absent", "30", "--url", bench_url, "--json"]
    assert run_bench(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["latency_ms"]["find_by_details_three_errors"]["n"] == 10
    assert report["recall"]["three_errors"]["n"] == 10
    for kind in report["recall"]["by_kind"].values():
        assert set(kind) >= {"one_error", "two_errors", "three_errors", "in_weaker_band"}
    absent_ = report["not_registered"]
    assert absent_["n"] == 30 and absent_["latency_ms"]["n"] == 30
    assert set(absent_["by_kind"]) == {k.name for k in ABSENT_KINDS}
    assert 0 <= absent_["wrong_candidate_pct"] <= 100 and absent_["target_pct"] == 1.0
    assert report["weaker_band"]["in_engine"] is True  # the engine returns a weaker band
