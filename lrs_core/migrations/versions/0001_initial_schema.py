"""Initial schema: organisations, portal users, learners, PLR events, challenges,
intake cases, desk operators and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:58:43.957026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    # The chain starts empty: sequence 0, the all-zero genesis hash.
    op.execute(
        "INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, '" + "0" * 64 + "')"
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "ok",
                "denied",
                "failed",
                name="audit_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("sequence", name="uq_audit_event_sequence"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "agent",
                "analyst",
                "admin",
                name="operator_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "locked",
                "disabled",
                "deleted",
                name="operator_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
        sa.UniqueConstraint("username", name=op.f("uq_operator_username")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ukprn", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school",
                "college",
                "training-provider",
                "higher-education",
                "prison-education",
                "armed-forces",
                "careers-service",
                "awarding-organisation",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_lrb", sa.Boolean(), nullable=False),
        sa.Column("is_ao", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("ukprn", name=op.f("uq_organisation_ukprn")),
    )
    op.create_table(
        "intake_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("sender_email", sa.String(length=254), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("encrypted_content", sa.LargeBinary(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "awaiting-passphrase",
                "opened",
                "disposed",
                name="intake_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operator.id"], name=op.f("fk_intake_case_operator_id_operator")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_intake_case_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_case_reference")),
    )
    op.create_table(
        "learner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uln", sa.String(length=10), nullable=False),
        sa.Column("mis_identifier", sa.String(length=50), nullable=True),
        sa.Column("title", sa.String(length=35), nullable=True),
        sa.Column("given_name", sa.String(length=35), nullable=False),
        sa.Column("preferred_given_name", sa.String(length=35), nullable=True),
        sa.Column("middle_other_name", sa.String(length=35), nullable=True),
        sa.Column("family_name", sa.String(length=35), nullable=False),
        sa.Column("previous_family_name", sa.String(length=35), nullable=True),
        sa.Column("family_name_at_16", sa.String(length=35), nullable=True),
        sa.Column("school_at_16", sa.String(length=254), nullable=True),
        sa.Column("address_line1", sa.String(length=50), nullable=True),
        sa.Column("address_line2", sa.String(length=50), nullable=True),
        sa.Column("address_town", sa.String(length=50), nullable=True),
        sa.Column("address_county_or_city", sa.String(length=50), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("date_of_address_capture", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("place_of_birth", sa.String(length=35), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("gender", sa.Integer(), nullable=False),
        sa.Column("nationality", sa.String(length=35), nullable=True),
        sa.Column("scottish_candidate_number", sa.String(length=9), nullable=True),
        sa.Column("ability_to_share", sa.Integer(), nullable=False),
        sa.Column("verification_type", sa.Integer(), nullable=False),
        sa.Column("other_verification_description", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.String(length=4000), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("uci", sa.String(length=13), nullable=True),
        sa.Column("given_key", sa.String(length=35), nullable=False),
        sa.Column("family_key", sa.String(length=35), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "linked",
                "retired",
                name="learner_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("master_learner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_by_organisation_id", sa.Integer(), nullable=True),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amended_by", sa.String(length=100), nullable=True),
        sa.Column("amended_by_organisation_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ability_to_share IN (0, 1)", name=op.f("ck_learner_ability_to_share_code")
        ),
        sa.CheckConstraint("gender IN (0, 1, 2, 9)", name=op.f("ck_learner_gender_code")),
        sa.ForeignKeyConstraint(
            ["amended_by_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_learner_amended_by_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_learner_created_by_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["master_learner_id"], ["learner.id"], name=op.f("fk_learner_master_learner_id_learner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner")),
        sa.UniqueConstraint("uln", name=op.f("uq_learner_uln")),
    )
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learner_dob_postcode", ["date_of_birth", "postcode"], unique=False
        )
        batch_op.create_index(
            "ix_learner_family_key_dob", ["family_key", "date_of_birth"], unique=False
        )
        batch_op.create_index("ix_learner_given_key", ["given_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_learner_master_learner_id"), ["master_learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_learner_upn"), ["upn"], unique=False)

    op.create_table(
        "portal_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("given_name", sa.String(length=35), nullable=False),
        sa.Column("family_name", sa.String(length=35), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "locked",
                "disabled",
                "deleted",
                name="portal_user_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("secret_question", sa.String(length=200), nullable=True),
        sa.Column("secret_answer_hash", sa.String(length=200), nullable=True),
        sa.Column("on_long_term_leave", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_portal_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_user")),
        sa.UniqueConstraint("username", name=op.f("uq_portal_user_username")),
    )
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_user_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "data_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "uln",
                "event",
                name="challenge_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in-progress",
                "resolved",
                "rejected",
                "withdrawn",
                name="challenge_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raised_by_organisation_id", sa.Integer(), nullable=True),
        sa.Column("raiser_name", sa.String(length=100), nullable=False),
        sa.Column("raiser_email", sa.String(length=254), nullable=False),
        sa.Column("raiser_phone", sa.String(length=32), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("other_uln", sa.String(length=10), nullable=True),
        sa.Column("assigned_operator_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_operator_id"],
            ["operator.id"],
            name=op.f("fk_data_challenge_assigned_operator_id_operator"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name=op.f("fk_data_challenge_learner_id_learner")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_data_challenge_raised_by_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_challenge")),
        sa.UniqueConstraint("reference", name=op.f("uq_data_challenge_reference")),
    )
    with op.batch_alter_table("data_challenge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_challenge_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "learner_previous_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=35), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('family_name', 'postcode')", name=op.f("ck_learner_previous_value_kind")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_learner_previous_value_learner_id_learner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_previous_value")),
    )
    with op.batch_alter_table("learner_previous_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learner_previous_value_kind_value", ["kind", "value"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_learner_previous_value_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "learning_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("moved_from_learner_id", sa.Integer(), nullable=True),
        sa.Column("achievement_provider_ukprn", sa.String(length=8), nullable=True),
        sa.Column("achievement_provider_name", sa.String(length=200), nullable=True),
        sa.Column("awarding_organisation_name", sa.String(length=200), nullable=True),
        sa.Column("awarding_organisation_ukprn", sa.String(length=8), nullable=True),
        sa.Column("qualification_type", sa.String(length=100), nullable=True),
        sa.Column("subject_code", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("credits", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "NPD",
                "ILR",
                "AO",
                name="event_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("participation_start_date", sa.Date(), nullable=True),
        sa.Column("participation_end_date", sa.Date(), nullable=True),
        sa.Column("award_date", sa.Date(), nullable=True),
        sa.Column("date_loaded", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("restriction", sa.String(length=50), nullable=True),
        sa.Column("collection_type", sa.String(length=20), nullable=True),
        sa.Column("return_number", sa.String(length=10), nullable=True),
        sa.Column("language_for_assessment", sa.String(length=20), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name=op.f("fk_learning_event_learner_id_learner")
        ),
        sa.ForeignKeyConstraint(
            ["moved_from_learner_id"],
            ["learner.id"],
            name=op.f("fk_learning_event_moved_from_learner_id_learner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_event")),
    )
    with op.batch_alter_table("learning_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_event_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "portal_user_role",
        sa.Column("portal_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "super-user",
                "batch-user",
                "online-user",
                "view-only-user",
                "learner-record",
                "vld-learning-provider",
                name="portal_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["portal_user_id"],
            ["portal_user.id"],
            name=op.f("fk_portal_user_role_portal_user_id_portal_user"),
        ),
        sa.PrimaryKeyConstraint("portal_user_id", "role", name=op.f("pk_portal_user_role")),
    )
    op.create_table(
        "data_challenge_event",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["data_challenge.id"],
            name=op.f("fk_data_challenge_event_challenge_id_data_challenge"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["learning_event.id"],
            name=op.f("fk_data_challenge_event_event_id_learning_event"),
        ),
        sa.PrimaryKeyConstraint("challenge_id", "event_id", name=op.f("pk_data_challenge_event")),
    )
    op.create_table(
        "data_challenge_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["data_challenge.id"],
            name=op.f("fk_data_challenge_note_challenge_id_data_challenge"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operator.id"],
            name=op.f("fk_data_challenge_note_operator_id_operator"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_challenge_note")),
    )
    with op.batch_alter_table("data_challenge_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_challenge_note_challenge_id"), ["challenge_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("data_challenge_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_challenge_note_challenge_id"))

    op.drop_table("data_challenge_note")
    op.drop_table("data_challenge_event")
    op.drop_table("portal_user_role")
    with op.batch_alter_table("learning_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_event_learner_id"))

    op.drop_table("learning_event")
    with op.batch_alter_table("learner_previous_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_previous_value_learner_id"))
        batch_op.drop_index("ix_learner_previous_value_kind_value")

    op.drop_table("learner_previous_value")
    with op.batch_alter_table("data_challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_challenge_learner_id"))

    op.drop_table("data_challenge")
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_user_organisation_id"))

    op.drop_table("portal_user")
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_upn"))
        batch_op.drop_index(batch_op.f("ix_learner_master_learner_id"))
        batch_op.drop_index("ix_learner_given_key")
        batch_op.drop_index("ix_learner_family_key_dob")
        batch_op.drop_index("ix_learner_dob_postcode")

    op.drop_table("learner")
    op.drop_table("intake_case")
    op.drop_table("organisation")
    op.drop_table("operator")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")

    op.drop_table("audit_event")
    op.drop_table("audit_chain_head")
