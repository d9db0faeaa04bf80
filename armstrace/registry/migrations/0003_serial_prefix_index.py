"""PostgreSQL: a pattern-ops index so the serial prefix filter of the weapon list uses an
index whatever the database collation. SQLite's plain index already serves it."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX weapon_serial_norm_prefix ON registry_weapon "
            "(serial_norm varchar_pattern_ops)"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS weapon_serial_norm_prefix")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_component_order")]
    operations = [migrations.RunPython(forwards, backwards)]
