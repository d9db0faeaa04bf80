"""Indexes chosen per engine (see docs/benchmarks.md and the search measurements).

PostgreSQL: varchar_pattern_ops B-trees serve equality and LIKE 'prefix%' whatever the
database collation; a trigram GIN index serves patterns whose both ends are unknown.
SQLite: plain B-trees serve equality and GLOB 'prefix*' (GLOB is case-sensitive).
"""

from typing import Any

from django.db import migrations

PG = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX serial_canon ON search_serialentry (canon varchar_pattern_ops)",
    "CREATE INDEX serial_canon_rev ON search_serialentry (canon_rev varchar_pattern_ops)",
    "CREATE INDEX serial_maker_canon ON search_serialentry (maker_id, canon varchar_pattern_ops)",
    "CREATE INDEX serial_maker_rev ON search_serialentry "
    "(maker_id, canon_rev varchar_pattern_ops)",
    "CREATE INDEX serial_canon_trgm ON search_serialentry USING gin (canon gin_trgm_ops)",
]
SQLITE = [
    "CREATE INDEX serial_canon ON search_serialentry (canon)",
    "CREATE INDEX serial_canon_rev ON search_serialentry (canon_rev)",
    "CREATE INDEX serial_maker_canon ON search_serialentry (maker_id, canon)",
    "CREATE INDEX serial_maker_rev ON search_serialentry (maker_id, canon_rev)",
]
NAMES = ["serial_canon", "serial_canon_rev", "serial_maker_canon", "serial_maker_rev",
         "serial_canon_trgm"]  # fmt: skip


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in PG if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def backwards(apps: Any, schema_editor: Any) -> None:
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
