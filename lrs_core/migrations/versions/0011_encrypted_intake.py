"""The encrypted-passphrase intake (issue 13).

- ``intake_case`` is made anew: the table 0001 made was never written by any release (no
  service used it), so it is dropped rather than altered. A case is one email to the desk's
  mailbox: sender, masked subject, the message sealed under the intake key, the decrypted
  rows sealed likewise while open, the passphrase's tries and whether it met the guidance
  (never the passphrase), disposal dates.
- ``intake_attachment``: each attachment's name, size, SHA-256 and kind.
- ``intake_finding``: the §1.4 breaches found in it (rule, where, what kind of data).
- ``breach_incident`` and ``breach_incident_step``: the incident a breach opens on the
  sender's organisation and the §1.4 ladder's steps confirmed on it (each step once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODE = sa.String(32)  # a closed code set: VARCHAR(32) with a CHECK, as models.code() makes
_WHEN = sa.DateTime(timezone=True)

INTAKE_STATUSES = ("new", "awaiting-passphrase", "new-file-needed", "open", "closed", "disposed")
ATTACHMENT_KINDS = ("aes-zip", "zipcrypto-zip", "encrypted-office", "plain-zip", "plain-file")
BREACH_RULES = (
    "uln-with-demographic",
    "demographics",
    "unencrypted-attachment",
    "weak-encryption",
    "passphrase-in-email",
    "credentials-in-email",
)
LADDER_STEPS = (
    "contact",
    "user-disabled",
    "organisation-disabled",
    "dpo-and-senior-management",
    "ico",
)


def _allowed(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _check(table: str, column: str, name: str, values: Sequence[str]) -> sa.CheckConstraint:
    return sa.CheckConstraint(_allowed(column, values), name=op.f(f"ck_{table}_{name}"))


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.drop_table("intake_case")
    op.create_table(
        "intake_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("message_sha256", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("sender_email", sa.String(254), nullable=False),
        sa.Column("sender_name", sa.String(100), nullable=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("portal_user_id", sa.Integer(), nullable=True),
        sa.Column("sender_set_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("status", _CODE, nullable=False),
        sa.Column("message_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("opened_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("passphrase_tries", sa.Integer(), nullable=False),
        sa.Column("passphrase_guidance_met", sa.Boolean(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("outcome_counts", sa.JSON(), nullable=True),
        sa.Column("opened_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", _WHEN, nullable=True),
        sa.Column("closed_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("dispose_after", _WHEN, nullable=True),
        sa.Column("disposed_at", _WHEN, nullable=True),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"),
        _fk("organisation_id", "organisation", "intake_case"),
        _fk("portal_user_id", "portal_user", "intake_case"),
        _fk("sender_set_by_operator_id", "operator", "intake_case"),
        _fk("opened_by_operator_id", "operator", "intake_case"),
        _fk("closed_by_operator_id", "operator", "intake_case"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_case_reference")),
        sa.UniqueConstraint("message_sha256", name=op.f("uq_intake_case_message_sha256")),
        _check("intake_case", "status", "intake_status", INTAKE_STATUSES),
    )
    for column in ("organisation_id", "status", "dispose_after"):
        op.create_index(op.f(f"ix_intake_case_{column}"), "intake_case", [column])

    op.create_table(
        "intake_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", _CODE, nullable=False),
        _fk("case_id", "intake_case", "intake_attachment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_attachment")),
        _check("intake_attachment", "kind", "attachment_kind", ATTACHMENT_KINDS),
    )
    op.create_index(op.f("ix_intake_attachment_case_id"), "intake_attachment", ["case_id"])

    op.create_table(
        "intake_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule", _CODE, nullable=False),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("found_at", _WHEN, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        _fk("case_id", "intake_case", "intake_finding"),
        _fk("operator_id", "operator", "intake_finding"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_finding")),
        _check("intake_finding", "rule", "breach_rule", BREACH_RULES),
    )
    op.create_index(op.f("ix_intake_finding_case_id"), "intake_finding", ["case_id"])

    op.create_table(
        "breach_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("portal_user_id", sa.Integer(), nullable=True),
        sa.Column("status", _CODE, nullable=False),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("closed_by_operator_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"),
        _fk("case_id", "intake_case", "breach_incident"),
        _fk("organisation_id", "organisation", "breach_incident"),
        _fk("portal_user_id", "portal_user", "breach_incident"),
        _fk("closed_by_operator_id", "operator", "breach_incident"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_incident")),
        sa.UniqueConstraint("reference", name=op.f("uq_breach_incident_reference")),
        sa.UniqueConstraint("case_id", name=op.f("uq_breach_incident_case_id")),
        _check("breach_incident", "status", "incident_status", ("open", "closed")),
    )
    op.create_index(
        op.f("ix_breach_incident_organisation_id"), "breach_incident", ["organisation_id"]
    )

    op.create_table(
        "breach_incident_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step", _CODE, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("performed_at", _WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("security_action_id", sa.Integer(), nullable=True),
        _fk("incident_id", "breach_incident", "breach_incident_step"),
        _fk("operator_id", "operator", "breach_incident_step"),
        _fk("security_action_id", "security_action", "breach_incident_step"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_incident_step")),
        sa.UniqueConstraint(
            "incident_id", "step", name=op.f("uq_breach_incident_step_incident_id")
        ),
        _check("breach_incident_step", "step", "ladder_step", LADDER_STEPS),
    )
    op.create_index(
        op.f("ix_breach_incident_step_incident_id"), "breach_incident_step", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_table("breach_incident_step")
    op.drop_table("breach_incident")
    op.drop_table("intake_finding")
    op.drop_table("intake_attachment")
    op.drop_table("intake_case")
    op.create_table(
        "intake_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("sender_email", sa.String(254), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("encrypted_content", sa.LargeBinary(), nullable=True),
        sa.Column("status", _CODE, nullable=False),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("disposed_at", _WHEN, nullable=True),
        _fk("operator_id", "operator", "intake_case"),
        _fk("organisation_id", "organisation", "intake_case"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_case_reference")),
        _check(
            "intake_case",
            "status",
            "intake_status",
            ("received", "awaiting-passphrase", "opened", "disposed"),
        ),
    )
