"""delivery: the due index carries the claim's whole order, (state, next_attempt_at, id)

A worker claims ``ORDER BY next_attempt_at, id LIMIT n``. With the index on (state,
next_attempt_at) the id tie-break needed a sort, and on PostgreSQL, with statistics that lag a
burst (the table's pending share jumps from nothing to tens of thousands of rows faster than
autovacuum re-analyses it), the planner sorted every pending delivery for each claim: 27 ms at
30,000 pending, ~0.2 s per claim in bench/alerts.py's steady state, which starved report intake.
With the id in the index, the claim reads the first rows in index order and stops (2 ms at
30,000 pending with stale statistics, the store also forbidding a sort for that query).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_index("ix_delivery_due")
        batch_op.create_index("ix_delivery_due", ["state", "next_attempt_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_index("ix_delivery_due")
        batch_op.create_index("ix_delivery_due", ["state", "next_attempt_at"], unique=False)
