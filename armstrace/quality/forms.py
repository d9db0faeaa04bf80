"""Forms of the quality pages: parse input for the services, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from armstrace.quality.choices import Outcome, Profile
from armstrace.reference.choices import WeaponType
from armstrace.registry.forms import country_choices
from armstrace.registry.models import Weapon
from armstrace.registry.services import CORRECTABLE


class RunForm(forms.Form):
    profile = forms.ChoiceField(label=_("Profile"), choices=Profile.choices)


def current_values(weapon: Weapon) -> dict[str, object]:
    """The correctable fields as the form shows them (countries as ISO codes)."""
    values: dict[str, object] = {name: getattr(weapon, name) for name in CORRECTABLE}
    values["country_of_manufacture"] = weapon.country_of_manufacture_id or ""
    values["import_country"] = weapon.import_country_id or ""
    return values


class AnswerForm(forms.Form):
    """The clerk's verdict; the record's fields, pre-filled, to correct what the source
    document says otherwise."""

    outcome = forms.ChoiceField(
        label=_("Compared with the source document, the record"),
        choices=[
            (Outcome.CONFIRMED, _("matches it")),
            (Outcome.ERROR_FOUND, _("has an error (correct it below, or describe it)")),
        ],
        widget=forms.RadioSelect,
    )
    serial_number = forms.CharField(label=_("Serial number as marked"), max_length=64)
    manufacturer_name = forms.CharField(label=_("Manufacturer as written"), max_length=200)
    country_of_manufacture = forms.ChoiceField(label=_("Country of manufacture"), required=False)
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    calibre = forms.CharField(label=_("Calibre as written"), max_length=60, required=False)
    weapon_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Not known")), *WeaponType.choices], required=False
    )
    year_of_manufacture = forms.IntegerField(label=_("Year of manufacture"), required=False)
    import_country = forms.ChoiceField(label=_("Country of import"), required=False)
    import_year = forms.IntegerField(label=_("Year of import"), required=False)
    record_ref = forms.CharField(label=_("Source record reference"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What differs from the source document, if no field above shows it."),
    )

    def __init__(self, *args: Any, weapon: Weapon, **kwargs: Any) -> None:
        self.weapon = weapon
        kwargs.setdefault("initial", current_values(weapon))
        super().__init__(*args, **kwargs)
        countries = country_choices()
        for name in ("country_of_manufacture", "import_country"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = countries
        for name, value in (weapon.unresolved or {}).items():
            if name in self.fields:
                self.fields[name].help_text = _("As written in the source: %(value)s") % {
                    "value": value
                }

    def changes(self) -> dict[str, object]:
        """The fields whose value differs from the record, with their new values."""
        now = current_values(self.weapon)
        changed: dict[str, object] = {}
        for name in CORRECTABLE:
            value = self.cleaned_data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if (value or None) != (now[name] or None):
                changed[name] = value
        return changed
