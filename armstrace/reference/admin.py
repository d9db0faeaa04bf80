from django.contrib import admin

from armstrace.reference.models import Calibre, Country, Manufacturer


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin[Country]):
    list_display = ["code", "name", "alpha3", "historic", "source"]
    search_fields = ["code", "name", "alpha3"]


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin[Manufacturer]):
    list_display = ["key", "name", "country", "ncic_code", "source"]
    search_fields = ["key", "name", "ncic_code"]


@admin.register(Calibre)
class CalibreAdmin(admin.ModelAdmin[Calibre]):
    list_display = ["key", "name", "source"]
    search_fields = ["key", "name"]
