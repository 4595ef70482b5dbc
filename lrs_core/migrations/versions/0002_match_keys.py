"""Match keys for the demographic search: phonetic codes of the name keys, folded keys of
previous values, the indexes the search blocks use, and the ULN allocation counter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import jellyfish
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Registered ULNs are drawn from serials far above any demo learner id (the demo derives its
# ULNs from the learner id by the same permutation), so the two never meet.
FIRST_SERIAL = 50_000_000
BATCH = 5_000


def _phonetic(key: str) -> str:
    # A frozen copy of lrs_core.domain.matching.phonetic_key at this revision, applied to keys.
    return jellyfish.metaphone(key)[:16].upper() if key else ""


def _fold(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", value).casefold())
    return "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) and not c.isspace() and c not in "-'\u2019"
    )


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("given_phonetic", sa.String(16), nullable=True))
        batch.add_column(sa.Column("family_phonetic", sa.String(16), nullable=True))
    with op.batch_alter_table("learner_previous_value") as batch:
        batch.add_column(sa.Column("value_key", sa.String(35), nullable=True))

    connection = op.get_bind()
    learner = sa.table(
        "learner",
        sa.column("id", sa.Integer),
        sa.column("given_key", sa.String),
        sa.column("family_key", sa.String),
        sa.column("given_phonetic", sa.String),
        sa.column("family_phonetic", sa.String),
    )
    update = (
        sa.update(learner)
        .where(learner.c.id == sa.bindparam("b_id"))
        .values(given_phonetic=sa.bindparam("b_g"), family_phonetic=sa.bindparam("b_f"))
    )
    last = 0
    while rows := connection.execute(
        sa.select(learner.c.id, learner.c.given_key, learner.c.family_key)
        .where(learner.c.id > last)
        .order_by(learner.c.id)
        .limit(BATCH)
    ).all():
        connection.execute(
            update, [{"b_id": i, "b_g": _phonetic(g), "b_f": _phonetic(f)} for i, g, f in rows]
        )
        last = rows[-1][0]

    previous = sa.table(
        "learner_previous_value",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("value_key", sa.String),
    )
    update_previous = (
        sa.update(previous)
        .where(previous.c.id == sa.bindparam("b_id"))
        .values(value_key=sa.bindparam("b_key"))
    )
    last = 0
    while rows := connection.execute(
        sa.select(previous.c.id, previous.c.kind, previous.c.value)
        .where(previous.c.id > last)
        .order_by(previous.c.id)
        .limit(BATCH)
    ).all():
        connection.execute(
            update_previous,
            [{"b_id": i, "b_key": _fold(v) if k == "family_name" else v} for i, k, v in rows],
        )
        last = rows[-1][0]

    with op.batch_alter_table("learner") as batch:
        batch.alter_column("given_phonetic", existing_type=sa.String(16), nullable=False)
        batch.alter_column("family_phonetic", existing_type=sa.String(16), nullable=False)
        batch.drop_index("ix_learner_given_key")
        batch.create_index("ix_learner_given_key_dob", ["given_key", "date_of_birth"])
        batch.create_index("ix_learner_family_phonetic_dob", ["family_phonetic", "date_of_birth"])
        batch.create_index("ix_learner_family_key_given_key", ["family_key", "given_key"])
    with op.batch_alter_table("learner_previous_value") as batch:
        batch.alter_column("value_key", existing_type=sa.String(35), nullable=False)
        batch.drop_index("ix_learner_previous_value_kind_value")
        batch.create_index("ix_learner_previous_value_kind_value_key", ["kind", "value_key"])

    op.create_table(
        "uln_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_uln_allocation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uln_allocation")),
    )
    op.execute(f"INSERT INTO uln_allocation (id, next_serial) VALUES (1, {FIRST_SERIAL})")


def downgrade() -> None:
    op.drop_table("uln_allocation")
    with op.batch_alter_table("learner_previous_value") as batch:
        batch.drop_index("ix_learner_previous_value_kind_value_key")
        batch.create_index("ix_learner_previous_value_kind_value", ["kind", "value"])
        batch.drop_column("value_key")
    with op.batch_alter_table("learner") as batch:
        batch.drop_index("ix_learner_family_key_given_key")
        batch.drop_index("ix_learner_family_phonetic_dob")
        batch.drop_index("ix_learner_given_key_dob")
        batch.create_index("ix_learner_given_key", ["given_key"])
        batch.drop_column("family_phonetic")
        batch.drop_column("given_phonetic")
