"""Export the reference data as it stands in the database (after admin edits), in the
same JSON layout the loader reads, so a state can version its own reference set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from armstrace.reference.models import (
    Calibre,
    CountryAlias,
    Design,
    Manufacturer,
    ProofMark,
    ReferenceVersion,
    WeaponTypeInfo,
    WeaponTypeTerm,
)


def _manufacturers() -> list[dict[str, Any]]:
    rows = []
    for m in Manufacturer.objects.prefetch_related("aliases").order_by("key"):
        aliases = sorted({a.alias for a in m.aliases.all() if a.kind == "alias"} - {m.name})
        rows.append({"key": m.key, "name": m.name, "country": m.country_id, "kind": m.kind,
                     "aliases": aliases, "history": m.history, "ncic_codes": [m.ncic_code]
                     if m.ncic_code else [], "factory_codes": m.factory_codes,
                     "source": m.source, "licence": m.licence})  # fmt: skip
    return rows


def _calibres() -> list[dict[str, Any]]:
    return [
        {"key": c.key, "name": c.name, "category": c.category,
         "bullet_diameter_mm": c.bullet_diameter_mm,
         "aliases": sorted({a.alias for a in c.aliases.all()} - {c.name}),
         "related": sorted(r.key for r in c.related.all()), "source": c.source,
         "licence": c.licence}
        for c in Calibre.objects.prefetch_related("aliases", "related").order_by("key")
    ]  # fmt: skip


def _designs() -> list[dict[str, Any]]:
    rows = []
    for d in Design.objects.select_related("originator").prefetch_related(
        "calibres", "variants__producer"
    ):
        rows.append({
            "key": d.key, "name": d.name, "originator": d.originator.key if d.originator else None,
            "country": d.country_id, "weapon_type": d.weapon_type,
            "calibres": sorted(c.key for c in d.calibres.all()), "aliases": d.aliases,
            "variants": [{"designation": v.designation,
                          "producer": v.producer.key if v.producer else None,
                          "country": v.country_id, "relation": v.relation, "aliases": v.aliases,
                          "calibres": v.calibres,
                          "source": v.source} for v in d.variants.all()],
            "source": d.source})  # fmt: skip
    return rows


def _weapon_types() -> list[dict[str, Any]]:
    rows = []
    for info in WeaponTypeInfo.objects.order_by("weapon_type"):
        names: dict[str, list[str]] = {}
        for term in WeaponTypeTerm.objects.filter(weapon_type=info.weapon_type):
            names.setdefault(term.language, []).append(term.term)
        rows.append({"key": info.weapon_type, "class": info.weapon_class,
                     "un_group": info.un_group, "names": names, "hs_codes": info.hs_codes,
                     "ncic_codes": info.ncic_codes, "source": info.source})  # fmt: skip
    return rows


def export_reference(directory: Path) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {
        "manufacturers.json": _manufacturers(),
        "calibres.json": _calibres(),
        "designs.json": _designs(),
        "weapon_types.json": _weapon_types(),
        "proof_marks.json": [
            {"description": p.description, "code": p.code, "shape": p.shape,
             "manufacturer": p.manufacturer.key if p.manufacturer else None,
             "country": p.country_id, "meaning": p.meaning, "note": p.note, "source": p.source}
            for p in ProofMark.objects.select_related("manufacturer")
        ],
        "country_aliases.json": {"aliases": [
            {"alias": a.alias, "country": a.country_id, "language": a.language,
             "source": a.source} for a in CountryAlias.objects.order_by("country_id", "alias")
        ]},
    }  # fmt: skip
    version = ReferenceVersion.objects.first()
    files["version.json"] = {
        "loaded_version": version.version if version else None,
        "loaded_checksum": version.checksum if version else None,
        "local_edits": version.edits if version else 0,
    }
    for name, content in files.items():
        (directory / name).write_text(
            json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
    return {name: len(c) if isinstance(c, list) else 1 for name, c in files.items()}
