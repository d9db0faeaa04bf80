"""Load and export the reference data set: curated JSON plus the open sources it builds on.

Loading is idempotent and versioned: rows are upserted by key (registry records point at
manufacturers and calibres, so those rows are never deleted), alias tables are rebuilt,
and each load records a ReferenceVersion with the checksum of the files it read.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction
from django.utils.text import slugify

from armstrace.audit.services import record_event
from armstrace.reference.countries import HISTORIC
from armstrace.reference.identify import reset_index
from armstrace.reference.models import (
    Calibre,
    CalibreAlias,
    Country,
    CountryAlias,
    Design,
    Manufacturer,
    ManufacturerAlias,
    ModelTerm,
    ProofMark,
    ReferenceVersion,
    Variant,
    WeaponTypeInfo,
    WeaponTypeTerm,
)
from armstrace.reference.normalise import calibre_key, compact_key, name_key

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES = DATA_DIR / "sources"
CURATED = "ArmsTrace contributors, curated from the sources cited per row"
CURATED_LICENCE = "CC-BY-4.0"
RETRIEVED = dt.date(2026, 11, 27)
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
NCIC_SOURCE = "FBI NCIC code manual via NIEM 5.0; packaged by cityssm/node-ncic-lookup"
NCIC_FALLBACK = "CODE BY COUNTRY IF MAKE CAN NOT BE DETERMINED"
VERSION = "2026.11"


def _read_json(name: str) -> Any:
    path = DATA_DIR / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def checksum(root: Path = DATA_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _prov(row: dict[str, Any] | None = None, licence: str = CURATED_LICENCE) -> dict[str, Any]:
    source = (row or {}).get("source") or CURATED
    return {"source": str(source)[:300], "licence": licence, "retrieved_on": RETRIEVED}


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop empty keys and repeated keys, keeping the first spelling."""
    seen: set[str] = set()
    kept = []
    for alias, key in pairs:
        if key and key not in seen:
            seen.add(key)
            kept.append((alias, key))
    return kept


def load_countries() -> int:
    """Names in the six UN languages (pycountry's translations) plus curated spellings."""
    CountryAlias.objects.all().delete()
    codes = set(Country.objects.values_list("code", flat=True))
    prov = _prov({"source": "ISO 3166-1 via pycountry"}, "LGPL-2.1")
    aliases: list[CountryAlias] = []
    for lang in UN_LANGUAGES:
        translation = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
        )
        for country in pycountry.countries:
            names = {
                country.name,
                getattr(country, "official_name", country.name),
                getattr(country, "common_name", country.name),
            }
            names |= {translation.gettext(name) for name in names}
            if lang == "en":
                names.add(country.alpha_3)
            aliases += [
                CountryAlias(
                    country_id=country.alpha_2,
                    alias=name[:200],
                    alias_norm=name_key(name)[:200],
                    language=lang,
                    **prov,
                )
                for name in sorted(names)
                if name_key(name)
            ]
    aliases += [
        CountryAlias(country_id=code, alias=name, alias_norm=name_key(name), **prov)
        for code, name in HISTORIC.items()
    ]
    curated = _read_json("country_aliases.json")
    for row in curated.get("aliases", []) if isinstance(curated, dict) else []:
        if row["country"] in codes and name_key(row["alias"]):
            aliases.append(
                CountryAlias(
                    country_id=row["country"],
                    alias=row["alias"],
                    alias_norm=name_key(row["alias"]),
                    **_prov(row),
                )
            )
    CountryAlias.objects.bulk_create(_dedupe_aliases(aliases), batch_size=2000)
    return len(aliases)


def _dedupe_aliases(aliases: list[CountryAlias]) -> list[CountryAlias]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for alias in aliases:
        if (alias.country_id, alias.alias_norm) not in seen:
            seen.add((alias.country_id, alias.alias_norm))
            kept.append(alias)
    return kept


def _upsert(model: Any, key: str, fields: dict[str, Any]) -> Any:
    obj, _ = model.objects.update_or_create(key=key, defaults=fields)
    return obj


def load_manufacturers() -> int:
    ManufacturerAlias.objects.all().delete()
    countries = set(Country.objects.values_list("code", flat=True))
    aliases: list[ManufacturerAlias] = []
    claimed_ncic: set[str] = set()
    for row in _read_json("manufacturers.json"):
        country = row.get("country") if row.get("country") in countries else None
        codes = [c for c in row.get("ncic_codes", []) if c]
        claimed_ncic.update(codes)
        maker = _upsert(
            Manufacturer,
            row["key"],
            {
                "name": row["name"],
                "country_id": country,
                "kind": row.get("kind", ""),
                "ncic_code": codes[0] if codes else "",
                "history": row.get("history", []),
                "factory_codes": row.get("factory_codes", []),
                **_prov(row),
            },
        )
        names = [(row["name"], "alias")] + [(a, "alias") for a in row.get("aliases", [])]
        names += [(h["name"], "historic") for h in row.get("history", []) if h.get("name")]
        names += [(code, "ncic") for code in codes]
        aliases += [
            ManufacturerAlias(
                manufacturer=maker,
                alias=name[:200],
                alias_norm=name_key(name)[:200],
                kind=kind,
                **_prov(row),
            )
            for name, kind in names
            if name_key(name)
        ]
    mak = json.loads((SOURCES / "ncic-gun-codes" / "MAK.json").read_text(encoding="utf-8"))
    ncic_prov = _prov({"source": NCIC_SOURCE}, "US federal work; MIT packaging")
    for code, description in mak.items():
        if code in claimed_ncic or NCIC_FALLBACK in description:
            continue
        name = description.title()[:200]
        maker = _upsert(
            Manufacturer,
            f"ncic-{slugify(code)}",
            {"name": name, "ncic_code": code, "kind": "ncic", **ncic_prov},
        )
        aliases += [
            ManufacturerAlias(
                manufacturer=maker,
                alias=text[:200],
                alias_norm=name_key(text)[:200],
                kind=kind,
                **ncic_prov,
            )
            for text, kind in ((description, "alias"), (code, "ncic"))
        ]
    ManufacturerAlias.objects.bulk_create(aliases, batch_size=2000)
    return len(aliases)


def _calibre_rows() -> list[dict[str, Any]]:
    """Curated calibres first; open lists add official names and spellings."""
    rows: list[dict[str, Any]] = [
        dict(r, aliases=list(r.get("aliases", []))) for r in _read_json("calibres.json")
    ]
    by_key = {calibre_key(a): r for r in rows for a in [r["name"], r["key"], *r["aliases"]]}

    def merge(
        name: str, aliases: list[str], source: str, licence: str, extra: dict[str, Any]
    ) -> None:
        known = next(
            (by_key[calibre_key(n)] for n in [name, *aliases] if calibre_key(n) in by_key), None
        )
        if known is None:
            known = {
                "key": slugify(calibre_key(name)) or slugify(name),
                "name": name,
                "aliases": [],
                "source": source,
                "licence": licence,
                **extra,
            }
            rows.append(known)
        for alias in [name, *aliases]:
            if calibre_key(alias) not in by_key:  # never let a source merge two calibres
                known["aliases"].append(alias)
                by_key[calibre_key(alias)] = known

    with (SOURCES / "ammolytics-cartridges" / "cartridges.csv").open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            merge(
                rec["name"],
                [],
                f"ammolytics/cartridges ({rec['standard'] or 'C.I.P./SAAMI'})",
                "MIT",
                {"category": rec["category"]},
            )
    with (SOURCES / "fbastin-calibers" / "calibers.csv").open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            merge(
                rec["name"],
                [a for a in rec["aliases"].split("|") if a],
                "fbastin/calibers (tireur.org)",
                "MIT",
                {"category": rec["category"].lower()},
            )
    gnp = json.loads((SOURCES / "gunsnprices-calibers" / "calibers.json").read_text("utf-8"))
    for rec in gnp["calibers"]:
        merge(
            rec["name"],
            rec.get("aliases", []),
            "GunsNPrices (gunsnprices.com), aliases",
            "CC-BY-4.0",
            {"category": rec.get("type", "")},
        )
    return rows


def load_calibres() -> int:
    CalibreAlias.objects.all().delete()
    aliases: list[CalibreAlias] = []
    rows = _calibre_rows()
    objects = {}
    for row in rows:
        licence = row.get("licence", CURATED_LICENCE)
        calibre = _upsert(
            Calibre,
            row["key"][:80],
            {
                "name": row["name"][:120],
                "category": str(row.get("category") or "")[:24],
                "bullet_diameter_mm": row.get("bullet_diameter_mm"),
                **_prov(row, licence),
            },
        )
        objects[row["key"]] = calibre
        keys = _unique((a, calibre_key(a)) for a in [row["name"], row["key"], *row["aliases"]])
        aliases += [
            CalibreAlias(calibre=calibre, alias=a[:120], alias_norm=k[:120], **_prov(row, licence))
            for a, k in keys
        ]
    CalibreAlias.objects.bulk_create(aliases, batch_size=2000)
    for row in rows:
        related = [objects[k] for k in row.get("related", []) if k in objects]
        objects[row["key"]].related.set(related)
    return len(aliases)


def load_weapon_types() -> int:
    WeaponTypeTerm.objects.all().delete()
    terms: list[WeaponTypeTerm] = []
    for row in _read_json("weapon_types.json"):
        WeaponTypeInfo.objects.update_or_create(
            weapon_type=row["key"],
            defaults={
                "weapon_class": row.get("class", ""),
                "un_group": row.get("un_group", ""),
                "hs_codes": row.get("hs_codes", []),
                "ncic_codes": row.get("ncic_codes", []),
                **_prov(row),
            },
        )
        for lang, words in row.get("names", {}).items():
            terms += [
                WeaponTypeTerm(
                    weapon_type=row["key"],
                    language=lang,
                    term=w,
                    term_norm=name_key(w),
                    **_prov(row),
                )
                for w in words
                if name_key(w)
            ]
    WeaponTypeTerm.objects.bulk_create(terms, batch_size=2000)
    return len(terms)


def load_designs() -> int:
    ModelTerm.objects.all().delete()
    Variant.objects.all().delete()
    makers = dict(Manufacturer.objects.values_list("key", "pk"))
    countries = set(Country.objects.values_list("code", flat=True))
    calibres = dict(Calibre.objects.values_list("key", "pk"))
    terms: list[ModelTerm] = []
    for row in _read_json("designs.json"):
        design = _upsert(
            Design,
            row["key"],
            {
                "name": row["name"],
                "originator_id": makers.get(row.get("originator", "")),
                "country_id": row.get("country") if row.get("country") in countries else None,
                "weapon_type": row.get("weapon_type", ""),
                "aliases": row.get("aliases", []),
                **_prov(row),
            },
        )
        design.calibres.set([calibres[k] for k in row.get("calibres", []) if k in calibres])
        for name in _distinct([row["name"], *row.get("aliases", [])]):
            terms.append(
                ModelTerm(term=name, term_norm=compact_key(name), design=design, **_prov(row))
            )
        for var in row.get("variants", []):
            variant = Variant.objects.create(
                design=design,
                designation=var["designation"],
                producer_id=makers.get(var.get("producer") or ""),
                country_id=var.get("country") if var.get("country") in countries else None,
                relation=var.get("relation", "copy"),
                aliases=var.get("aliases", []),
                calibres=var.get("calibres", []),
                **_prov(var),
            )
            for name in _distinct([var["designation"], *var.get("aliases", [])]):
                terms.append(
                    ModelTerm(
                        term=name,
                        term_norm=compact_key(name),
                        design=design,
                        variant=variant,
                        **_prov(var),
                    )
                )
    ModelTerm.objects.bulk_create([t for t in terms if t.term_norm], batch_size=2000)
    return len(terms)


def _distinct(names: list[str]) -> list[str]:
    kept: dict[str, str] = {}
    for name in names:
        kept.setdefault(compact_key(name), name)
    return list(kept.values())


def load_proof_marks() -> int:
    ProofMark.objects.all().delete()
    makers = dict(Manufacturer.objects.values_list("key", "pk"))
    countries = set(Country.objects.values_list("code", flat=True))
    marks = [
        ProofMark(
            description=row["description"],
            description_norm=name_key(row["description"]),
            code=row.get("code") or "",
            shape=row.get("shape") or "",
            manufacturer_id=makers.get(row.get("manufacturer") or ""),
            country_id=row.get("country") if row.get("country") in countries else None,
            meaning=row.get("meaning", ""),
            note=row.get("note", ""),
            **_prov(row),
        )
        for row in _read_json("proof_marks.json")
    ]
    ProofMark.objects.bulk_create(marks)
    return len(marks)


class LocalEdits(Exception):
    """A reload would replace reference data edited in the admin since the last load."""

    def __init__(self, version: ReferenceVersion) -> None:
        super().__init__(
            f"the reference data has {version.edits} local edit(s) made in the admin since "
            f"version {version.version} was loaded, and a reload replaces the aliases and the "
            "bundled rows. Keep a copy with `armstrace reference export DIR` (the audit log "
            "also keeps each edit), then reload with `armstrace reference load "
            "--discard-local-edits`."
        )


def load_reference(*, discard_edits: bool = False) -> ReferenceVersion:
    """Load everything in one transaction; an error leaves the previous data in place.
    Refuses (LocalEdits) when the loaded version was edited since, unless told to discard."""
    with transaction.atomic():
        latest = ReferenceVersion.objects.select_for_update().first()
        if latest is not None and latest.edits and not discard_edits:
            raise LocalEdits(latest)
        counts = {
            "country_aliases": load_countries(),
            "manufacturer_aliases": load_manufacturers(),
            "calibre_aliases": load_calibres(),
            "weapon_type_terms": load_weapon_types(),
            "model_terms": load_designs(),
            "proof_marks": load_proof_marks(),
        }
        version = ReferenceVersion.objects.create(
            version=VERSION, checksum=checksum(), counts=counts
        )
        transaction.on_commit(reset_index)
        record_event(
            "reference:dataset:loaded",
            object_type="reference.referenceversion",
            object_id=str(version.pk),
            data={
                "version": VERSION,
                "counts": counts,
                "discarded_edits": latest.edits if latest is not None else 0,
            },
        )
    return version


def needs_load() -> bool:
    latest = ReferenceVersion.objects.first()
    return latest is None or latest.checksum != checksum()
