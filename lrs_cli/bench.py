"""`lrs-desk bench search`: speed and recall of find by ULN and find by personal details.

It seeds a benchmark database with the synthetic demo data (or reuses one that already holds
enough learners from the same seed), then asks the real services, as a desk operator, for
real active learners: by ULN, and by personal details with one or two of the Appendix B
errors an operator meets (DOMAIN.md "Learners and ULNs") put into what is typed. It prints
p50/p95/p99 latency and the share of searches that found the true learner in the top 10 and
at the top, per error kind, so a miss can be traced to the error that caused it.

Never the operator's own database: the demo data creates operators with published passwords.
Everything random comes from one ``random.Random(--seed)``, so a run can be repeated.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrs_cli.main import Context
    from lrs_core.actor import Actor
    from lrs_core.db.database import Database
    from lrs_core.services import Services

Handler = Callable[["Context", argparse.Namespace], int]
Add = Callable[[Any, str, Handler, str], argparse.ArgumentParser]

BENCH_FILE = "bench-search.sqlite3"
DEFAULT_POSTCODE = "ZZ99 9ZZ"  # lrs_core.domain.values.UNKNOWN_POSTCODE (imported lazily)


def add_bench_commands(commands: Any, add: Add) -> None:
    """Add `bench search` to the `lrs-desk` parser (``add`` is build_parser's helper)."""
    bench = commands.add_parser(
        "bench", help="measure search speed and recall on synthetic data"
    ).add_subparsers(dest="bench_command", metavar="ACTION", required=True)
    search = add(
        bench,
        "search",
        cmd_bench_search,
        "time find by ULN and find by personal details (with one or two Appendix B errors in"
        " each query) on a seeded benchmark database; print p50/p95/p99 latency and recall",
    )
    search.add_argument(
        "--learners", type=_count(1), default=50_000, help="learners to seed (default 50,000)"
    )
    search.add_argument(
        "--queries", type=_count(1), default=2000, help="queries to time (default 2,000)"
    )
    search.add_argument("--seed", type=_count(0), default=1, help="random seed (default 1)")
    search.add_argument(
        "--url",
        help=f"benchmark database (default: {BENCH_FILE} in the data directory); never the"
        " configured database",
    )
    search.add_argument(
        "--warmup",
        type=_count(0),
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
        type=_count(0),
        default=0,
        metavar="N",
        help="print up to N queries whose learner was not in the top 10",
    )
    search.add_argument("--json", action="store_true", help="machine-readable output")


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


# --- The learners asked for ---------------------------------------------------------------------


@dataclass
class Source:
    """A real learner, as stored, that a query is made from."""

    id: int
    uln: str
    given: str
    family: str
    middle: str
    preferred: str
    dob: date
    gender: int
    postcode: str
    truth: int  # the learner a search should find: this one, or its master when linked
    previous_family: list[str] = field(default_factory=list)
    previous_postcode: list[str] = field(default_factory=list)


@dataclass
class Typed:
    """What the operator types: the five mandatory fields."""

    given: str
    family: str
    dob: date
    gender: int
    postcode: str


Rng = random.Random
Apply = Callable[[Source, Typed, Rng], bool]  # change ``Typed``; False when not applicable


@dataclass(frozen=True)
class ErrorKind:
    name: str
    fields: frozenset[str]  # of "given", "family", "dob", "postcode"
    apply: Apply
    pool: str = "all"  # which learners can have it (see _Pools)


def _keep_case(original: str, new: str) -> str:
    return new[:1].upper() + new[1:] if original[:1].isupper() else new


def _replace_at(name: str, index: int, old_len: int, new: str) -> str:
    piece = name[index : index + old_len]
    if piece[:1].isupper():
        new = new[:1].upper() + new[1:]
    return name[:index] + new + name[index + old_len :]


# Sound-alike vowels: the one an operator hearing the name might write instead.
_VOWELS = {"a": "e", "e": "a", "i": "y", "y": "i", "o": "a", "u": "o"}


def _vowel_changed(name: str, rng: Rng) -> str | None:
    """One vowel (not the first letter) written as a sound-alike: Smith -> Smyth."""
    spots = [
        i
        for i, ch in enumerate(name)
        if i > 0 and ch.lower() in _VOWELS and name[i - 1].isalpha() and ch.islower()
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + _VOWELS[name[i]] + name[i + 1 :]


_CONSONANTS = (("ph", "f"), ("f", "ph"), ("ck", "k"), ("c", "k"), ("v", "ph"), ("s", "z"))


def _consonant_changed(name: str, rng: Rng) -> str | None:
    """ph/f, ck/k, c/k, s/z: Phillips -> Fillips, Stephens -> Stevens, Clarke -> Klarke."""
    lower = name.lower()
    spots: list[tuple[int, str, str]] = []
    for old, new in _CONSONANTS:
        start = lower.find(old)
        while start != -1:
            after = lower[start + len(old) : start + len(old) + 1]
            if old == "f" and (after == "f" or lower[start - 1 : start] in ("p", "f")):
                pass  # "ff" and the f of "ph" are not rewritten
            elif old == "c" and (after in ("k", "h", "e", "i", "y") or start > 0):
                pass  # only a hard C at the start: Clarke, Cooper
            elif old == "s" and (start == 0 or after not in ("", "e")):
                pass  # a final s or -se only: Davies -> Daviez
            else:
                spots.append((start, old, new))
            start = lower.find(old, start + 1)
    if not spots:
        return None
    start, old, new = rng.choice(spots)
    return _replace_at(name, start, len(old), new)


def _double_letter(name: str, rng: Rng) -> str | None:
    """A doubled letter written once (Harrison -> Harison), or failing that a single l, n,
    r or t after a vowel doubled (Ellis <- Elis)."""
    doubles = [
        i
        for i in range(len(name) - 1)
        if name[i].isalpha() and name[i].lower() == name[i + 1].lower()
    ]
    if doubles:
        i = rng.choice(doubles)
        return name[:i] + name[i + 1 :]
    singles = [
        i
        for i in range(1, len(name) - 1)
        if name[i] in "lnrt" and name[i - 1].lower() in "aeiou" and name[i + 1].lower() in "aeiouy"
    ]
    if not singles:
        return None
    i = rng.choice(singles)
    return name[: i + 1] + name[i] + name[i + 1 :]


def _given_sound_alike(name: str, rng: Rng) -> str | None:
    """A given name's -ie/-y ending swapped (Freddie -> Freddy), else a double letter."""
    lower = name.lower()
    if lower.endswith("ie") and len(name) > 3:
        return name[:-2] + "y"
    if lower.endswith("y") and len(name) > 3 and lower[-2] not in "aeiou":
        return name[:-1] + "ie"
    return _double_letter(name, rng)


def _on(side: str, change: Callable[[str, Rng], str | None]) -> Apply:
    def apply(source: Source, typed: Typed, rng: Rng) -> bool:
        name = getattr(typed, side)
        new = change(name, rng)
        if new is None or new == name or not new.replace("-", "").replace(" ", "").isalpha():
            return False
        setattr(typed, side, new)
        return True

    return apply


def _previous_family(source: Source, typed: Typed, rng: Rng) -> bool:
    from lrs_core.domain.names import name_key

    old = [p for p in source.previous_family if name_key(p) != name_key(source.family)]
    if not old:
        return False
    typed.family = rng.choice(sorted(old))
    return True


def _swapped(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.given.casefold() == typed.family.casefold():
        return False
    typed.given, typed.family = typed.family, typed.given
    return True


def _middle_as_given(source: Source, typed: Typed, rng: Rng) -> bool:
    parts = source.middle.split()
    if not parts or parts[0].casefold() == source.given.casefold():
        return False
    typed.given = parts[0]
    return True


def _nickname(source: Source, typed: Typed, rng: Rng) -> bool:
    """The preferred given name when one is recorded, else a common short form."""
    from lrs_core.demo_data import NICKNAMES

    if source.preferred and source.preferred.casefold() != source.given.casefold():
        typed.given = source.preferred
        return True
    shorts = NICKNAMES.get(source.given)
    if not shorts:
        return False
    typed.given = rng.choice(shorts)
    return True


def _mc_mac(source: Source, typed: Typed, rng: Rng) -> bool:
    name = typed.family
    if name.lower().startswith("mac") and len(name) > 4:
        typed.family = _keep_case(name, "Mc" + name[3:].capitalize())
        return True
    if name.lower().startswith("mc") and len(name) > 3:
        typed.family = "Mac" + name[2:]
        return True
    return False


def _double_barrelled(source: Source, typed: Typed, rng: Rng) -> bool:
    if "-" not in typed.family:
        return False
    typed.family = typed.family.replace("-", rng.choice(("", " ")))
    return True


def _dob_swapped(source: Source, typed: Typed, rng: Rng) -> bool:
    d = typed.dob
    if d.day > 12 or d.day == d.month:
        return False
    typed.dob = date(d.year, d.day, d.month)
    return True


def _dob_first(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.dob.day == 1:
        return False
    typed.dob = typed.dob.replace(day=1)
    return True


def _dob_january(source: Source, typed: Typed, rng: Rng) -> bool:
    if (typed.dob.month, typed.dob.day) == (1, 1):
        return False
    typed.dob = typed.dob.replace(month=1, day=1)
    return True


def _previous_postcode(source: Source, typed: Typed, rng: Rng) -> bool:
    old = [p for p in source.previous_postcode if p != source.postcode]
    if not old:
        return False
    typed.postcode = rng.choice(sorted(old))
    return True


def _default_postcode(source: Source, typed: Typed, rng: Rng) -> bool:
    if typed.postcode == DEFAULT_POSTCODE:
        return False
    typed.postcode = DEFAULT_POSTCODE
    return True


_G, _F, _D, _P = "given", "family", "dob", "postcode"
ERROR_KINDS: tuple[ErrorKind, ...] = (
    ErrorKind("previous family name", frozenset({_F}), _previous_family, "previous_family"),
    ErrorKind("given/family swapped", frozenset({_G, _F}), _swapped),
    ErrorKind("middle name as given", frozenset({_G}), _middle_as_given, "middle"),
    ErrorKind("nickname/preferred name", frozenset({_G}), _nickname, "nickname"),
    ErrorKind("family misspelt: vowel", frozenset({_F}), _on(_F, _vowel_changed)),
    ErrorKind("family misspelt: ph/f c/k s/z", frozenset({_F}), _on(_F, _consonant_changed)),
    ErrorKind("family misspelt: double letter", frozenset({_F}), _on(_F, _double_letter)),
    ErrorKind("given misspelt: vowel", frozenset({_G}), _on(_G, _vowel_changed)),
    ErrorKind("given misspelt: -ie/-y, double", frozenset({_G}), _on(_G, _given_sound_alike)),
    ErrorKind("Mc/Mac swapped", frozenset({_F}), _mc_mac, "mc_mac"),
    ErrorKind("double-barrelled unhyphenated", frozenset({_F}), _double_barrelled, "hyphen"),
    ErrorKind("DOB day/month swapped", frozenset({_D}), _dob_swapped),
    ErrorKind("DOB 1st of the month", frozenset({_D}), _dob_first),
    ErrorKind("DOB 1 January", frozenset({_D}), _dob_january),
    ErrorKind("previous postcode", frozenset({_P}), _previous_postcode, "previous_postcode"),
    ErrorKind("default postcode ZZ99 9ZZ", frozenset({_P}), _default_postcode),
)


class _Pools:
    """Ids of the active learners each error kind can apply to, read once, in id order."""

    def __init__(self, db: Database) -> None:
        from sqlalchemy import or_, select

        from lrs_core.db.models import Learner, LearnerPreviousValue
        from lrs_core.demo_data import NICKNAMES
        from lrs_core.domain.kinds import LearnerStatus

        active = Learner.status == LearnerStatus.ACTIVE

        def previous(kind: str) -> Any:
            return (
                select(LearnerPreviousValue.learner_id)
                .join(Learner, Learner.id == LearnerPreviousValue.learner_id)
                .where(LearnerPreviousValue.kind == kind, active)
                .distinct()
            )

        queries = {
            "all": select(Learner.id).where(active),
            "previous_family": previous("family_name"),
            "previous_postcode": previous("postcode"),
            "middle": select(Learner.id).where(active, Learner.middle_other_name.is_not(None)),
            "nickname": select(Learner.id).where(
                active,
                or_(
                    Learner.preferred_given_name.is_not(None),
                    Learner.given_name.in_(sorted(NICKNAMES)),
                ),
            ),
            "mc_mac": select(Learner.id).where(
                active, or_(Learner.family_key.like("mc%"), Learner.family_key.like("mac%"))
            ),
            "hyphen": select(Learner.id).where(active, Learner.family_name.like("%-%")),
        }
        with db.transaction(read_only=True) as session:
            self.ids: dict[str, list[int]] = {
                name: sorted(session.execute(query).scalars()) for name, query in queries.items()
            }
        self._joint: dict[tuple[str, ...], list[int]] = {}

    def for_kinds(self, kinds: Sequence[ErrorKind]) -> list[int]:
        names = tuple(sorted({k.pool for k in kinds} - {"all"}))
        if not names:
            return self.ids["all"]
        if len(names) == 1:
            return self.ids[names[0]]
        joint = self._joint.get(names)
        if joint is None:
            common = set(self.ids[names[0]])
            for name in names[1:]:
                common &= set(self.ids[name])
            joint = self._joint[names] = sorted(common)
        return joint


def _load_source(db: Database, learner_id: int) -> Source:
    from sqlalchemy import select

    from lrs_core.db.models import Learner, LearnerPreviousValue
    from lrs_core.domain.kinds import LearnerStatus

    with db.transaction(read_only=True) as session:
        row = session.execute(
            select(
                Learner.id,
                Learner.uln,
                Learner.given_name,
                Learner.family_name,
                Learner.middle_other_name,
                Learner.preferred_given_name,
                Learner.date_of_birth,
                Learner.gender,
                Learner.postcode,
                Learner.status,
                Learner.master_learner_id,
            ).where(Learner.id == learner_id)
        ).one()
        source = Source(
            id=row.id,
            uln=row.uln,
            given=row.given_name,
            family=row.family_name,
            middle=row.middle_other_name or "",
            preferred=row.preferred_given_name or "",
            dob=row.date_of_birth,
            gender=row.gender,
            postcode=row.postcode,
            truth=(
                row.master_learner_id
                if row.status == LearnerStatus.LINKED and row.master_learner_id
                else row.id
            ),
        )
        for kind, value in session.execute(
            select(LearnerPreviousValue.kind, LearnerPreviousValue.value)
            .where(LearnerPreviousValue.learner_id == learner_id)
            .order_by(LearnerPreviousValue.id)
        ):
            (source.previous_family if kind == "family_name" else source.previous_postcode).append(
                value
            )
    return source


@dataclass
class Query:
    source: Source
    kinds: tuple[ErrorKind, ...]
    typed: Typed


def _compatible_pairs() -> list[tuple[ErrorKind, ErrorKind]]:
    return [
        (a, b)
        for i, a in enumerate(ERROR_KINDS)
        for b in ERROR_KINDS[i + 1 :]
        if not a.fields & b.fields
    ]


def build_queries(db: Database, count: int, rng: Rng) -> list[Query]:
    """``count`` queries: even ones with one error (each kind in turn), odd ones with two
    errors on different fields (a random compatible pair), each from a random real active
    learner the errors apply to."""
    pools = _Pools(db)
    pairs = _compatible_pairs()
    impossible: set[tuple[str, ...]] = set()
    queries: list[Query] = []
    singles = 0
    while len(queries) < count:
        kinds: tuple[ErrorKind, ...]
        if len(queries) % 2 == 0:
            kinds = (ERROR_KINDS[singles % len(ERROR_KINDS)],)
            singles += 1
        else:
            kinds = rng.choice(pairs)
        names = tuple(k.name for k in kinds)
        if names in impossible:
            continue
        pool = pools.for_kinds(kinds)
        made = None
        for _ in range(200 if pool else 0):
            source = _load_source(db, rng.choice(pool))
            typed = Typed(source.given, source.family, source.dob, source.gender, source.postcode)
            if all(kind.apply(source, typed, rng) for kind in kinds):
                made = Query(source, kinds, typed)
                break
        if made is None:
            impossible.add(names)
            if len(impossible) >= len(ERROR_KINDS) + len(pairs):
                raise RuntimeError("no learner in the database can carry any error kind")
            continue
        queries.append(made)
    return queries


# --- Running and reporting ---------------------------------------------------------------------


@dataclass
class Outcome:
    query: Query
    uln_ms: float
    uln_ok: bool
    details_ms: float
    rank: int | None  # 1-based rank of the true learner among the candidates shown
    outcome: str
    widened: bool
    shown: int


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


def recall(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = len(outcomes)
    top10 = sum(1 for o in outcomes if o.rank is not None and o.rank <= 10)
    top1 = sum(1 for o in outcomes if o.rank == 1)
    return {
        "n": n,
        "top10": round(100 * top10 / n, 2) if n else 0.0,
        "top1": round(100 * top1 / n, 2) if n else 0.0,
    }


def run_queries(
    services: Services, actor: Actor, queries: Sequence[Query], warmup: int
) -> list[Outcome]:
    from lrs_core.domain.values import OutcomeCode
    from lrs_core.services.search import DemographicQuery

    learners = services.learners
    clock = time.perf_counter
    outcomes: list[Outcome] = []
    for q in queries:
        s, t = q.source, q.typed
        started = clock()
        found = learners.find_by_uln(actor, s.uln, s.given, s.family)
        uln_ms = (clock() - started) * 1000
        uln_ok = (
            found.outcome in (OutcomeCode.EXACT_MATCH, OutcomeCode.LINKED_LEARNER_MATCH)
            and found.learner is not None
        )
        ask = DemographicQuery(
            given_name=t.given,
            family_name=t.family,
            date_of_birth=t.dob.isoformat(),
            gender=str(t.gender),
            postcode=t.postcode,
        )
        started = clock()
        result = learners.find_by_details(actor, ask)
        details_ms = (clock() - started) * 1000
        rank = next(
            (i for i, c in enumerate(result.candidates, 1) if c.learner_id == s.truth), None
        )
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
            )
        )
    return outcomes[warmup:]


def summarise(outcomes: Sequence[Outcome], misses: int) -> dict[str, Any]:
    one = [o for o in outcomes if len(o.query.kinds) == 1]
    two = [o for o in outcomes if len(o.query.kinds) == 2]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ERROR_KINDS:
        alone = [o for o in one if o.query.kinds[0] is kind]
        paired = [o for o in two if kind in o.query.kinds]
        by_kind[kind.name] = {
            "one_error": recall(alone),
            "two_errors": recall(paired),
            "p95_ms": round(percentile([o.details_ms for o in alone + paired], 95), 2),
        }
    outcome_counts: dict[str, int] = {}
    for o in outcomes:
        outcome_counts[o.outcome] = outcome_counts.get(o.outcome, 0) + 1
    missed = [o for o in outcomes if o.rank is None or o.rank > 10]
    return {
        "latency_ms": {
            "find_by_uln": latency([o.uln_ms for o in outcomes]),
            "find_by_details": latency([o.details_ms for o in outcomes]),
            "find_by_details_one_error": latency([o.details_ms for o in one]),
            "find_by_details_two_errors": latency([o.details_ms for o in two]),
        },
        "find_by_uln_found": round(100 * sum(o.uln_ok for o in outcomes) / len(outcomes), 2)
        if outcomes
        else 0.0,
        "recall": {
            "all": recall(outcomes),
            "one_error": recall(one),
            "two_errors": recall(two),
            "by_kind": by_kind,
        },
        "outcomes": dict(sorted(outcome_counts.items())),
        "widened": sum(o.widened for o in outcomes),
        "misses": [_miss(o) for o in missed[:misses]],
    }


def _miss(o: Outcome) -> dict[str, Any]:
    s, t = o.query.source, o.query.typed
    return {
        "errors": [k.name for k in o.query.kinds],
        "typed": {
            "given": t.given,
            "family": t.family,
            "dob": t.dob.isoformat(),
            "gender": t.gender,
            "postcode": t.postcode,
        },
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
        "outcome": o.outcome,
        "shown": o.shown,
    }


def print_report(report: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(
        f"bench search: {report['learners']:,} learners (seed {report['seed']}) in"
        f" {report['database']}\n"
        f"{report['queries']:,} queries ({report['warmup']} untimed warm-up first) as"
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
    rows = (
        ("find by ULN", lat["find_by_uln"], None),
        ("find by personal details", lat["find_by_details"], rec["all"]),
        ("  one error", lat["find_by_details_one_error"], rec["one_error"]),
        ("  two errors", lat["find_by_details_two_errors"], rec["two_errors"]),
    )
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
    out("\nrecall by error kind (top 10 / top 1)")
    out(f"\n{'':<34}{'one error':>22}{'in two-error queries':>28}{'p95 ms':>9}\n")
    for name, k in rec["by_kind"].items():
        one, two = k["one_error"], k["two_errors"]
        out(
            f"{name:<34}{one['n']:>6} {one['top10']:>6.1f}% {one['top1']:>6.1f}%"
            f"{two['n']:>12} {two['top10']:>6.1f}% {two['top1']:>6.1f}%{k['p95_ms']:>9.2f}\n"
        )
    outcomes = ", ".join(f"{k} {v}" for k, v in report["outcomes"].items())
    out(f"\noutcomes: {outcomes}; widened: {report['widened']}\n")
    for miss in report["misses"]:
        t, s = miss["typed"], miss["learner"]
        out(
            f"missed ({' + '.join(miss['errors'])}; {miss['outcome']}, {miss['shown']} shown,"
            f" rank {miss['rank']}): typed {t['given']} {t['family']} {t['dob']} {t['gender']}"
            f" {t['postcode']}; learner {s['uln']} {s['given']} {s['family']} {s['dob']}"
            f" {s['gender']} {s['postcode']}"
            f" (middle {s['middle'] or '-'}, preferred {s['preferred'] or '-'},"
            f" previous {', '.join(s['previous_family'] + s['previous_postcode']) or '-'})\n"
        )


# --- The benchmark database ---------------------------------------------------------------------


def _same_database(a: Database, b_url: str) -> bool:
    from lrs_core.db.database import parse_url

    b = parse_url(b_url)
    if a.is_sqlite and b.get_backend_name() == "sqlite":
        return bool(a.url.database and b.database) and (
            Path(str(a.url.database)).resolve() == Path(str(b.database)).resolve()
        )
    keep = ("drivername", "host", "port", "database")
    return all(getattr(a.url, k) == getattr(b, k) for k in keep)


def _seeded(db: Database) -> tuple[int, dict[int, int]]:
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


def _empty(db: Database) -> None:
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
    total, by_seed = _seeded(db)
    if fresh and total:
        if total > sum(by_seed.values()):
            raise ConfigurationError(
                f"refusing to empty {db.display_url}: it holds learners that no demo seed made"
            )
        _empty(db)
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


def _load() -> float:
    """The 1-minute load average (other work on the machine slows every query)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def _operator(db: Database) -> Actor:
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


def cmd_bench_search(ctx: Context, args: argparse.Namespace) -> int:
    from lrs_core.config import data_dir, default_sqlite_url
    from lrs_core.db.database import Database
    from lrs_core.errors import ConfigurationError
    from lrs_core.services import Services

    url = args.url or f"sqlite:///{data_dir() / BENCH_FILE}"
    db = Database(url)
    for other in {ctx.settings.database_url, default_sqlite_url()}:
        if _same_database(db, other):
            raise ConfigurationError(
                f"refusing to benchmark {db.display_url}: it is the operators' database"
                " (the demo data publishes its operators' passwords); give another --url"
            )
    try:
        seeded, seed_seconds = prepare_database(db, args.learners, args.seed, args.fresh)
        vacuumed = settle(db)
        total, _ = _seeded(db)
        rng = random.Random(args.seed)
        queries = build_queries(db, args.queries + args.warmup, rng)
        # Warm-up queries first (untimed in the report), then the timed ones.
        queries = queries[args.queries :] + queries[: args.queries]
        actor = _operator(db)
        services = Services(db, ctx.settings)
        load_before = _load()
        outcomes = run_queries(services, actor, queries, args.warmup)
        load_after = _load()
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
        **summarise(outcomes, args.show_misses),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=True))
    else:
        print_report(report)
    return 0
