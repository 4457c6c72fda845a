"""Endpoint health per channel, and why a delivery was dead-lettered.

``subscription.failing_since`` is now the webhook channel's run of failures; the new
``email_failing_since`` is the e-mail channel's, and ``email_disabled_at`` / ``email_disabled_reason``
stop the e-mail channel alone, as ``webhook_disabled_at`` / ``_reason`` (0013) stop the webhook.
A channel that fails for VARSEL_ENDPOINT_DISABLE_AFTER_HOURS is stopped on its own; the other
keeps delivering. ``delivery.dead_letter_reason`` says why a delivery was dead-lettered (retries
used up, 410 Gone, its channel disabled), for the delivery log.

Existing rows: until now one ``failing_since`` covered both channels, and it was set only while no
delivery of the subscription succeeded, so neither channel has succeeded since then: it is copied
to ``email_failing_since`` where there is an e-mail address, and cleared where there is no webhook.
A subscription disabled as a whole (the old rule) gets each of its channels marked disabled with
the same time and reason, so re-enabling reads the same everywhere. Its pending deliveries are
dead-lettered by the next claim that reaches them (service.alerting.store), with the reason.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscription", sa.Column("email_failing_since", UTCDateTime(timezone=True), nullable=True))
    op.add_column("subscription", sa.Column("email_disabled_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("subscription", sa.Column("email_disabled_reason", sa.Text(), nullable=True))
    op.add_column("delivery", sa.Column("dead_letter_reason", sa.Text(), nullable=True))
    op.execute(
        "UPDATE subscription SET email_failing_since = failing_since "
        "WHERE email IS NOT NULL AND email <> '' AND failing_since IS NOT NULL"
    )
    op.execute("UPDATE subscription SET failing_since = NULL WHERE url = ''")
    op.execute(
        "UPDATE subscription SET webhook_disabled_at = disabled_at, webhook_disabled_reason = disabled_reason "
        "WHERE enabled = false AND disabled_at IS NOT NULL AND url <> '' AND webhook_disabled_at IS NULL"
    )
    op.execute(
        "UPDATE subscription SET email_disabled_at = disabled_at, email_disabled_reason = disabled_reason "
        "WHERE enabled = false AND disabled_at IS NOT NULL AND email IS NOT NULL AND email <> ''"
    )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_column("dead_letter_reason")
    with op.batch_alter_table("subscription") as batch_op:
        batch_op.drop_column("email_disabled_reason")
        batch_op.drop_column("email_disabled_at")
        batch_op.drop_column("email_failing_since")
