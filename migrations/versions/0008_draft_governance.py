"""classification_draft: who drafted it (organisation) and the second regulator's approval

Four-eyes activation of drafts (issue 17): a draft version is activated only after a regulator
other than its author approved it. The approval belongs to one version (a PATCH makes a new
version, which needs its own approval). The author's organisation is kept so that a draft can be
read and activated only within its jurisdiction. Rows written before this revision have neither:
they count as unapproved.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classification_draft") as batch_op:
        batch_op.add_column(sa.Column("created_by_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approved_at", service.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("classification_draft") as batch_op:
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_key_id")
        batch_op.drop_column("created_by_organisation_id")
