"""Asking the real services, as a desk operator, and noting what each search answered.

For a registered learner: find by ULN (with its own names), then find by the details typed;
where the true learner stands among the plausible candidates and, when the engine has one,
in the separate band of weaker candidates (``SearchResult.weaker``, read with ``getattr`` so
an engine without that band reads as showing none). For a person who is not in the register:
find by details only, and how many candidates (all wrong) each list showed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrs_cli.bench.queries import AbsentQuery, Query

if TYPE_CHECKING:
    from lrs_cli.bench.error_kinds import Typed
    from lrs_core.actor import Actor
    from lrs_core.services import Services
    from lrs_core.services.search import SearchResult


@dataclass
class Outcome:
    query: Query
    uln_ms: float
    uln_ok: bool
    details_ms: float
    rank: int | None  # 1-based rank of the true learner among the plausible candidates shown
    outcome: str
    widened: bool
    shown: int
    weaker_rank: int | None = None  # 1-based rank of the true learner in the weaker band
    weaker_shown: int = 0
    score: float | None = None  # the true learner's score when it is among the plausible


@dataclass
class AbsentOutcome:
    query: AbsentQuery
    details_ms: float
    outcome: str
    shown: int  # plausible candidates: every one is wrong
    weaker_shown: int  # weaker candidates: every one is wrong too
    first: dict[str, Any] | None  # the best wrong candidate shown, plausible else weaker
    best_score: float | None = None  # the best plausible (wrong) candidate's score


def weaker(result: SearchResult) -> tuple[Any, ...]:
    """The weaker band of a search result; () from an engine that has none."""
    return tuple(getattr(result, "weaker", ()) or ())


def _rank(candidates: Sequence[Any], learner_id: int) -> int | None:
    return next((i for i, c in enumerate(candidates, 1) if c.learner_id == learner_id), None)


def _ask(typed: Typed) -> Any:
    from lrs_core.services.search import DemographicQuery

    return DemographicQuery(
        given_name=typed.given,
        family_name=typed.family,
        date_of_birth=typed.dob.isoformat(),
        gender=str(typed.gender),
        postcode=typed.postcode,
    )


def run_queries(
    services: Services, actor: Actor, queries: Sequence[Query], warmup: int
) -> list[Outcome]:
    """Every query, timed; the first ``warmup`` outcomes are dropped."""
    from lrs_core.domain.values import OutcomeCode

    learners = services.learners
    clock = time.perf_counter
    outcomes: list[Outcome] = []
    for q in queries:
        s = q.source
        started = clock()
        found = learners.find_by_uln(actor, s.uln, s.given, s.family)
        uln_ms = (clock() - started) * 1000
        uln_ok = (
            found.outcome in (OutcomeCode.EXACT_MATCH, OutcomeCode.LINKED_LEARNER_MATCH)
            and found.learner is not None
        )
        ask = _ask(q.typed)
        started = clock()
        result = learners.find_by_details(actor, ask)
        details_ms = (clock() - started) * 1000
        band = weaker(result)
        rank = _rank(result.candidates, s.truth)
        outcomes.append(
            Outcome(
                q,
                uln_ms,
                uln_ok,
                details_ms,
                rank,
                str(result.outcome),
                result.widened,
                len(result.candidates),
                _rank(band, s.truth),
                len(band),
                None if rank is None else float(result.candidates[rank - 1].score),
            )
        )
    return outcomes[warmup:]


def _candidate(c: Any, band: str) -> dict[str, Any]:
    return {
        "band": band,
        "uln": c.uln,
        "given": c.given_name,
        "family": c.family_name,
        "dob": c.date_of_birth.isoformat(),
        "gender": c.gender,
        "postcode": c.postcode,
        "score": round(float(c.score), 3),
    }


def run_absent(
    services: Services, actor: Actor, queries: Sequence[AbsentQuery]
) -> list[AbsentOutcome]:
    learners = services.learners
    clock = time.perf_counter
    outcomes: list[AbsentOutcome] = []
    for q in queries:
        ask = _ask(q.typed)
        started = clock()
        result = learners.find_by_details(actor, ask)
        details_ms = (clock() - started) * 1000
        band = weaker(result)
        first = (
            _candidate(result.candidates[0], "plausible")
            if result.candidates
            else _candidate(band[0], "weaker")
            if band
            else None
        )
        outcomes.append(
            AbsentOutcome(
                q,
                details_ms,
                str(result.outcome),
                len(result.candidates),
                len(band),
                first,
                max((float(c.score) for c in result.candidates), default=None),
            )
        )
    return outcomes
