"""E-mail as a delivery channel, digest periods, and feed tokens

``subscription.email`` is the address an e-mail subscription delivers to (``url`` stays NOT NULL
and holds '' for a subscription without a webhook, so the table need not be rebuilt on SQLite).
``subscription.last_digest_at`` starts the period the next digest states. ``delivery.channel``
says whether a delivery is a webhook or an e-mail. ``feed_token`` holds the SHA-256 of each
token that opens one subscription's Atom feed (and nothing else).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscription", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column("subscription", sa.Column("last_digest_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("delivery", sa.Column("channel", sa.String(length=10), nullable=False, server_default="webhook"))
    op.create_table(
        "feed_token",
        sa.Column("id", sa.String(length=26), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.String(length=26),
            sa.ForeignKey("subscription.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_feed_token_subscription_id", "feed_token", ["subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_feed_token_subscription_id", table_name="feed_token")
    op.drop_table("feed_token")
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("subscription") as batch_op:
        batch_op.drop_column("last_digest_at")
        batch_op.drop_column("email")
