"""Organisations, portal users and super-user reinstatement (issue 12).

- ``organisation``: ``name_key`` (the name folded for search, filled here), the register's
  telephone number (a call-back dials it), who signed the Organisation Agreement, and
  ``portal_enabled`` (§1.4: an organisation's portal permissions disabled after a breach).
- ``portal_user``: title and "verification provided" (§3.5.3).
- ``security_action``: each suspension of a portal user and each disable / re-enable of an
  organisation's portal permissions, with the reason.
- ``super_user_case`` and its timeline: a Change of Super User form (§3.6), at most one
  live case (prepared or approved) per organisation (a partial unique index).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lrs_core.domain.accounts import fold_organisation_name

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODE = sa.String(32)  # a closed code set: VARCHAR(32) with a CHECK, as models.code() makes
_LIVE = "status IN ('prepared', 'approved')"


def _allowed(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone", sa.String(32), nullable=True))
        batch.add_column(sa.Column("agreement_signatory", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("portal_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.create_index("ix_organisation_name_key", ["name_key"])
    rows = bind.execute(sa.text("SELECT id, name FROM organisation")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE organisation SET name_key = :key WHERE id = :id"),
            [{"id": row.id, "key": fold_organisation_name(row.name)} for row in rows],
        )

    with op.batch_alter_table("portal_user") as batch:
        batch.add_column(sa.Column("title", sa.String(10), nullable=True))
        batch.add_column(sa.Column("verification_provided", sa.String(100), nullable=True))

    op.create_table(
        "security_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("portal_user_id", sa.Integer(), nullable=True),
        sa.Column("action", _CODE, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        _fk("organisation_id", "organisation", "security_action"),
        _fk("portal_user_id", "portal_user", "security_action"),
        _fk("operator_id", "operator", "security_action"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_action")),
        sa.CheckConstraint(
            _allowed("action", ("suspend-user", "disable-organisation", "enable-organisation")),
            name=op.f("ck_security_action_security_action_kind"),
        ),
    )
    for column in ("organisation_id", "portal_user_id"):
        op.create_index(op.f(f"ix_security_action_{column}"), "security_action", [column])

    op.create_table(
        "super_user_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reason", _CODE, nullable=False),
        sa.Column("form_received_on", sa.Date(), nullable=False),
        sa.Column("old_portal_user_id", sa.Integer(), nullable=True),
        sa.Column("status", _CODE, nullable=False),
        sa.Column("prepared_by_operator_id", sa.Integer(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form_phone", sa.String(32), nullable=True),
        sa.Column("signatory_name", sa.String(100), nullable=True),
        sa.Column("signatory_job_title", sa.String(100), nullable=True),
        sa.Column("signatory_is_manager", sa.Boolean(), nullable=True),
        sa.Column("signatory_signed_agreement", sa.Boolean(), nullable=True),
        sa.Column("hand_signed", sa.Boolean(), nullable=True),
        sa.Column("callback_phone", sa.String(32), nullable=True),
        sa.Column("callback_confirmed_by", sa.String(100), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_operator_id", sa.Integer(), nullable=True),
        sa.Column("new_title", sa.String(10), nullable=True),
        sa.Column("new_given_name", sa.String(35), nullable=True),
        sa.Column("new_family_name", sa.String(35), nullable=True),
        sa.Column("new_email", sa.String(254), nullable=True),
        sa.Column("new_phone", sa.String(32), nullable=True),
        sa.Column("new_verification_provided", sa.String(100), nullable=True),
        sa.Column("new_username", sa.String(64), nullable=True),
        sa.Column("decided_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("new_portal_user_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"),
        _fk("organisation_id", "organisation", "super_user_case"),
        _fk("old_portal_user_id", "portal_user", "super_user_case"),
        _fk("prepared_by_operator_id", "operator", "super_user_case"),
        _fk("callback_operator_id", "operator", "super_user_case"),
        _fk("decided_by_operator_id", "operator", "super_user_case"),
        _fk("new_portal_user_id", "portal_user", "super_user_case"),
        _fk("completed_by_operator_id", "operator", "super_user_case"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_super_user_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_super_user_case_reference")),
        sa.CheckConstraint(
            _allowed("reason", ("suspended", "long-term-leave", "left")),
            name=op.f("ck_super_user_case_super_user_loss_reason"),
        ),
        sa.CheckConstraint(
            _allowed("status", ("prepared", "approved", "rejected", "completed")),
            name=op.f("ck_super_user_case_super_user_case_status"),
        ),
    )
    op.create_index(
        op.f("ix_super_user_case_organisation_id"), "super_user_case", ["organisation_id"]
    )
    op.create_index(
        "ux_super_user_case_live_organisation",
        "super_user_case",
        ["organisation_id"],
        unique=True,
        sqlite_where=sa.text(_LIVE),
        postgresql_where=sa.text(_LIVE),
    )

    op.create_table(
        "super_user_case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("case_id", "super_user_case", "super_user_case_event"),
        _fk("operator_id", "operator", "super_user_case_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_super_user_case_event")),
    )
    op.create_index(op.f("ix_super_user_case_event_case_id"), "super_user_case_event", ["case_id"])


def downgrade() -> None:
    op.drop_table("super_user_case_event")
    op.drop_index("ux_super_user_case_live_organisation", table_name="super_user_case")
    op.drop_table("super_user_case")
    op.drop_table("security_action")
    with op.batch_alter_table("portal_user") as batch:
        batch.drop_column("verification_provided")
        batch.drop_column("title")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_index("ix_organisation_name_key")
        batch.drop_column("portal_enabled")
        batch.drop_column("agreement_signatory")
        batch.drop_column("phone")
        batch.drop_column("name_key")
