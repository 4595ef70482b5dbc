"""Indexes for the widened demographic search, each ending with the date of birth so that
the nearest birthdays to the one typed come from the index alone: family + given name,
postcode + family name and postcode + given name (a postcode prefix also finds everyone at
a postcode).

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

_NEW = {
    "ix_learner_family_key_given_key_dob": ["family_key", "given_key", "date_of_birth"],
    "ix_learner_postcode_family_key_dob": ["postcode", "family_key", "date_of_birth"],
    "ix_learner_postcode_given_key_dob": ["postcode", "given_key", "date_of_birth"],
}


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.drop_index("ix_learner_family_key_given_key")  # the first index above replaces it
        for name, columns in _NEW.items():
            batch.create_index(name, columns)


def downgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        for name in _NEW:
            batch.drop_index(name)
        batch.create_index("ix_learner_family_key_given_key", ["family_key", "given_key"])
