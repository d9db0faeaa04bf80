"""Forms of the campaign, find, collection and destruction pages: they parse, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.core.forms import Form
from armstrace.marking.choices import RESULTS, CampaignPurpose, FindKind
from armstrace.marking.models import Campaign
from armstrace.reference.choices import WeaponType
from armstrace.registry.choices import ComponentType, MarkMethod, PartyKind
from armstrace.registry.models import Party

MAX_UPLOAD = 50 * 1024 * 1024
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


TABLE_LABEL = _("File (CSV or XLSX)")


def table_file(*, required: bool = True, label: Any = TABLE_LABEL) -> forms.FileField:
    return forms.FileField(label=label, required=required)


def check_table_upload(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is None:
        return None
    name = (upload.name or "").lower()
    if not name.endswith(TABLE_SUFFIXES):
        raise forms.ValidationError(_("Upload a CSV or XLSX file."))
    if (upload.size or 0) > MAX_UPLOAD:
        raise forms.ValidationError(_("The file is larger than 50 MB."))
    return upload


class CampaignForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=CampaignPurpose.choices)
    mark_template = forms.CharField(
        label=_("Mark format (text before the sequence number)"),
        max_length=80,
        initial="{country}-{unit}-",
        help_text=_("Placeholders: {country} {unit} {agency} {yy} {year}. Example: KE-{unit}-"),
    )
    sequence_width = forms.IntegerField(
        label=_("Digits of the sequence number"), min_value=1, max_value=12, initial=6
    )
    component = forms.ChoiceField(
        label=_("Component to mark"),
        choices=_blank(ComponentType.choices, _("Not stated")),
        required=False,
    )
    location = forms.CharField(label=_("Location on the weapon"), max_length=120, required=False)
    method = forms.ChoiceField(
        label=_("Method"), choices=_blank(MarkMethod.choices, _("Not stated")), required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False)


class SelectionForm(Form):
    unit = forms.ModelChoiceField(
        label=_("Weapons held by the state unit"),
        queryset=Party.objects.filter(kind=PartyKind.STATE_UNIT),
        required=False,
    )
    agency = forms.ModelChoiceField(
        label=_("Weapons of the agency (depot)"),
        queryset=Agency.objects.all(),
        to_field_name="code",
        required=False,
    )
    identifiers = forms.CharField(
        label=_("Weapon ids or serial numbers, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    file = table_file(required=False, label=_("or a file with a column weapon_id or serial"))
    reason = forms.CharField(label=_("Why these weapons"), max_length=300, required=False)

    def clean_file(self) -> UploadedFile | None:
        return check_table_upload(self.cleaned_data.get("file"))

    def lines(self) -> list[str]:
        return str(self.cleaned_data.get("identifiers") or "").splitlines()


class ResultForm(Form):
    result = forms.ChoiceField(label=_("Result"), choices=[(r.value, r.label) for r in RESULTS])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class UploadForm(Form):
    file = table_file()

    def clean_file(self) -> UploadedFile | None:
        return check_table_upload(self.cleaned_data.get("file"))


class FindForm(Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=FindKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    found_by = forms.CharField(label=_("Found or seized by"), max_length=200, required=False)
    case_number = forms.CharField(label=_("Case number"), max_length=64, required=False)
    context = forms.CharField(label=_("Circumstances"), widget=forms.Textarea, required=False)
    weapon_id = forms.UUIDField(
        label=_("Registered weapon id (leave empty for a weapon not in the registry)"),
        required=False,
    )
    serial_number = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    manufacturer_name = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    weapon_type = forms.ChoiceField(
        label=_("Type"), choices=_blank(WeaponType.choices, _("Not known")), required=False
    )
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    calibre = forms.CharField(label=_("Calibre"), max_length=60, required=False)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if not data.get("weapon_id") and not data.get("serial_number"):
            self.add_error("serial_number", _("Give the registered weapon's id or the serial."))
        return data


class CollectionForm(Form):
    name = forms.CharField(label=_("Programme or collection"), max_length=200)
    kind = forms.ChoiceField(
        label=_("How the weapons came in"), choices=FindKind.choices, initial=FindKind.SURRENDERED
    )
    collected_on = forms.DateField(
        label=_("Collected on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    file = table_file(label=_("Collection list (CSV or XLSX, column serial_number required)"))

    def clean_file(self) -> UploadedFile | None:
        return check_table_upload(self.cleaned_data.get("file"))


class RouteForm(Form):
    action = forms.ChoiceField(
        choices=[("marking", _("Send to marking")), ("destruction", _("Send to destruction"))]
    )
    campaign = forms.ModelChoiceField(
        label=_("Marking campaign"), queryset=Campaign.objects.none(), required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    items = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])

    def __init__(self, *args: Any, item_ids: list[int], campaigns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(pk, str(pk)) for pk in item_ids]  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("action") == "marking" and not data.get("campaign"):
            self.add_error("campaign", _("Choose the campaign."))
        return data


class DestructionForm(Form):
    destroyed_on = forms.DateField(
        label=_("Destroyed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.CharField(label=_("Method"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    witnesses = forms.CharField(
        label=_("Witnesses (one per line)"), widget=forms.Textarea(attrs={"rows": 3})
    )
