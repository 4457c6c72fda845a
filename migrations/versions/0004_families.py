"""families: families of related substances, their memberships, recompute jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 12:10:06.799420
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_by_key_id", sa.String(length=32), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("family_job", schema=None) as batch_op:
        batch_op.create_index("ix_family_job_state", ["state", "id"], unique=False)

    op.create_table(
        "family",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("founder_substance_id", sa.Integer(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("core_smarts", sa.Text(), nullable=True),
        sa.Column("core_member_count", sa.Integer(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("proposal_member_count", sa.Integer(), nullable=True),
        sa.Column("proposal_rulebook_version", sa.String(length=64), nullable=True),
        sa.Column("proposal_computed_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["founder_substance_id"], ["substance.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "family_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("substance_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=40), nullable=False),
        sa.Column("joined_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(length=20), nullable=False),
        sa.Column("nearest_similarity", sa.Float(), nullable=True),
        sa.Column("nearest_substance_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("scaffold", sa.Text(), nullable=False),
        sa.Column("distinctive_scaffold", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["substance_id"], ["substance.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("substance_id"),
    )
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_member_family_id"), ["family_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_member_family_id"))

    op.drop_table("family_member")
    op.drop_table("family")
    with op.batch_alter_table("family_job", schema=None) as batch_op:
        batch_op.drop_index("ix_family_job_state")

    op.drop_table("family_job")
