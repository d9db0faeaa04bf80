"""Reference data is edited in the Django admin; every row shows where it comes from.

Every save and deletion here is an audited local edit (armstrace.reference.services)."""

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from armstrace.audit.services import stored_snapshot
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
from armstrace.reference.services import delete_rows, record_edit

M = TypeVar("M", bound=models.Model)
BEFORE = "_armstrace_before"  # the row as it was, kept on the instance until its m2m are saved


class AuditedAdmin(admin.ModelAdmin[M]):
    """Saves record the row once its many-to-many links and inlines are saved too; the
    admin's views already run each of these in one transaction."""

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        setattr(obj, BEFORE, stored_snapshot(obj))
        super().save_model(request, obj, form, change)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[M],
        formsets: list[BaseInlineFormSet[Any, M, Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form.instance, BEFORE, None)
        record_edit(form.instance, action="updated" if change else "created", before=before)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[M],
        formset: BaseInlineFormSet[Any, M, Any],
        change: bool,
    ) -> None:
        rows = formset.save(commit=False)
        delete_rows(formset.deleted_objects)
        saved = [(row, stored_snapshot(row)) for row in rows]
        for row, _ in saved:
            row.save()
        formset.save_m2m()
        for row, before in saved:
            record_edit(row, action="updated" if before else "created", before=before)

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        delete_rows([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[M]) -> None:
        delete_rows(queryset)


PROVENANCE = ("source", "licence", "retrieved_on")


class CountryAliasInline(admin.TabularInline[CountryAlias, Country]):
    model = CountryAlias
    extra = 0
    fields = ("alias", "language", *PROVENANCE)


@admin.register(Country)
class CountryAdmin(AuditedAdmin[Country]):
    list_display = ["code", "name", "alpha3", "historic", "source"]
    search_fields = ["code", "name", "alpha3", "aliases__alias"]
    inlines = [CountryAliasInline]


class ManufacturerAliasInline(admin.TabularInline[ManufacturerAlias, Manufacturer]):
    model = ManufacturerAlias
    extra = 0
    fields = ("alias", "kind", *PROVENANCE)


@admin.register(Manufacturer)
class ManufacturerAdmin(AuditedAdmin[Manufacturer]):
    list_display = ["key", "name", "country", "kind", "ncic_code", "source"]
    list_filter = ["kind", "country"]
    search_fields = ["key", "name", "ncic_code", "aliases__alias"]
    inlines = [ManufacturerAliasInline]


class CalibreAliasInline(admin.TabularInline[CalibreAlias, Calibre]):
    model = CalibreAlias
    extra = 0
    fields = ("alias", *PROVENANCE)


@admin.register(Calibre)
class CalibreAdmin(AuditedAdmin[Calibre]):
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
class DesignAdmin(AuditedAdmin[Design]):
    list_display = ["key", "name", "originator", "country", "weapon_type", "source"]
    list_filter = ["weapon_type"]
    search_fields = ["key", "name"]
    filter_horizontal = ["calibres"]
    autocomplete_fields = ["originator"]
    inlines = [VariantInline]


@admin.register(ProofMark)
class ProofMarkAdmin(AuditedAdmin[ProofMark]):
    list_display = ["description", "code", "manufacturer", "country", "source"]
    search_fields = ["description", "code", "meaning"]
    autocomplete_fields = ["manufacturer"]


@admin.register(WeaponTypeInfo)
class WeaponTypeInfoAdmin(AuditedAdmin[WeaponTypeInfo]):
    list_display = ["weapon_type", "weapon_class", "un_group", "hs_codes"]


@admin.register(WeaponTypeTerm)
class WeaponTypeTermAdmin(AuditedAdmin[WeaponTypeTerm]):
    list_display = ["term", "weapon_type", "language"]
    list_filter = ["weapon_type", "language"]
    search_fields = ["term"]


@admin.register(ModelTerm)
class ModelTermAdmin(AuditedAdmin[ModelTerm]):
    list_display = ["term", "design", "variant"]
    search_fields = ["term"]


@admin.register(ReferenceVersion)
class ReferenceVersionAdmin(admin.ModelAdmin[ReferenceVersion]):
    """Written by loads and edits only: read here, never added, changed or deleted."""

    list_display = ["version", "loaded_at", "edits", "checksum"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
