"""report.request_id and delivery.request_id: the request that filed a report, carried to the
deliveries its alerts queued, so the worker's log lines about them name the request (X-Request-ID).

Nullable: rows written before this revision, and deliveries no request caused (digests, family
alerts raised by the worker), have none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.add_column("delivery", sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_column("request_id")
    with op.batch_alter_table("report") as batch_op:
        batch_op.drop_column("request_id")
