"""PostgreSQL: import events by day, for import_marks() (the weapons imported in a period and
their importers). Partial and narrow, like the indexes of 0001; nothing on SQLite."""

from django.db import migrations

NAME = "analytics_import_day"
DEFINITION = "registry_event (occurred_on) INCLUDE (weapon_id, to_party_id) WHERE kind = 'imported'"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON {DEFINITION}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_traced_recovery")]

    operations = [migrations.RunPython(create, drop)]
