"""Match keys read lookalike letters of other alphabets as the letters they imitate (the Unicode
TR39 skeleton): a Cyrillic "Сarys Rееs" has the keys of Carys Rees.

Recomputes the name keys, their phonetic codes and previous family-name keys of the rows whose
keys hold a letter outside plain ASCII; no other key changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import jellyfish
import sqlalchemy as sa
from alembic import op
from confusable_homoglyphs.confusables import confusables_data

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# --- A frozen copy of lrs_core.domain.names.name_key (and lookalikes.skeleton) at this revision


def _fold(value: str) -> str:
    table = str.maketrans(
        {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th",
         "ð": "d"}
    )  # fmt: skip
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", value).casefold())
    return "".join(
        c
        for c in decomposed.translate(table)
        if not unicodedata.combining(c) and not c.isspace() and c not in "-'\u2019"
    )


def _representatives() -> dict[str, str]:
    marks = str.maketrans("", "", "\u200e\u200f")
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for source, entries in confusables_data.items():
        for entry in entries:
            a, b = root(source.translate(marks)), root(entry["c"].translate(marks))
            if a != b:
                parent[a] = b
    groups: dict[str, list[str]] = defaultdict(list)
    for member in list(parent):
        groups[root(member)].append(member)
    table: dict[str, str] = {}
    for members in groups.values():
        chosen = min(
            members,
            key=lambda m: (not (m.isascii() and m.isalpha() and m.islower()), len(m), m),
        )
        table.update((m, chosen) for m in members if len(m) == 1 and m != chosen)
    return table


def _key(value: str, table: dict[str, str]) -> str:
    key = _fold(value)
    if key.isascii():
        return key
    return _fold("".join(c if c.isascii() else table.get(c, c) for c in key))


def _phonetic(key: str) -> str:
    return jellyfish.metaphone(key)[:16].upper() if key else ""


def _not_ascii(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    # More bytes than characters: a letter outside ASCII (UTF-8 on both databases).
    if op.get_bind().dialect.name == "postgresql":
        return sa.func.octet_length(column) != sa.func.length(column)
    return sa.func.length(sa.cast(column, sa.LargeBinary)) != sa.func.length(column)


def upgrade() -> None:
    connection = op.get_bind()
    learner = sa.table(
        "learner",
        sa.column("id", sa.Integer),
        sa.column("given_name", sa.String),
        sa.column("family_name", sa.String),
        sa.column("given_key", sa.String),
        sa.column("family_key", sa.String),
        sa.column("given_phonetic", sa.String),
        sa.column("family_phonetic", sa.String),
    )
    rows = connection.execute(
        sa.select(learner.c.id, learner.c.given_name, learner.c.family_name).where(
            sa.or_(_not_ascii(learner.c.given_key), _not_ascii(learner.c.family_key))
        )
    ).all()
    previous = sa.table(
        "learner_previous_value",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("value_key", sa.String),
    )
    earlier = connection.execute(
        sa.select(previous.c.id, previous.c.value).where(
            previous.c.kind == "family_name", _not_ascii(previous.c.value_key)
        )
    ).all()
    if not (rows or earlier):
        return
    table = _representatives()
    if rows:
        keys = [(i, _key(g, table), _key(f, table)) for i, g, f in rows]
        connection.execute(
            sa.update(learner)
            .where(learner.c.id == sa.bindparam("b_id"))
            .values(
                given_key=sa.bindparam("b_gk"),
                family_key=sa.bindparam("b_fk"),
                given_phonetic=sa.bindparam("b_gp"),
                family_phonetic=sa.bindparam("b_fp"),
            ),
            [
                {"b_id": i, "b_gk": g, "b_fk": f, "b_gp": _phonetic(g), "b_fp": _phonetic(f)}
                for i, g, f in keys
            ],
        )
    if earlier:
        connection.execute(
            sa.update(previous)
            .where(previous.c.id == sa.bindparam("b_id"))
            .values(value_key=sa.bindparam("b_key")),
            [{"b_id": i, "b_key": _key(v, table)} for i, v in earlier],
        )


def downgrade() -> None:
    # The new keys still find every learner the old ones did; nothing to undo.
    pass
