"""audit_log refuses TRUNCATE; webhook signing secrets are sealed at rest

The append-only triggers of 0001 fire for each row, and TRUNCATE touches no row: on PostgreSQL
it emptied the audit log without a word. A statement-level BEFORE TRUNCATE trigger now refuses
it (SQLite has no TRUNCATE; its DELETE trigger already covers ``DELETE FROM audit_log``).

``subscription.secret`` and ``previous_secret`` held the webhook signing secrets as given to the
subscriber. They now hold Fernet tokens (service.subscriptions.secret_box), longer than the old
VARCHAR(100), so the columns become TEXT, and every secret already stored is sealed here with
the first key of VARSEL_SECRET_KEYS (or of the keys file, created if need be, as the service
itself would). The downgrade opens them again, which needs a key that opens every one of them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # the function of 0001 raises 'audit_log is append-only' whichever way it is called
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    with op.batch_alter_table("subscription") as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column(
            "previous_secret", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=True
        )
    _rewrite_secrets(lambda box: box.reseal, only_unsealed=True)


def downgrade() -> None:
    _rewrite_secrets(lambda box: box.open, only_unsealed=False)
    with op.batch_alter_table("subscription") as batch_op:
        batch_op.alter_column("secret", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=False)
        batch_op.alter_column(
            "previous_secret", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=True
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")


def _rewrite_secrets(transform: Callable, *, only_unsealed: bool) -> None:
    """Apply ``transform(box)`` to every stored secret; the keys are read only if there is one
    to change, so an empty database migrates without any key."""
    from service.settings import Settings
    from service.subscriptions.secret_box import is_sealed, secret_box

    bind = op.get_bind()
    subscription = sa.table("subscription", sa.column("id"), sa.column("secret"), sa.column("previous_secret"))
    rows = bind.execute(sa.select(subscription.c.id, subscription.c.secret, subscription.c.previous_secret)).all()
    wanted = [
        row
        for row in rows
        if not only_unsealed or any(value and not is_sealed(value) for value in (row.secret, row.previous_secret))
    ]
    if not wanted:
        return
    change = transform(secret_box(Settings()))
    bind.execute(
        subscription.update()
        .where(subscription.c.id == sa.bindparam("b_id"))
        .values(secret=sa.bindparam("b_secret"), previous_secret=sa.bindparam("b_previous")),
        [
            {
                "b_id": row.id,
                "b_secret": change(row.secret),
                "b_previous": change(row.previous_secret) if row.previous_secret else None,
            }
            for row in wanted
        ],
    )
