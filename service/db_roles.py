"""PostgreSQL roles: the owner migrates, the application only reads and writes rows.

The audit log's guards are triggers, and a table's owner can drop or disable its triggers, so
the API and the worker must not connect as the owner. ``varsel db grant-app-role`` (run as the
owner, the role ``varsel migrate`` uses) gives a login role exactly what the service needs:
rows of every table, the audit log read and append only, the sequences behind the ids. Not being
the owner, it cannot ALTER or DROP a table or trigger, and without the TRUNCATE privilege it
cannot empty one. The same grants extend to tables later migrations create, through default
privileges of the owner, so migrations must keep running as that same owner.
"""

from __future__ import annotations

from psycopg import sql
from sqlalchemy import Engine

APPEND_ONLY_TABLES = ("audit_log",)
READ_ONLY_TABLES = ("alembic_version",)  # readiness compares it with the code's head


def grant_app_role(engine: Engine, *, role: str, password: str | None = None) -> None:
    """Create ``role`` (LOGIN) if missing, set its password if one is given, and grant it the
    service's privileges on the connected database; running it again changes nothing."""
    if engine.dialect.name != "postgresql":
        raise ValueError("roles exist on PostgreSQL only; SQLite has no users to separate")
    name = sql.Identifier(role)
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        if driver is None:  # only a pooled connection already closed has none
            raise RuntimeError("the connection has no psycopg connection underneath")
        cursor = driver.cursor()
        owner = cursor.execute("SELECT current_user").fetchone()[0]
        if role == owner:
            raise ValueError(f"{role!r} is the role this command runs as (the owner); name another role")
        if cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
        if password:
            cursor.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password)))
        database = cursor.execute("SELECT current_database()").fetchone()[0]
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
            # tables and sequences the owner creates later (the next migrations) get the same
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(name),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(name),
        ]
        existing = {row[0] for row in cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        for table in APPEND_ONLY_TABLES:
            if table in existing:
                statements.append(
                    sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), name)
                )
        for table in READ_ONLY_TABLES:
            if table in existing:
                statements.append(
                    sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), name)
                )
        for statement in statements:
            cursor.execute(statement)
