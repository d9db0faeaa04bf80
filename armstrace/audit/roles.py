"""The application's database role may add audit entries and read them, nothing more.

The triggers of migration 0002 refuse UPDATE and DELETE, but a role that owns the table can
drop a trigger. In production the schema belongs to a migration role and the application
connects as another; `restrict_role` takes from that role every right to change or remove
audit entries (PostgreSQL privileges; SQLite has no roles, the file's permissions decide).
"""

from __future__ import annotations

from django.db import connection

ENTRY_TABLE = "audit_auditentry"
HEAD_TABLE = "audit_chainhead"


class RoleError(Exception):
    """The role cannot be restricted here; the message says why."""


def restrict_role(role: str) -> list[str]:
    """Revoke UPDATE, DELETE and TRUNCATE on the audit entries from `role`; it keeps INSERT
    and SELECT, and may move the chain's head but not remove it. Returns what was done."""
    if connection.vendor != "postgresql":
        raise RoleError(
            "SQLite has no database roles: protect the database file with file permissions"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise RoleError(f"no database role named {role!r}")
        if row[0]:
            raise RoleError(f"{role!r} is a superuser: no privilege can be taken from it")
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [ENTRY_TABLE])
        owner = cursor.fetchone()
        if owner and owner[0] == role:
            raise RoleError(
                f"{role!r} owns the audit table and could drop its triggers; run migrations "
                "as another role and let the application connect as this one"
            )
        quoted = connection.ops.quote_name(role)
        statements = [
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {ENTRY_TABLE} FROM {quoted}",
            f"GRANT SELECT, INSERT ON {ENTRY_TABLE} TO {quoted}",
            f"REVOKE DELETE, TRUNCATE ON {HEAD_TABLE} FROM {quoted}",
            f"GRANT SELECT, INSERT, UPDATE ON {HEAD_TABLE} TO {quoted}",
        ]
        for statement in statements:
            cursor.execute(statement)
    return statements


def may_change_entries(role: str) -> bool:
    """Whether `role` holds any privilege that changes or removes audit entries."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'UPDATE') OR has_table_privilege(%s, %s, "
            "'DELETE') OR has_table_privilege(%s, %s, 'TRUNCATE')",
            [role, ENTRY_TABLE] * 3,
        )
        row = cursor.fetchone()
    return bool(row and row[0])
