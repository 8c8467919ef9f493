"""security: staff bound to centres, try limits, link codes confirmed by their owner

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "staff_centres",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"],
            name=op.f("fk_staff_centres_centre_id_centres"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_staff_centres_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "role", "centre_id", name=op.f("pk_staff_centres")),
    )  # fmt: skip
    with op.batch_alter_table("staff_centres", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_centres_centre_id"), ["centre_id"])

    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_attempts")),
    )
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_attempts_at"), ["at"])
        batch_op.create_index("ix_failed_attempts_scope_subject_at", ["scope", "subject", "at"])

    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("all_centres", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    # Old six-digit codes were guessable; none survives the upgrade.
    op.execute("DELETE FROM link_codes")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.alter_column(
            "code", existing_type=sa.String(length=12), type_=sa.String(length=16)
        )
        batch_op.add_column(sa.Column("claimed_platform", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("claimed_external_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_chat_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )

    # Existing coordinators keep reaching the centre they had chosen, and no other; existing
    # advisers the centres where they have hours (else their own centre). Anyone without such
    # a centre is bound to none until an admin grants one.
    op.execute(
        "INSERT INTO staff_centres (user_id, role, centre_id) "
        "SELECT r.user_id, r.role, u.centre_id FROM roles r JOIN users u ON u.id = r.user_id "
        "WHERE r.role = 'coordinator' AND u.centre_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO staff_centres (user_id, role, centre_id) "
        "SELECT DISTINCT a.user_id, 'adviser', h.centre_id FROM advisers a "
        "JOIN adviser_hours h ON h.adviser_id = a.id JOIN roles r "
        "ON r.user_id = a.user_id AND r.role = 'adviser'"
    )
    op.execute(
        "INSERT INTO staff_centres (user_id, role, centre_id) "
        "SELECT r.user_id, r.role, u.centre_id FROM roles r JOIN users u ON u.id = r.user_id "
        "WHERE r.role = 'adviser' AND u.centre_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM staff_centres s WHERE s.user_id = r.user_id AND s.role = 'adviser')"
    )


def downgrade() -> None:
    """Undo this revision."""
    op.execute("DELETE FROM link_codes")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_chat_id")
        batch_op.drop_column("claimed_external_id")
        batch_op.drop_column("claimed_platform")
        batch_op.alter_column(
            "code", existing_type=sa.String(length=16), type_=sa.String(length=12)
        )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_column("all_centres")
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_attempts_scope_subject_at")
        batch_op.drop_index(batch_op.f("ix_failed_attempts_at"))
    op.drop_table("failed_attempts")
    with op.batch_alter_table("staff_centres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_centres_centre_id"))
    op.drop_table("staff_centres")
