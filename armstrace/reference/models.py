"""Reference data for identifying weapons. Every row carries its provenance.

Aliases are stored with a normalised key (armstrace.core.text.normalise_name) so that
look-ups ignore case, accents and punctuation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.reference.choices import WeaponType
from armstrace.reference.normalise import calibre_key, compact_key, name_key


class Provenance(models.Model):
    source = models.CharField(_("source"), max_length=300, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)

    class Meta:
        abstract = True


class Country(Provenance):
    """ISO 3166-1 countries plus the dissolved states of ISO 3166-3 (SU, YU, CS, DD)."""

    code = models.CharField(_("ISO 3166 code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=200)
    historic = models.BooleanField(_("no longer exists"), default=False)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NormalisedAlias(Provenance):
    """An alias whose look-up key is kept in step with its text, also on admin edits."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        for text_field, key_field, key in self.NORMALISED:
            key_column = self._meta.get_field(key_field)
            limit = getattr(key_column, "max_length", None) or 200
            setattr(self, key_field, key(getattr(self, text_field))[:limit])
        super().save(*args, **kwargs)

    NORMALISED: tuple[tuple[str, str, Callable[[str], str]], ...] = ()


class CountryAlias(NormalisedAlias):
    """Names in the six UN languages and the spellings people write on forms."""

    NORMALISED = (("alias", "alias_norm", name_key),)

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    alias_norm = models.CharField(max_length=200, db_index=True)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("country alias")
        verbose_name_plural = _("country aliases")

    def __str__(self) -> str:
        return f"{self.alias} -> {self.country_id}"


class Manufacturer(Provenance):
    """A canonical maker of weapons; registry parties link to it when identified."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    ncic_code = models.CharField(max_length=8, blank=True)
    kind = models.CharField(max_length=16, blank=True)  # state, commercial, ncic
    history = models.JSONField(default=list, blank=True)  # [{name, from, to}]
    factory_codes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ManufacturerAlias(NormalisedAlias):
    NORMALISED = (("alias", "alias_norm", name_key),)
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    alias_norm = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=16, default="alias")  # alias, historic, ncic

    class Meta:
        verbose_name = _("manufacturer alias")
        verbose_name_plural = _("manufacturer aliases")

    def __str__(self) -> str:
        return f"{self.alias} -> {self.manufacturer_id}"


# Calibre keys keep the decimal point ("7.62x39", ".45-acp"), which a slug does not allow.
CALIBRE_KEY = RegexValidator(r"^[-a-zA-Z0-9_.]+\Z", _("Use letters, digits, '.', '-' or '_'."))


class Calibre(Provenance):
    key = models.CharField(max_length=80, unique=True, validators=[CALIBRE_KEY])
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(max_length=24, blank=True)
    bullet_diameter_mm = models.FloatField(null=True, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        verbose_name = _("calibre")
        verbose_name_plural = _("calibres")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalibreAlias(NormalisedAlias):
    NORMALISED = (("alias", "alias_norm", calibre_key),)
    calibre = models.ForeignKey(Calibre, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=120)
    alias_norm = models.CharField(max_length=120, db_index=True)

    class Meta:
        verbose_name = _("calibre alias")
        verbose_name_plural = _("calibre aliases")

    def __str__(self) -> str:
        return f"{self.alias} -> {self.calibre_id}"


class Design(Provenance):
    """A model family and its originator, e.g. the AK-47 by Izhmash."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    originator = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, null=True, blank=True, related_name="designs"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    weapon_type = models.CharField(max_length=32, choices=WeaponType.choices, blank=True)
    calibres = models.ManyToManyField(Calibre, blank=True, related_name="designs")
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("design")
        verbose_name_plural = _("designs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Variant(Provenance):
    """A design as produced by someone: the original, a licensed copy, a copy, a derivative."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="variants")
    designation = models.CharField(max_length=120)
    producer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, null=True, blank=True, related_name="variants"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    relation = models.CharField(max_length=16)  # original, licensed, copy, derivative
    aliases = models.JSONField(default=list, blank=True)
    calibres = models.JSONField(default=list, blank=True)  # when unlike the design's

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["design", "designation"]

    def __str__(self) -> str:
        return self.designation


class ModelTerm(NormalisedAlias):
    """Every name a design or variant goes by, normalised for look-up."""

    NORMALISED = (("term", "term_norm", compact_key),)
    term = models.CharField(max_length=120)
    term_norm = models.CharField(max_length=120, db_index=True)
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="terms")
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="terms"
    )

    class Meta:
        verbose_name = _("model term")
        verbose_name_plural = _("model terms")

    def __str__(self) -> str:
        return self.term


class WeaponTypeTerm(NormalisedAlias):
    """Everyday words for the UN categories, in the six UN languages."""

    NORMALISED = (("term", "term_norm", name_key),)
    weapon_type = models.CharField(max_length=32, choices=WeaponType.choices)
    language = models.CharField(max_length=8)
    term = models.CharField(max_length=120)
    term_norm = models.CharField(max_length=120, db_index=True)

    class Meta:
        verbose_name = _("weapon type term")
        verbose_name_plural = _("weapon type terms")

    def __str__(self) -> str:
        return f"{self.term} -> {self.weapon_type}"


class WeaponTypeInfo(Provenance):
    weapon_type = models.CharField(max_length=32, choices=WeaponType.choices, primary_key=True)
    weapon_class = models.CharField(max_length=16)  # small-arm, light-weapon
    un_group = models.CharField(max_length=80)
    hs_codes = models.JSONField(default=list)
    ncic_codes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("weapon type")
        verbose_name_plural = _("weapon types")

    def __str__(self) -> str:
        return self.weapon_type


class ProofMark(NormalisedAlias):
    """Factory codes and proof marks described in words ("66 in a triangle")."""

    NORMALISED = (("description", "description_norm", name_key),)
    description = models.CharField(max_length=200)
    description_norm = models.CharField(max_length=200, db_index=True)
    code = models.CharField(max_length=32, blank=True)
    shape = models.CharField(max_length=60, blank=True)
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, null=True, blank=True, related_name="proof_marks"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    meaning = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("proof mark")
        verbose_name_plural = _("proof marks")

    def __str__(self) -> str:
        return self.description


class ReferenceVersion(models.Model):
    """Each load of the reference data set, so exports and answers can cite a version."""

    version = models.CharField(max_length=40)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)
    # Saves and deletions in the admin since this load: the in-memory index is rebuilt
    # when this changes, and exports cite it beside the version.
    edits = models.PositiveIntegerField(_("local edits"), default=0)

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return self.version
