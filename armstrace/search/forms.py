"""The investigator's search form: it parses the query; the search service judges it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from armstrace.reference.choices import WeaponType
from armstrace.registry.forms import RegistryForm, country_choices, text_field
from armstrace.search.services import SearchQuery

# Fields that get a live "canonical: ..." hint from the identification service.
HINTED = ("manufacturer", "model", "calibre")
HINT_TRIGGER = "input changed delay:300ms"


class SearchForm(RegistryForm):
    serial = text_field(
        _("Serial number as read"),
        64,
        required=True,
        help_text=_(
            "Type ? for one character that cannot be read and * for any run of characters: "
            "AB?12?4, 5612*, *4471. Case, spaces and dashes do not matter."
        ),
        error_messages={
            "required": _(
                "Give the serial, or the part of it that can be read "
                "(? for one unknown character, * for any run)."
            )
        },
    )
    manufacturer = text_field(_("Manufacturer"), 200)
    model = text_field(_("Model"), 120)
    calibre = text_field(_("Calibre"), 60)
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any")), *WeaponType.choices],
    )
    country = forms.ChoiceField(
        label=_("Country of manufacture"), required=False, choices=country_choices
    )
    year = forms.IntegerField(
        label=_("Year of manufacture"), required=False, min_value=1800, max_value=2100
    )
    purpose = text_field(
        _("Case number or purpose"),
        200,
        required=True,
        help_text=_(
            "Recorded with your search: who searched, why, and what came back is kept "
            "for the audit."
        ),
        error_messages={
            "required": _("Give the case number or the purpose of this search; it is recorded.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hint_url = reverse("reference:identify-hint")
        for name in HINTED:
            value = self.data.get(name) if self.is_bound else self.initial.get(name)
            # A field that already holds a value asks for its hint as soon as it is shown.
            trigger = f"load, {HINT_TRIGGER}" if value else HINT_TRIGGER
            # The form's hx-* attributes are inherited: each one that must differ is set here.
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": hint_url,
                    "hx-trigger": trigger,
                    "hx-target": f"#hint-{name}",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                    "hx-push-url": "false",
                    "hx-indicator": f"#hint-{name}",
                    "autocomplete": "off",
                }
            )

    def search_query(self) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            serial=data["serial"],
            manufacturer=data["manufacturer"],
            model=data["model"],
            calibre=data["calibre"],
            weapon_type=data["type"],
            country=data["country"],
            year=data["year"],
        )
