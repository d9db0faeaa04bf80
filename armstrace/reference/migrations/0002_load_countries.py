"""Countries are loaded by migration: an empty database needs no further set-up."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from armstrace.reference.countries import country_rows

    Country = apps.get_model("reference", "Country")
    for row in country_rows():
        Country.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
