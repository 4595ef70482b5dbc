"""Indexes for the widened demographic search: postcode first (everyone at a postcode, or a
family name at the default postcode), and family + given name with the date of birth (the
nearest birthdays to the one typed, from the index alone).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.drop_index("ix_learner_family_key_given_key")
        batch.create_index(
            "ix_learner_family_key_given_key_dob", ["family_key", "given_key", "date_of_birth"]
        )
        batch.create_index("ix_learner_postcode_family_key", ["postcode", "family_key"])


def downgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.drop_index("ix_learner_postcode_family_key")
        batch.drop_index("ix_learner_family_key_given_key_dob")
        batch.create_index("ix_learner_family_key_given_key", ["family_key", "given_key"])
