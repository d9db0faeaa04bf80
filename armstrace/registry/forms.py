"""Web forms of the registry. They parse input into service inputs; the rules stay in services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.forms import Form
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.registry import rules
from armstrace.registry.choices import (
    ComponentType,
    EventKind,
    MarkMethod,
    MarkRole,
    PartyKind,
    RestorationMethod,
    Status,
)
from armstrace.registry.models import Mark, Party, Weapon
from armstrace.registry.selectors import filter_weapons, marks_for, parties_for
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    MarkInput,
    WeaponInput,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

Choices = list[tuple[str, Any]]


def add_domain_error(
    form: forms.Form, exc: DomainValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on the field it names, or above the form if no such field."""
    name = (aliases or {}).get(exc.field, exc.field)
    if name in form.fields:
        form.add_error(name, capfirst(exc.message))
    else:
        form.add_error(None, f"{exc.field}: {exc.message}")


def country_choices() -> Choices:
    countries = Country.objects.values_list("code", "name")
    return [("", _("Not known")), *((code, f"{name} ({code})") for code, name in countries)]


def _with_blank(choices: Choices, blank: Any) -> Choices:
    return [("", blank), *choices]


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, required=required, widget=widget)


def text_field(
    label: Any, max_length: int, *, required: bool = False, **kw: Any
) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, **kw)


class RegistryForm(Form):
    required_css_class = "required"  # the label shows a marker; the input carries `required`


class PartyChoiceField(forms.ModelChoiceField[Party]):
    def label_from_instance(self, obj: Party) -> str:
        kind = PartyKind(obj.kind).label
        if obj.licence_number:
            return f"{obj.name} ({kind}, {obj.licence_number})"
        return f"{obj.name} ({kind})"


class WeaponFilterForm(RegistryForm):
    """The weapon list's filters; read from the query string, so links can be shared."""

    serial = text_field(
        _("Serial number"),
        64,
        help_text=_("Whole or first part; case, spaces and dashes are ignored."),
    )
    manufacturer = text_field(_("Manufacturer"), 200)
    model = text_field(_("Model"), 120)
    record_ref = text_field(_("Source record reference"), 120)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_with_blank(Status.choices, _("Any"))
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=_with_blank(WeaponType.choices, _("Any"))
    )
    country = forms.ChoiceField(
        label=_("Country of manufacture"), required=False, choices=country_choices
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), required=False, queryset=Agency.objects.all(), empty_label=_("Any")
    )

    def filter(self, weapons: QuerySet[Weapon]) -> QuerySet[Weapon]:
        """Apply the valid filters; an invalid one is reported on the form and ignored."""
        self.is_valid()
        data = self.cleaned_data
        # The exact serial sorts first among those it begins, so one prefix test serves both.
        return filter_weapons(
            weapons,
            serial=data.get("serial") or "",
            serial_prefix=True,
            manufacturer=data.get("manufacturer") or "",
            model=data.get("model") or "",
            status=data.get("status") or "",
            weapon_type=data.get("type") or "",
            country=data.get("country") or "",
            agency=data.get("agency") or None,
            record_ref=data.get("record_ref") or "",
        )

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class EventFieldsForm(RegistryForm):
    """The fields of one life-cycle event, shared by registration and the event form.

    `kind` accepts every event so that a refused one gets the transition table's reason;
    the select offers only the events that can happen now.
    """

    kind = forms.ChoiceField(label=_("Event"), choices=EventKind.choices)
    occurred_on = date_field(_("Date"))
    place = text_field(_("Place"), 200)
    country = forms.ChoiceField(
        label=_("Country where it happened"), required=False, choices=country_choices
    )
    counterpart_country = forms.ChoiceField(
        label=_("Country of export or destination"),
        required=False,
        choices=country_choices,
        help_text=_("Required for an export."),
    )
    from_party = PartyChoiceField(label=_("From"), required=False, queryset=Party.objects.none())
    to_party = PartyChoiceField(
        label=_("To"),
        required=False,
        queryset=Party.objects.none(),
        help_text=_("The receiving party; required for a transfer, an import or an issue."),
    )
    document_ref = text_field(_("Document reference"), 120)
    licence_number = text_field(_("Licence or authorisation"), 64)
    # One line: services refuse line breaks as control characters (a Textarea would invite them).
    notes = text_field(_("Notes"), 5000)

    event_field_names = (
        "kind",
        "occurred_on",
        "place",
        "country",
        "counterpart_country",
        "from_party",
        "to_party",
        "document_ref",
        "licence_number",
        "notes",
    )

    def __init__(
        self, *args: Any, user: User | AnonymousUser, offered: list[EventKind], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        parties = parties_for(user)
        for name in ("from_party", "to_party"):
            field = self.fields[name]
            assert isinstance(field, PartyChoiceField)
            field.queryset = parties
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.widget.choices = _with_blank([(k.value, k.label) for k in offered], _("Choose"))

    @property
    def event_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.event_field_names]

    def event_input(self) -> EventInput:
        data = self.cleaned_data
        return EventInput(
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            place=data["place"],
            country=data["country"] or None,
            counterpart_country=data["counterpart_country"] or None,
            from_party=data["from_party"],
            to_party=data["to_party"],
            document_ref=data["document_ref"],
            licence_number=data["licence_number"],
            notes=data["notes"],
        )


class EventForm(EventFieldsForm):
    def __init__(self, *args: Any, user: User | AnonymousUser, weapon: Weapon, **kwargs: Any):
        status = Status(weapon.status)
        offered = [kind for kind in EventKind if rules.allowed(status, kind)]
        super().__init__(*args, user=user, offered=offered, **kwargs)


class WeaponForm(EventFieldsForm):
    """A weapon's identity and the first event that brings it into the registry."""

    serial_number = text_field(_("Serial number as marked"), 64, required=True)
    manufacturer = PartyChoiceField(
        label=_("Manufacturer"),
        required=False,
        queryset=Party.objects.none(),
        help_text=_("Choose a known manufacturer, or type the name below."),
    )
    manufacturer_name = text_field(
        _("Manufacturer as written"),
        200,
        help_text=_("Kept exactly as typed; leave empty to use the chosen manufacturer's name."),
    )
    country_of_manufacture = forms.ChoiceField(
        label=_("Country of manufacture"), required=False, choices=country_choices
    )
    model = text_field(_("Model"), 120)
    calibre = text_field(_("Calibre as written"), 60)
    weapon_type = forms.ChoiceField(
        label=_("Type"), choices=_with_blank(WeaponType.choices, _("Choose"))
    )
    year_of_manufacture = forms.IntegerField(label=_("Year of manufacture"), required=False)
    record_ref = text_field(_("Source record reference"), 120)

    identity_field_names = (
        "serial_number",
        "manufacturer",
        "manufacturer_name",
        "country_of_manufacture",
        "model",
        "calibre",
        "weapon_type",
        "year_of_manufacture",
        "record_ref",
    )
    field_order = [*identity_field_names, *EventFieldsForm.event_field_names]

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        offered = [kind for kind in EventKind if kind in rules.FIRST_EVENTS]
        super().__init__(*args, user=user, offered=offered, **kwargs)
        manufacturer = self.fields["manufacturer"]
        assert isinstance(manufacturer, PartyChoiceField)
        manufacturer.queryset = parties_for(user).filter(kind=PartyKind.MANUFACTURER)

    @property
    def identity_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.identity_field_names]

    def weapon_input(self) -> WeaponInput:
        data = self.cleaned_data
        return WeaponInput(
            serial_number=data["serial_number"],
            manufacturer_name=data["manufacturer_name"],
            manufacturer=data["manufacturer"],
            weapon_type=data["weapon_type"],
            country_of_manufacture=data["country_of_manufacture"] or None,
            model=data["model"],
            calibre=data["calibre"],
            year_of_manufacture=data["year_of_manufacture"],
            record_ref=data["record_ref"],
        )


class ComponentForm(RegistryForm):
    component_type = forms.ChoiceField(
        label=_("Component"), choices=_with_blank(ComponentType.choices, _("Choose"))
    )
    serial_number = text_field(_("Serial number"), 64)
    installed_on = date_field(_("Installed on"), required=False)

    def component_input(self) -> ComponentInput:
        data = self.cleaned_data
        return ComponentInput(data["component_type"], data["serial_number"], data["installed_on"])


class ReplaceComponentForm(RegistryForm):
    new_serial_number = text_field(_("Serial number of the new part"), 64)
    replaced_on = date_field(_("Replaced on"))
    reason = text_field(_("Reason"), 200, required=True)

    # The service names the new part's fields as add_component does.
    aliases = {"serial_number": "new_serial_number", "installed_on": "replaced_on"}


class MarkForm(RegistryForm):
    role = forms.ChoiceField(label=_("Role"), choices=_with_blank(MarkRole.choices, _("Choose")))
    text = text_field(_("Text as read"), 200, required=True)
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=_with_blank(MarkMethod.choices, _("Not known"))
    )
    location = text_field(_("Location on the weapon"), 120)
    date_applied = date_field(_("Date applied"), required=False)
    component_type = forms.ChoiceField(
        label=_("On component"),
        required=False,
        choices=ComponentType.choices,
        help_text=_("Only components currently installed are offered."),
    )

    concealed = forms.BooleanField(
        label=_("Concealed mark"),
        required=False,
        help_text=_(
            "A hidden mark: only those allowed to see concealed marks will see it, "
            "its photographs and its restorations."
        ),
    )

    def __init__(self, *args: Any, weapon: Weapon, can_conceal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_conceal:
            del self.fields["concealed"]
        installed = weapon.components.filter(removed_on__isnull=True)
        kinds = dict.fromkeys(installed.values_list("component_type", flat=True))
        field = self.fields["component_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _with_blank(
            [(kind, ComponentType(kind).label) for kind in kinds], _("The weapon as a whole")
        )

    def mark_input(self) -> MarkInput:
        data = self.cleaned_data
        return MarkInput(
            role=data["role"],
            text=data["text"],
            method=data["method"],
            location=data["location"],
            date_applied=data["date_applied"],
            component_type=data["component_type"],
            concealed=data.get("concealed", False),
        )


def _mark_label(mark: Mark) -> str:
    label = f"{MarkRole(mark.role).label}: {mark.text}"
    return f"{label} ({_('concealed')})" if mark.concealed else label


class ImageForm(RegistryForm):
    file = forms.FileField(
        label=_("Photograph"),
        help_text=_("JPEG, PNG or WebP. Its type is read from its content."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    shows = forms.ChoiceField(label=_("Shows"), required=False)
    caption = text_field(_("Caption"), 200)
    keep_location = forms.BooleanField(
        label=_("Keep the location recorded in the file"),
        required=False,
        help_text=_(
            "By default the GPS position and other location metadata are removed. "
            "Keeping them is recorded in the audit log."
        ),
    )

    def __init__(
        self, *args: Any, user: User | AnonymousUser, weapon: Weapon, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.marks = {str(m.pk): m for m in marks_for(user, weapon)}
        self.events = {str(e.pk): e for e in weapon.events.order_by("seq")}
        field = self.fields["shows"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("The whole weapon")),
            *((f"mark:{pk}", _mark_label(m)) for pk, m in self.marks.items()),
            *(
                (f"event:{pk}", f"{e.occurred_on:%Y-%m-%d} {EventKind(e.kind).label}")
                for pk, e in self.events.items()
            ),
        ]

    def target(self) -> dict[str, Any]:
        """The mark or event the photograph shows, as keyword arguments of ImageUpload."""
        kind, _sep, pk = str(self.cleaned_data["shows"]).partition(":")
        if kind == "mark":
            return {"mark": self.marks[pk]}
        if kind == "event":
            return {"event": self.events[pk]}
        return {}


class RestorationForm(RegistryForm):
    of = forms.ChoiceField(label=_("Restored"), required=False)
    reading = text_field(
        _("Characters read"),
        200,
        required=True,
        help_text=_(
            "One character per position: ? for one that could not be read, [8B] for one "
            "that is 8 or B, * for an unknown run. Example: AB[8B]1?4."
        ),
    )
    laboratory = text_field(_("Laboratory"), 200, required=True)
    examiner = text_field(_("Examiner"), 150, required=True)
    examined_on = date_field(_("Examined on"))
    method = forms.ChoiceField(
        label=_("Method"), choices=_with_blank(RestorationMethod.choices, _("Choose"))
    )
    notes = text_field(_("Notes"), 5000)

    def __init__(
        self, *args: Any, user: User | AnonymousUser, weapon: Weapon, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.marks = {str(m.pk): m for m in marks_for(user, weapon)}
        field = self.fields["of"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("The weapon's serial number")),
            *((pk, _mark_label(m)) for pk, m in self.marks.items()),
        ]

    @property
    def mark(self) -> Mark | None:
        return self.marks.get(str(self.cleaned_data["of"]))
