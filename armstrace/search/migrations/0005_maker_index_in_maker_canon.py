"""The maker column loses its own index: serial_maker_canon (0002) leads with it.

Only the index is dropped: an AlterField would make SQLite rebuild the table, and a rebuild
keeps only the indexes Django knows of, losing the engine indexes of migration 0002.
"""

import django.db.models.deletion
from django.db import migrations, models

DROP = "DROP INDEX IF EXISTS search_serialentry_maker_id_517855bb"

class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0004_variant_calibres"),
        ("search", "0004_drop_duplicate_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP, migrations.RunSQL.noop)],
            state_operations=[
                migrations.AlterField(
                    model_name="serialentry",
                    name="maker",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="reference.manufacturer",
                    ),
                ),
            ],
        ),
    ]
