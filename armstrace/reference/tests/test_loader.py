"""Loading, reloading, exporting and editing the reference data."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from armstrace.audit.models import AuditEntry
from armstrace.reference.identify import identify
from armstrace.reference.loader import needs_load
from armstrace.reference.models import (
    Calibre,
    CountryAlias,
    Manufacturer,
    ManufacturerAlias,
    ReferenceVersion,
)

pytestmark = pytest.mark.django_db


def test_migrate_loaded_the_bundled_data_with_provenance():
    assert not needs_load()
    assert Manufacturer.objects.filter(kind__in=["state", "commercial"]).count() >= 150
    assert Manufacturer.objects.filter(kind="ncic").count() > 3000
    norinco = Manufacturer.objects.get(key="norinco")
    assert norinco.country_id == "CN" and norinco.source and norinco.licence
    assert not Manufacturer.objects.filter(source="").exists()
    assert not Calibre.objects.filter(source="").exists()


def test_countries_have_names_in_the_six_un_languages():
    names = set(CountryAlias.objects.filter(country_id="RU").values_list("alias", flat=True))
    assert {"Russian Federation", "Russie, Fédération de", "Российская Федерация"} <= names
    languages = set(CountryAlias.objects.filter(country_id="FR").values_list("language", flat=True))
    assert {"ar", "zh", "en", "fr", "ru", "es"} <= languages
    assert identify(country="СССР").candidates[0].country == "SU"


def test_reloading_is_idempotent_and_audited():
    makers, aliases = Manufacturer.objects.count(), ManufacturerAlias.objects.count()
    call_command("reference", "load")
    assert (Manufacturer.objects.count(), ManufacturerAlias.objects.count()) == (makers, aliases)
    assert ReferenceVersion.objects.count() >= 2
    assert AuditEntry.objects.filter(tag="reference:dataset:loaded").exists()


def test_export_writes_the_loader_layout(tmp_path):
    call_command("reference", "export", str(tmp_path))
    makers = json.loads((tmp_path / "manufacturers.json").read_text(encoding="utf-8"))
    zastava = next(m for m in makers if m["key"] == "zastava")
    assert zastava["country"] == "RS" and zastava["aliases"]
    designs = json.loads((tmp_path / "designs.json").read_text(encoding="utf-8"))
    ak = next(d for d in designs if d["key"] == "ak-47")
    assert any(v["producer"] == "norinco" for v in ak["variants"])
    assert json.loads((tmp_path / "version.json").read_text())["loaded_checksum"]


def test_the_identify_command_prints_reasons(capsys):
    call_command("identify", "--model", "Type 56")
    out = capsys.readouterr().out
    assert "Norinco" in out and "CN" in out and "licensed" in out
