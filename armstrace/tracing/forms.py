"""Forms of the tracing pages. Fields are optional here: the service checks para 17 and
names every missing field, which the form then shows beside each one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from armstrace.core.exceptions import DomainValidationError
from armstrace.reference.choices import WeaponType
from armstrace.tracing.choices import (
    Channel,
    Completeness,
    Confidentiality,
    Direction,
    FoundContext,
    Ground,
    IllicitGround,
    Priority,
    RoutingReason,
    Status,
)
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.services import RequestInput

BLANK = [("", "---------")]


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [*BLANK, *enum.choices]


def show_errors(form: forms.Form, exc: DomainValidationError) -> None:
    """Each refused field beside its input; a field the form lacks, above the form."""
    errors = exc.errors if isinstance(exc, InvalidFields) else [exc]
    for error in errors:
        if error.field in form.fields:
            form.add_error(error.field, capfirst(error.message))
        else:
            form.add_error(None, f"{error.field}: {error.message}")


class TraceRequestForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=_choices(Channel), required=False)
    case_ref = forms.CharField(label=_("Case reference"), required=False)
    requested_state = forms.CharField(
        label=_("Requested state (outgoing)"), required=False, help_text=_("ISO code, e.g. RS")
    )
    routing_reason = forms.ChoiceField(
        label=_("Why this state"), choices=_choices(RoutingReason), required=False
    )
    requesting_state = forms.CharField(label=_("Requesting state (incoming)"), required=False)
    requesting_agency_name = forms.CharField(
        label=_("Requesting agency (incoming)"), required=False
    )
    external_ref = forms.CharField(label=_("Counterpart's reference"), required=False)
    officer_name = forms.CharField(label=_("Officer"), required=False)
    officer_email = forms.CharField(label=_("Officer's e-mail"), required=False)
    officer_phone = forms.CharField(label=_("Officer's phone"), required=False)
    officer_badge = forms.CharField(label=_("Officer's badge or ID"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    priority_justification = forms.CharField(
        label=_("Why urgent"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    serial_as_read = forms.CharField(
        label=_("Serial as read"), required=False, help_text=_("? for an unreadable character")
    )
    serial_obliterated = forms.BooleanField(label=_("Serial obliterated"), required=False)
    markings = forms.CharField(
        label=_("All markings as read"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    weapon_type = forms.ChoiceField(label=_("Type"), choices=_choices(WeaponType), required=False)
    calibre = forms.CharField(label=_("Calibre"), required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), required=False)
    model = forms.CharField(label=_("Model"), required=False)
    country_of_manufacture = forms.CharField(label=_("Country of manufacture"), required=False)
    other_identifiers = forms.CharField(
        label=_("Other identifiers"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    illicit_grounds = forms.MultipleChoiceField(
        label=_("Why illicit (ITI para 5)"),
        choices=IllicitGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    legal_justification = forms.CharField(
        label=_("Legal justification"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    found_on = forms.DateField(
        label=_("Date found"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    found_place = forms.CharField(label=_("Place found"), required=False)
    found_context = forms.ChoiceField(
        label=_("Found how"), choices=_choices(FoundContext), required=False
    )
    offence = forms.CharField(label=_("Offence"), required=False)
    intended_use = forms.CharField(
        label=_("Intended use of the information"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=_choices(Confidentiality), required=False
    )
    use_restrictions = forms.CharField(
        label=_("Use restrictions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ballistic_ref = forms.CharField(label=_("Ballistic record reference"), required=False)
    language = forms.CharField(label=_("Language"), initial="en", required=False)

    def __init__(self, *args: Any, directions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["direction"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [c for c in Direction.choices if c[0] in directions]

    def _group(self, names: str) -> list[forms.BoundField]:
        return [self[name] for name in names.split()]

    def request_fields(self) -> list[forms.BoundField]:
        return self._group(
            "direction channel case_ref requested_state routing_reason requesting_state "
            "requesting_agency_name external_ref priority priority_justification language"
        )

    def officer_fields(self) -> list[forms.BoundField]:
        return self._group("officer_name officer_email officer_phone officer_badge")

    def weapon_fields(self) -> list[forms.BoundField]:
        return self._group(
            "serial_as_read serial_obliterated markings weapon_type calibre manufacturer model "
            "country_of_manufacture other_identifiers ballistic_ref"
        )

    def context_fields(self) -> list[forms.BoundField]:
        return self._group(
            "illicit_grounds legal_justification found_on found_place found_context offence "
            "intended_use confidentiality use_restrictions"
        )

    def to_input(self) -> RequestInput:
        data = dict(self.cleaned_data.items())
        data["illicit_grounds"] = list(data["illicit_grounds"])
        data["language"] = data["language"] or "en"
        return RequestInput(**data)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    grounds = forms.MultipleChoiceField(
        label=_("Grounds (ITI para 22)"),
        choices=Ground.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reasons = forms.CharField(
        label=_("Reasons (ITI para 23)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, targets: list[Status], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, s.label) for s in targets]


class DraftForm(forms.Form):
    weapon_id = forms.UUIDField(label=_("Weapon (optional)"), required=False)


class ReleaseForm(forms.Form):
    completeness = forms.ChoiceField(label=_("The answer is"), choices=Completeness.choices)
    redact_personal = forms.BooleanField(
        label=_("Withhold the names of natural persons"), required=False, initial=True
    )
    note = forms.CharField(label=_("Note"), required=False)
