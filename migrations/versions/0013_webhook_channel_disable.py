"""subscription.webhook_disabled_at and webhook_disabled_reason: a receiver that answers 410 Gone
stops the subscription's webhook channel only; its e-mail channel keeps delivering.

Nullable: a webhook channel that was never stopped has neither.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscription", sa.Column("webhook_disabled_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("subscription", sa.Column("webhook_disabled_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription") as batch_op:
        batch_op.drop_column("webhook_disabled_reason")
        batch_op.drop_column("webhook_disabled_at")
