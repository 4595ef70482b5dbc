"""Operators: a lock that lifts by itself, and a second factor (TOTP) sealed at rest.

``locked_until`` is when a lock set after repeated failures lifts (NULL: until an admin
acts, as for locks set before this revision). ``totp_secret`` holds the operator's TOTP
secret encrypted with AES-GCM under the ``totp-key`` application key, never in clear;
``totp_last_step`` is the time step of the last code accepted, so no code works twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("locked_until")
