"""report: covering index (substance_id, organisation_id, country) for the signal history

Intake reads, for each substance of a batch, which organisations and countries have reported it
("first in this country", and whether escalation is still possible). With this index the read is
an index-only scan instead of a visit to every report row of the substance.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_substance_reporters", "report", ["substance_id", "organisation_id", "country"])


def downgrade() -> None:
    op.drop_index("ix_report_substance_reporters", table_name="report")
