"""The filters of the analytics pages: period, region (one of our agencies), weapon type."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.analytics.selectors import Filters, Period
from armstrace.core import clock
from armstrace.core.forms import Form
from armstrace.reference.choices import WeaponType
from armstrace.registry.forms import date_field


class FilterForm(Form):
    start = date_field(_("From"), required=False)
    end = date_field(_("To (inclusive)"), required=False)
    agency = forms.ModelChoiceField(
        label=_("Region (agency)"),
        queryset=Agency.objects.order_by("name"),
        required=False,
        empty_label=_("Whole country"),
        help_text=_("Traces: the agency that recovered the weapon. Registry: the record's agency."),
    )
    weapon_type = forms.ChoiceField(
        label=_("Weapon type"),
        choices=[("", _("All types")), *WeaponType.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("ends before it starts"))
        return data

    def filters(self) -> Filters:
        """The filters asked for; the default period (the last twelve months) for what is
        missing or was not understood. A filter not understood does not drop the others."""
        default = Period.year_to(clock.today())
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # the fields that validated stay in cleaned_data
            data = self.cleaned_data
        start, end = data.get("start") or default.start, data.get("end") or default.end
        period = Period(start, end) if start <= end else default
        agency = data.get("agency")
        return Filters(period, agency.pk if agency else None, data.get("weapon_type") or "")
