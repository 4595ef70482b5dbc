"""Data-challenge triage (issue 11): challenge types and the §6.1 details each needs, the
support-hour SLA clock, claims, a timeline of notes, reversible record changes, retired ULNs
and soft-removed events.

- ``data_challenge``: ``category`` (free text, never written by the desk) becomes
  ``challenge_type``, one of the §6.1 types (an old row's category, if any, is kept in its
  comments and the row becomes "other-uln" or the event type it named); two new statuses
  (awaiting information, referred to the awarding organisation); the other learner and which
  is the master, the reason, an event challenge's action, target name and proposed values;
  the clock (``clock_started_at``, ``support_seconds_used``), the claim, the AO's answer,
  ``updated_at`` (the queue polls it) and ``row_version`` (a stale screen is told).
- ``data_challenge_note.kind``: note, status, claim or action.
- ``record_change``: each change to learners or events with its exact before and after state;
  ``reverses_id`` unique, so a change is reversed at most once.
- ``learner.retired_reason``; ``learning_event.status`` limited to active / removed, with the
  removal's reason and time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = ("open", "in-progress", "resolved", "rejected", "withdrawn")
_NEW_STATUSES = (
    "open", "in-progress", "awaiting-information", "referred", "resolved", "rejected", "withdrawn",
)  # fmt: skip
_TYPES = (
    "duplicate-uln", "fictitious-uln", "incorrectly-merged", "shared-uln", "deceased",
    "using-another-uln", "other-uln", "event-information-wrong", "event-not-belonging",
    "event-duplicated",
)  # fmt: skip
_CHANGE_KINDS = (
    "merge", "demerge", "shared-uln-split", "retire", "event-transfer", "event-removal",
    "event-correction", "reversal",
)  # fmt: skip


_CODE = sa.String(32)  # a closed code set: VARCHAR(32) with a CHECK, as models.code() makes


def _allowed(column: str, values: Sequence[str]) -> str:
    # Each CHECK is created by name here: PostgreSQL's ALTER does not make one for a type.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    bind = op.get_bind()
    # An old row's free category is kept in its comments before the column goes.
    bind.execute(
        sa.text(
            "UPDATE data_challenge SET comments = "
            "COALESCE(comments || ' ', '') || '(category: ' || category || ')'"
        )
    )
    with op.batch_alter_table("data_challenge") as batch:
        batch.add_column(sa.Column("challenge_type", _CODE, nullable=True))
        batch.create_check_constraint("challenge_type", _allowed("challenge_type", _TYPES))
        batch.drop_constraint(op.f("ck_data_challenge_challenge_status"), type_="check")
        batch.create_check_constraint("challenge_status", _allowed("status", _NEW_STATUSES))
        batch.add_column(sa.Column("raised_by_operator_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("other_learner_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("master_learner_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("event_action", _CODE, nullable=True))
        batch.create_check_constraint(
            "event_challenge_action",
            _allowed("event_action", ("disputed", "remove", "transfer")),
        )
        batch.add_column(sa.Column("target_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("proposed_grade", sa.String(20), nullable=True))
        batch.add_column(sa.Column("proposed_end_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("proposed_award_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "not_participation_confirmed",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("support_seconds_used", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("referred_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ao_answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_foreign_key(
            "fk_data_challenge_raised_by_operator_id_operator",
            "operator",
            ["raised_by_operator_id"],
            ["id"],
        )
        batch.create_foreign_key(
            "fk_data_challenge_other_learner_id_learner", "learner", ["other_learner_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_data_challenge_master_learner_id_learner",
            "learner",
            ["master_learner_id"],
            ["id"],
        )
        batch.create_index("ix_data_challenge_other_learner_id", ["other_learner_id"])
        batch.create_index("ix_data_challenge_updated_at", ["updated_at"])
        batch.create_index("ix_data_challenge_status_due_at", ["status", "due_at"])

    bind.execute(
        sa.text(
            "UPDATE data_challenge SET updated_at = raised_at, challenge_type = CASE"
            " WHEN kind = 'event' THEN 'event-information-wrong' ELSE 'other-uln' END"
        )
    )
    with op.batch_alter_table("data_challenge") as batch:
        batch.drop_column("category")
        batch.alter_column("challenge_type", existing_type=_CODE, nullable=False)
        batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table("data_challenge_note") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="note"))
        batch.create_check_constraint("kind", "kind IN ('note', 'status', 'claim', 'action')")

    op.create_table(
        "record_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("kind", _CODE, nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("other_learner_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before_state", sa.JSON(), nullable=False),
        sa.Column("after_state", sa.JSON(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["data_challenge.id"],
            name=op.f("fk_record_change_challenge_id_data_challenge"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name=op.f("fk_record_change_learner_id_learner")
        ),
        sa.ForeignKeyConstraint(
            ["other_learner_id"],
            ["learner.id"],
            name=op.f("fk_record_change_other_learner_id_learner"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operator.id"], name=op.f("fk_record_change_operator_id_operator")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["record_change.id"],
            name=op.f("fk_record_change_reverses_id_record_change"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_change")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_record_change_reverses_id")),
        sa.CheckConstraint(
            _allowed("kind", _CHANGE_KINDS), name=op.f("ck_record_change_record_change_kind")
        ),
    )
    for column in ("challenge_id", "learner_id", "other_learner_id"):
        op.create_index(op.f(f"ix_record_change_{column}"), "record_change", [column])

    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("retired_reason", _CODE, nullable=True))
        batch.create_check_constraint(
            "retired_reason", _allowed("retired_reason", ("deceased", "fictitious"))
        )

    bind.execute(sa.text("UPDATE learning_event SET status = 'active' WHERE status IS NULL"))
    with op.batch_alter_table("learning_event") as batch:
        batch.alter_column(
            "status", existing_type=sa.String(20), type_=_CODE, existing_nullable=False
        )
        batch.create_check_constraint("event_status", _allowed("status", ("active", "removed")))
        batch.add_column(sa.Column("removed_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learning_event") as batch:
        batch.drop_constraint(op.f("ck_learning_event_event_status"), type_="check")
        batch.drop_column("removed_at")
        batch.drop_column("removed_reason")
        batch.alter_column("status", existing_type=_CODE, type_=sa.String(20))
    with op.batch_alter_table("learner") as batch:
        batch.drop_constraint(op.f("ck_learner_retired_reason"), type_="check")
        batch.drop_column("retired_reason")
    for column in ("challenge_id", "learner_id", "other_learner_id"):
        op.drop_index(op.f(f"ix_record_change_{column}"), "record_change")
    op.drop_table("record_change")
    with op.batch_alter_table("data_challenge_note") as batch:
        batch.drop_constraint(op.f("ck_data_challenge_note_kind"), type_="check")
        batch.drop_column("kind")
    with op.batch_alter_table("data_challenge") as batch:
        batch.add_column(sa.Column("category", sa.String(60), nullable=True))
    op.get_bind().execute(sa.text("UPDATE data_challenge SET category = challenge_type"))
    with op.batch_alter_table("data_challenge") as batch:
        batch.alter_column("category", existing_type=sa.String(60), nullable=False)
        batch.drop_constraint(op.f("ck_data_challenge_challenge_type"), type_="check")
        batch.drop_constraint(op.f("ck_data_challenge_event_challenge_action"), type_="check")
        batch.drop_index("ix_data_challenge_status_due_at")
        batch.drop_index("ix_data_challenge_updated_at")
        batch.drop_index("ix_data_challenge_other_learner_id")
        batch.drop_constraint("fk_data_challenge_master_learner_id_learner", type_="foreignkey")
        batch.drop_constraint("fk_data_challenge_other_learner_id_learner", type_="foreignkey")
        batch.drop_constraint(
            "fk_data_challenge_raised_by_operator_id_operator", type_="foreignkey"
        )
        for column in (
            "row_version", "updated_at", "ao_answer", "referred_at", "support_seconds_used",
            "clock_started_at", "claimed_at", "not_participation_confirmed",
            "proposed_award_date", "proposed_end_date", "proposed_grade", "target_name",
            "event_action", "reason", "master_learner_id", "other_learner_id",
            "raised_by_operator_id", "challenge_type",
        ):  # fmt: skip
            batch.drop_column(column)
        batch.drop_constraint(op.f("ck_data_challenge_challenge_status"), type_="check")
        batch.create_check_constraint("challenge_status", _allowed("status", _OLD_STATUSES))
