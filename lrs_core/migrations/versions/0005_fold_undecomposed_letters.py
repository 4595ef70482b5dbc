"""Match keys fold letters that have no accent to strip (ł, ø, đ, æ...): Łukasz ~ Lukasz.

Recomputes the name keys, their phonetic codes and previous family-name keys of the rows that
hold such letters; every other key is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:25:00
"""

import unicodedata
from collections.abc import Sequence

import jellyfish
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LETTERS = ("ł", "ø", "đ", "ħ", "ı", "æ", "œ", "þ", "ð")


def _fold(value: str) -> str:
    # A frozen copy of lrs_core.domain.names.name_key at this revision.
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


def _phonetic(key: str) -> str:
    return jellyfish.metaphone(key)[:16].upper() if key else ""


def _holding(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*(column.like(f"%{letter}%") for letter in LETTERS))


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
            sa.or_(_holding(learner.c.given_key), _holding(learner.c.family_key))
        )
    ).all()
    if rows:
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
                {
                    "b_id": i,
                    "b_gk": _fold(g),
                    "b_fk": _fold(f),
                    "b_gp": _phonetic(_fold(g)),
                    "b_fp": _phonetic(_fold(f)),
                }
                for i, g, f in rows
            ],
        )
    previous = sa.table(
        "learner_previous_value",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("value_key", sa.String),
    )
    earlier = connection.execute(
        sa.select(previous.c.id, previous.c.value).where(
            previous.c.kind == "family_name", _holding(previous.c.value_key)
        )
    ).all()
    if earlier:
        connection.execute(
            sa.update(previous)
            .where(previous.c.id == sa.bindparam("b_id"))
            .values(value_key=sa.bindparam("b_key")),
            [{"b_id": i, "b_key": _fold(v)} for i, v in earlier],
        )


def downgrade() -> None:
    # The folded keys still find every learner the old ones did; nothing to undo.
    pass
