"""PostgreSQL: the trigram index moves to lower(canon), an expression that only the
both-ends-unknown path queries. On plain `canon LIKE` the planner picked the trigram
bitmap over the B-trees and rechecked millions of rows at 10,000,000 weapons
(docs/benchmarks.md); now the application chooses."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS serial_canon_trgm")
        schema_editor.execute(
            "CREATE INDEX serial_canon_lower_trgm ON search_serialentry "
            "USING gin (lower(canon) gin_trgm_ops)"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS serial_canon_lower_trgm")
        schema_editor.execute(
            "CREATE INDEX serial_canon_trgm ON search_serialentry USING gin (canon gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0002_engine_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
