"""The queries of `lrs-desk bench search`, made from the benchmark database's own learners.

Registered learners (``build_queries``): half the queries carry one error (each kind in turn),
a quarter two errors and a quarter three errors on separate fields (a random compatible group),
each from a random active learner the errors apply to (``Pools``). Persons who are not in the
register (``build_absent``): made from the fields of several learners (``ABSENT_KINDS``),
never someone the register already holds with the same given name, family name and date of
birth (as folded keys), so every candidate a search shows for one is a wrong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrs_cli.bench.error_kinds import (
    ABSENT_KINDS,
    ERROR_KINDS,
    FEMALE,
    AbsentKind,
    ErrorKind,
    Rng,
    Source,
    Typed,
    apply_all,
    combinations,
)

if TYPE_CHECKING:
    from lrs_core.db.database import Database


class Pools:
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
            "female": select(Learner.id).where(active, Learner.gender == FEMALE),
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


def load_source(db: Database, learner_id: int) -> Source:
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


def errors_in(index: int) -> int:
    """How many errors the query at ``index`` carries: 1, 2, 1, 3, 1, 2, 1, 3, ..."""
    return 1 if index % 2 == 0 else 2 if index % 4 == 1 else 3


def build_queries(db: Database, count: int, rng: Rng, pools: Pools | None = None) -> list[Query]:
    """``count`` queries of registered learners (see the module's docstring)."""
    pools = pools or Pools(db)
    groups = {2: combinations(2), 3: combinations(3)}
    impossible: set[tuple[str, ...]] = set()
    queries: list[Query] = []
    singles = 0
    while len(queries) < count:
        kinds: tuple[ErrorKind, ...]
        errors = errors_in(len(queries))
        if errors == 1:
            kinds = (ERROR_KINDS[singles % len(ERROR_KINDS)],)
            singles += 1
        else:
            kinds = rng.choice(groups[errors])
        names = tuple(k.name for k in kinds)
        if names in impossible:
            continue
        pool = pools.for_kinds(kinds)
        made = None
        for _ in range(200 if pool else 0):
            source = load_source(db, rng.choice(pool))
            typed = apply_all(source, kinds, rng)
            if typed is not None:
                made = Query(source, kinds, typed)
                break
        if made is None:
            impossible.add(names)
            if len(impossible) >= len(ERROR_KINDS) + len(groups[2]) + len(groups[3]):
                raise RuntimeError("no learner in the database can carry any error kind")
            continue
        queries.append(made)
    return queries


@dataclass
class AbsentQuery:
    """A person who is not in the register, as typed."""

    kind: AbsentKind
    typed: Typed


def _registered(db: Database, typed: Typed) -> bool:
    """Whether the register holds someone with the typed given name, family name and date of
    birth (folded keys), whatever their status: then the person may well be in it."""
    from sqlalchemy import select

    from lrs_core.db.models import Learner
    from lrs_core.domain.names import name_key

    with db.transaction(read_only=True) as session:
        return (
            session.execute(
                select(Learner.id)
                .where(
                    Learner.given_key == name_key(typed.given),
                    Learner.family_key == name_key(typed.family),
                    Learner.date_of_birth == typed.dob,
                )
                .limit(1)
            ).first()
            is not None
        )


def build_absent(
    db: Database, count: int, rng: Rng, pools: Pools | None = None
) -> list[AbsentQuery]:
    """``count`` persons not in the register, each kind of ``ABSENT_KINDS`` in turn."""
    everyone = (pools or Pools(db)).ids["all"]
    if not everyone:
        raise RuntimeError("no learner in the database to make a person from")
    made: list[AbsentQuery] = []
    while len(made) < count:
        kind = ABSENT_KINDS[len(made) % len(ABSENT_KINDS)]
        for _ in range(200):
            typed = kind.make([load_source(db, rng.choice(everyone)) for _ in range(kind.needs)])
            if typed is not None and not _registered(db, typed):
                made.append(AbsentQuery(kind, typed))
                break
        else:
            raise RuntimeError(f"could not make a person not in the register ({kind.name})")
    return made
