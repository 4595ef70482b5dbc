"""The figures of `lrs-desk bench search` and their printed form.

``summarise`` turns outcomes into one dict (all of it in ``--json``); ``print_report`` prints
that dict. Recall is the share of searches that showed the true learner at the top (top 1)
and among the plausible candidates (top 10, as at most 10 are shown), per error kind alone and
in two- and three-error queries. The wrong-candidate rate is the share of searches for persons
NOT in the register that showed anyone in the plausible list (target at most 1%). The weaker
band (shown only when nothing is plausible) is counted apart: how often a person not in the
register is shown a weaker candidate, and how often the true learner is in that band.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lrs_cli.bench.error_kinds import ABSENT_KINDS, ERROR_KINDS
from lrs_cli.bench.runner import AbsentOutcome, Outcome

WRONG_CANDIDATE_TARGET = 1.0  # per cent of searches for persons not in the register
# Plausible scores to try: what the wrong-candidate rate and top-10 recall would be if the
# plausible list began there (only higher than the engine's own: no lower score is shown).
SCORE_BARS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
GROUPS = (
    (1, "one_error", "one error"),
    (2, "two_errors", "two errors"),
    (3, "three_errors", "three errors"),
)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p from 0 to 100) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latency(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values, default=0.0), 2),
    }


def share(part: int, whole: int) -> float:
    """``part`` of ``whole`` in per cent, to 2 places; 0 when there is nothing."""
    return round(100 * part / whole, 2) if whole else 0.0


def recall(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = len(outcomes)
    top10 = sum(1 for o in outcomes if o.rank is not None and o.rank <= 10)
    top1 = sum(1 for o in outcomes if o.rank == 1)
    return {"n": n, "top10": share(top10, n), "top1": share(top1, n)}


def in_weaker(outcomes: Sequence[Outcome]) -> float:
    """The share of searches whose true learner was in the weaker band."""
    return share(sum(1 for o in outcomes if o.weaker_rank is not None), len(outcomes))


def _count_where(outcomes: Sequence[Any], test: Callable[[Any], bool]) -> int:
    return sum(1 for o in outcomes if test(o))


def not_registered(absent: Sequence[AbsentOutcome], misses: int) -> dict[str, Any]:
    """The figures for persons who are not in the register: every candidate is wrong."""

    def figures(outcomes: Sequence[AbsentOutcome]) -> dict[str, Any]:
        n = len(outcomes)
        wrong = _count_where(outcomes, lambda o: o.shown > 0)
        weaker = _count_where(outcomes, lambda o: o.weaker_shown > 0)
        return {
            "n": n,
            "wrong_candidate": wrong,
            "wrong_candidate_pct": share(wrong, n),
            "weaker_shown": weaker,
            "weaker_shown_pct": share(weaker, n),
        }

    every = figures(absent)
    counts: dict[str, int] = {}
    for o in absent:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    wrong = [o for o in absent if o.shown or o.weaker_shown]
    return {
        **every,
        "target_pct": WRONG_CANDIDATE_TARGET,
        # None: not measured (--absent 0): no verdict from zero searches.
        "target_exceeded": (
            every["wrong_candidate_pct"] > WRONG_CANDIDATE_TARGET if absent else None
        ),
        "latency_ms": latency([o.details_ms for o in absent]),
        "by_kind": {
            k.name: figures([o for o in absent if o.query.kind is k]) for k in ABSENT_KINDS
        },
        "outcomes": dict(sorted(counts.items())),
        "wrong": [_wrong(o) for o in wrong[:misses]],
    }


def score_bars(
    outcomes: Sequence[Outcome], absent: Sequence[AbsentOutcome]
) -> list[dict[str, float]]:
    """For each bar of ``SCORE_BARS``: the share of searches for persons not in the register
    whose best wrong candidate reaches it, and the share of searches whose true learner is in
    the top 10 with a score that reaches it (a learner shown below the 10th is counted as
    missed, though fewer candidates above the bar could move it up)."""
    bars = []
    for bar in SCORE_BARS:
        wrong = sum(1 for o in absent if o.best_score is not None and o.best_score >= bar)
        found = sum(
            1 for o in outcomes if o.rank is not None and o.rank <= 10 and (o.score or 0) >= bar
        )
        bars.append(
            {
                "score": bar,
                "wrong_candidate_pct": share(wrong, len(absent)),
                "top10_pct": share(found, len(outcomes)),
            }
        )
    return bars


def summarise(
    outcomes: Sequence[Outcome],
    misses: int,
    absent: Sequence[AbsentOutcome] = (),
    weaker_band: bool = False,
) -> dict[str, Any]:
    groups = {key: [o for o in outcomes if len(o.query.kinds) == n] for n, key, _ in GROUPS}
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ERROR_KINDS:
        with_kind = {
            key: [o for o in group if kind in o.query.kinds] for key, group in groups.items()
        }
        by_kind[kind.name] = {
            **{key: recall(group) for key, group in with_kind.items()},
            "in_weaker_band": {
                "all": in_weaker([o for group in with_kind.values() for o in group]),
                **{key: in_weaker(group) for key, group in with_kind.items()},
            },
            "p95_ms": round(
                percentile([o.details_ms for group in with_kind.values() for o in group], 95), 2
            ),
        }
    outcome_counts: dict[str, int] = {}
    for o in outcomes:
        outcome_counts[o.outcome] = outcome_counts.get(o.outcome, 0) + 1
    missed = [o for o in outcomes if o.rank is None or o.rank > 10]
    return {
        "latency_ms": {
            "find_by_uln": latency([o.uln_ms for o in outcomes]),
            "find_by_details": latency([o.details_ms for o in outcomes]),
            **{
                f"find_by_details_{key}": latency([o.details_ms for o in group])
                for key, group in groups.items()
            },
        },
        "find_by_uln_found": share(sum(o.uln_ok for o in outcomes), len(outcomes)),
        "recall": {
            "all": recall(outcomes),
            **{key: recall(group) for key, group in groups.items()},
            "by_kind": by_kind,
        },
        "weaker_band": {
            "in_engine": weaker_band,
            "true_learner_in_it_pct": in_weaker(outcomes),
            **{f"true_learner_in_it_{key}_pct": in_weaker(group) for key, group in groups.items()},
        },
        "not_registered": not_registered(absent, misses),
        "if_plausible_from": score_bars(outcomes, absent),
        "outcomes": dict(sorted(outcome_counts.items())),
        "widened": sum(o.widened for o in outcomes),
        "misses": [_miss(o) for o in missed[:misses]],
        "slowest": [
            {"ms": round(o.details_ms, 2), **_miss(o)}
            for o in sorted(outcomes, key=lambda o: -o.details_ms)[:misses]
        ],
    }


def _typed(t: Any) -> dict[str, Any]:
    return {
        "given": t.given,
        "family": t.family,
        "dob": t.dob.isoformat(),
        "gender": t.gender,
        "postcode": t.postcode,
    }


def _miss(o: Outcome) -> dict[str, Any]:
    s = o.query.source
    return {
        "errors": [k.name for k in o.query.kinds],
        "typed": _typed(o.query.typed),
        "learner": {
            "uln": s.uln,
            "given": s.given,
            "family": s.family,
            "middle": s.middle,
            "preferred": s.preferred,
            "dob": s.dob.isoformat(),
            "gender": s.gender,
            "postcode": s.postcode,
            "previous_family": s.previous_family,
            "previous_postcode": s.previous_postcode,
        },
        "rank": o.rank,
        "weaker_rank": o.weaker_rank,
        "outcome": o.outcome,
        "shown": o.shown,
    }


def _wrong(o: AbsentOutcome) -> dict[str, Any]:
    return {
        "kind": o.query.kind.name,
        "typed": _typed(o.query.typed),
        "outcome": o.outcome,
        "shown": o.shown,
        "weaker_shown": o.weaker_shown,
        "first": o.first,
    }


def print_report(report: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(
        f"bench search: {report['learners']:,} learners (seed {report['seed']}) in"
        f" {report['database']}\n"
        f"{report['queries']:,} queries ({report['warmup']} untimed warm-up first) and"
        f" {report['not_registered']['n']:,} of persons not in the register as"
        f" {report['actor']}; {report['database_note']}\n"
        f"load average {report['load_average'][0]} before, {report['load_average'][1]} after"
        f" ({report['cpus']} CPUs): other work on the machine slows every query\n\n"
    )
    lat = report["latency_ms"]
    rec = report["recall"]
    out(
        f"{'':<34}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'top 10':>9}{'top 1':>8}\n"
    )
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        ("find by ULN", lat["find_by_uln"], None),
        ("find by personal details", lat["find_by_details"], rec["all"]),
    ]
    rows += [(f"  {label}", lat[f"find_by_details_{key}"], rec[key]) for _, key, label in GROUPS]
    for label, t, r in rows:
        tail = (
            f"{r['top10']:>8.1f}%{r['top1']:>7.1f}%"
            if r
            else f"{report['find_by_uln_found']:>8.1f}%{'':>8}"
        )
        out(
            f"{label:<34}{t['n']:>6}{t['p50']:>9.2f}{t['p95']:>9.2f}{t['p99']:>9.2f}"
            f"{t['max']:>9.2f}{tail}\n"
        )
    absent = report["not_registered"]
    t = absent["latency_ms"]
    out(
        f"{'  person not in the register':<34}{t['n']:>6}{t['p50']:>9.2f}{t['p95']:>9.2f}"
        f"{t['p99']:>9.2f}{t['max']:>9.2f}\n"
    )

    band = report["weaker_band"]
    out("\nrecall by error kind: n, top 10, top 1 (weaker: true learner in the weaker band)\n")
    out(
        f"{'':<34}{'one error':>22}{'in two-error queries':>22}{'in three-error queries':>24}"
        f"{'weaker':>8}{'p95 ms':>9}\n"
    )
    for name, k in rec["by_kind"].items():
        cells = "".join(
            f"{k[key]['n']:>8} {k[key]['top10']:>6.1f}% {k[key]['top1']:>5.1f}%"
            + (" " * 2 if key == "three_errors" else "")
            for _, key, _ in GROUPS
        )
        out(f"{name:<34}{cells}{k['in_weaker_band']['all']:>7.1f}%{k['p95_ms']:>9.2f}\n")
    if band["in_engine"]:
        out(
            f"true learner in the weaker band: {band['true_learner_in_it_pct']:.1f}% of searches"
            f" (one error {band['true_learner_in_it_one_error_pct']:.1f}%, two"
            f" {band['true_learner_in_it_two_errors_pct']:.1f}%, three"
            f" {band['true_learner_in_it_three_errors_pct']:.1f}%)\n"
        )
    else:
        out("the search engine has no weaker band (SearchResult.weaker): none is counted\n")

    verdict = (
        "not measured: no person outside the register was searched (--absent)"
        if absent["target_exceeded"] is None
        else f"EXCEEDS the target of at most {absent['target_pct']:g}%"
        if absent["target_exceeded"]
        else f"within the target of at most {absent['target_pct']:g}%"
    )
    out(
        f"\npersons not in the register: {absent['n']:,} searches\n"
        f"  a wrong candidate in the plausible list: {absent['wrong_candidate_pct']:.2f}%"
        f" ({absent['wrong_candidate']} of {absent['n']}): {verdict}\n"
        f"  a (wrong) weaker candidate shown: {absent['weaker_shown_pct']:.2f}%"
        f" ({absent['weaker_shown']} of {absent['n']})\n"
    )
    for name, k in absent["by_kind"].items():
        out(
            f"    {name:<30}{k['n']:>6}  wrong {k['wrong_candidate_pct']:>6.2f}%"
            f"  weaker {k['weaker_shown_pct']:>6.2f}%\n"
        )
    bars = report["if_plausible_from"]

    def row(key: str, form: str, unit: str = "") -> str:
        return "".join(f"{format(b[key], form) + unit:>8}" for b in bars)

    out(f"\nif the plausible list began at a score of{row('score', '.2f')}\n")
    out(f"  wrong-candidate rate (not registered)  {row('wrong_candidate_pct', '.1f', '%')}\n")
    out(f"  top-10 recall (registered)             {row('top10_pct', '.1f', '%')}\n")
    outcomes = ", ".join(f"{k} {v}" for k, v in report["outcomes"].items())
    out(f"\noutcomes: {outcomes}; widened: {report['widened']}\n")
    for miss in report["misses"]:
        t, s = miss["typed"], miss["learner"]
        out(
            f"missed ({' + '.join(miss['errors'])}; {miss['outcome']}, {miss['shown']} shown,"
            f" rank {miss['rank']}, weaker rank {miss['weaker_rank']}): typed {t['given']}"
            f" {t['family']} {t['dob']} {t['gender']} {t['postcode']}; learner {s['uln']}"
            f" {s['given']} {s['family']} {s['dob']} {s['gender']} {s['postcode']}"
            f" (middle {s['middle'] or '-'}, preferred {s['preferred'] or '-'},"
            f" previous {', '.join(s['previous_family'] + s['previous_postcode']) or '-'})\n"
        )
    for slow in report["slowest"]:
        t = slow["typed"]
        out(
            f"slow ({slow['ms']:.1f} ms; {' + '.join(slow['errors'])}; {slow['outcome']}):"
            f" typed {t['given']} {t['family']} {t['dob']} {t['gender']} {t['postcode']}\n"
        )
    for wrong in absent["wrong"]:
        t, c = wrong["typed"], wrong["first"]
        out(
            f"wrong candidate ({wrong['kind']}; {wrong['outcome']}, {wrong['shown']} plausible,"
            f" {wrong['weaker_shown']} weaker): typed {t['given']} {t['family']} {t['dob']}"
            f" {t['gender']} {t['postcode']}; shown ({c['band']}) {c['uln']} {c['given']}"
            f" {c['family']} {c['dob']} {c['gender']} {c['postcode']} score {c['score']}\n"
        )
