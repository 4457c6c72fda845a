"""family.name and family.name_source: a family's readable name, stored so that lists show it.

Nullable and not backfilled here: a name needs RDKit, the members' structures and the live
rulebook (drafts included), which a migration does not load. The worker names every family whose
name is NULL on its next round (service.families.placement.name_unnamed), on SQLite and
PostgreSQL alike; until then a list shows the family's id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("family", sa.Column("name", sa.String(length=200), nullable=True))
    op.add_column("family", sa.Column("name_source", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("family") as batch_op:
        batch_op.drop_column("name_source")
        batch_op.drop_column("name")
