"""The identification form: free text in every field, as investigators write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from armstrace.core.forms import Form
from armstrace.reference.identify import FIELDS

MAX_LENGTH = 300  # identify() reads no further


def _text(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_LENGTH,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class IdentifyForm(Form):
    manufacturer = _text(_("Manufacturer"), _("As marked or as written: Izhmash, Norinco, FN."))
    model = _text(_("Model"), _("Type 56, AKM, FAL, Beretta 92 ..."))
    calibre = _text(_("Calibre"), _("Any spelling: 7,62x39, 7.62 M43, .223, 9 mm Para."))
    type = _text(_("Type"), _("Assault rifle, pistol, RPG ..."))
    country = _text(_("Country"), _("Where it was made, or the country named on it."))
    marks = _text(
        _("Marks"),
        _("Factory codes and proof marks in words: 66 in a triangle, arrow in a circle."),
    )

    def given(self) -> dict[str, str]:
        """What was typed, field by field; a field too long to read is left out."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in FIELDS}
