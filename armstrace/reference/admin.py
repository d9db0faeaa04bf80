"""Reference data is edited in the Django admin; every row shows where it comes from."""

from django.contrib import admin

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

PROVENANCE = ("source", "licence", "retrieved_on")


class CountryAliasInline(admin.TabularInline[CountryAlias, Country]):
    model = CountryAlias
    extra = 0
    fields = ("alias", "language", *PROVENANCE)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin[Country]):
    list_display = ["code", "name", "alpha3", "historic", "source"]
    search_fields = ["code", "name", "alpha3", "aliases__alias"]
    inlines = [CountryAliasInline]


class ManufacturerAliasInline(admin.TabularInline[ManufacturerAlias, Manufacturer]):
    model = ManufacturerAlias
    extra = 0
    fields = ("alias", "kind", *PROVENANCE)


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin[Manufacturer]):
    list_display = ["key", "name", "country", "kind", "ncic_code", "source"]
    list_filter = ["kind", "country"]
    search_fields = ["key", "name", "ncic_code", "aliases__alias"]
    inlines = [ManufacturerAliasInline]


class CalibreAliasInline(admin.TabularInline[CalibreAlias, Calibre]):
    model = CalibreAlias
    extra = 0
    fields = ("alias", *PROVENANCE)


@admin.register(Calibre)
class CalibreAdmin(admin.ModelAdmin[Calibre]):
    list_display = ["key", "name", "category", "bullet_diameter_mm", "source"]
    list_filter = ["category"]
    search_fields = ["key", "name", "aliases__alias"]
    filter_horizontal = ["related"]
    inlines = [CalibreAliasInline]


class VariantInline(admin.TabularInline[Variant, Design]):
    model = Variant
    extra = 0
    fields = ("designation", "producer", "country", "relation", "aliases", "calibres", "source")
    autocomplete_fields = ["producer"]


@admin.register(Design)
class DesignAdmin(admin.ModelAdmin[Design]):
    list_display = ["key", "name", "originator", "country", "weapon_type", "source"]
    list_filter = ["weapon_type"]
    search_fields = ["key", "name"]
    filter_horizontal = ["calibres"]
    autocomplete_fields = ["originator"]
    inlines = [VariantInline]


@admin.register(ProofMark)
class ProofMarkAdmin(admin.ModelAdmin[ProofMark]):
    list_display = ["description", "code", "manufacturer", "country", "source"]
    search_fields = ["description", "code", "meaning"]
    autocomplete_fields = ["manufacturer"]


@admin.register(WeaponTypeInfo)
class WeaponTypeInfoAdmin(admin.ModelAdmin[WeaponTypeInfo]):
    list_display = ["weapon_type", "weapon_class", "un_group", "hs_codes"]


@admin.register(WeaponTypeTerm)
class WeaponTypeTermAdmin(admin.ModelAdmin[WeaponTypeTerm]):
    list_display = ["term", "weapon_type", "language"]
    list_filter = ["weapon_type", "language"]
    search_fields = ["term"]


@admin.register(ModelTerm)
class ModelTermAdmin(admin.ModelAdmin[ModelTerm]):
    list_display = ["term", "design", "variant"]
    search_fields = ["term"]


@admin.register(ReferenceVersion)
class ReferenceVersionAdmin(admin.ModelAdmin[ReferenceVersion]):
    list_display = ["version", "loaded_at", "checksum"]
    readonly_fields = ["version", "loaded_at", "checksum", "counts"]
