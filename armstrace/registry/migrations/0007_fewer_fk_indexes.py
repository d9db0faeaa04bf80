"""Four foreign keys lose their own index (the weapon's calibre and country of import,
the event's two countries): nothing looks rows up by them alone, and every index slows
a bulk import. Only the indexes are dropped: an AlterField would make SQLite rebuild the
tables, which keeps only the indexes Django knows of."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    "registry_weapon_calibre_ref_id_81224de8",
    "registry_weapon_import_country_id_480fcc2f",
    "registry_weapon_import_country_id_480fcc2f_like",
    "registry_event_country_id_f496c979",
    "registry_event_country_id_f496c979_like",
    "registry_event_counterpart_country_id_3928ddd5",
    "registry_event_counterpart_country_id_3928ddd5_like",
]


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0004_variant_calibres"),
        ("registry", "0006_mark_concealed_restoration_image"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", migrations.RunSQL.noop)
                for name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='counterpart_country',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.country', verbose_name='country of export or destination'),
                ),
                migrations.AlterField(
                    model_name='event',
                    name='country',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.country', verbose_name='country where it happened'),
                ),
                migrations.AlterField(
                    model_name='weapon',
                    name='calibre_ref',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.calibre'),
                ),
                migrations.AlterField(
                    model_name='weapon',
                    name='import_country',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.country', verbose_name='country of import'),
                ),
            ],
        ),
    ]
