"""Reference data: countries, manufacturers, calibres. Every row carries its provenance."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        verbose_name_plural = "countries"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Manufacturer(Provenance):
    """A canonical maker of weapons; registry parties link to it when identified."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True)
    ncic_code = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Calibre(Provenance):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
