"""The encrypted intake's body, masked where it holds the phoned passphrase (issue 13).

- ``intake_case.masked_body_sealed``: when the passphrase phoned in is found in the email's
  body (§1.4: a breach), the body with it masked, sealed under the intake key. The passphrase
  is never stored, so a later view of the message could not mask it; this is what the view
  shows instead, until the case is disposed of.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_body_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_case", schema=None) as batch_op:
        batch_op.drop_column("masked_body_sealed")
