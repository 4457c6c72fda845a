"""audit_log refuses TRUNCATE

The append-only triggers of 0001 fire for each row, and TRUNCATE touches no row: on PostgreSQL
it emptied the audit log without a word. A statement-level BEFORE TRUNCATE trigger now refuses
it (SQLite has no TRUNCATE; its DELETE trigger already covers ``DELETE FROM audit_log``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # the function of 0001 raises 'audit_log is append-only' whichever way it is called
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
