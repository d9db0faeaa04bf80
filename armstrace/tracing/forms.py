"""Forms of the tracing pages. Fields are optional here: the service checks para 17 and
names every missing field, which the form then shows beside each one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from armstrace.core.exceptions import DomainValidationError
from armstrace.core.forms import Form
from armstrace.reference.choices import WeaponType
from armstrace.registry.models import Party
from armstrace.tracing.choices import (
    BooksAnswer,
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
from armstrace.tracing.exchange import ReceivedAnswer
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.portal import BOOK_KEEPERS, BooksInput
from armstrace.tracing.services import RequestInput

BLANK = [("", "---------")]
SUGGESTED = ("manufacturer", "model", "calibre", "weapon_type")
INCLUDED = ", ".join(f"[name='{name}']" for name in (*SUGGESTED, "country_of_manufacture"))


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


class TraceRequestForm(Form):
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
    chain_so_far = forms.CharField(
        label=_("Chain established so far"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Filled from earlier answers in a follow-up request."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial="en", required=False
    )
    parent = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, directions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["direction"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [c for c in Direction.choices if c[0] in directions]
        hint_url = reverse("tracing:trace-suggest")
        for name in SUGGESTED:  # canonical values suggested as the user types (issue 7, item 2)
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": hint_url,
                    "hx-trigger": "input changed delay:300ms, change",
                    "hx-include": INCLUDED,
                    "hx-target": "#trace-suggestions",
                    "hx-swap": "innerHTML",
                    "hx-sync": "closest form:replace",
                    "autocomplete": "off",
                }
            )

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
            "country_of_manufacture other_identifiers ballistic_ref chain_so_far"
        )

    def context_fields(self) -> list[forms.BoundField]:
        return self._group(
            "illicit_grounds legal_justification found_on found_place found_context offence "
            "intended_use confidentiality use_restrictions"
        )

    def to_input(self, parent: TraceRequest | None = None) -> RequestInput:
        data = dict(self.cleaned_data.items())
        data.pop("parent")
        data["illicit_grounds"] = list(data["illicit_grounds"])
        data["language"] = data["language"] or "en"
        return RequestInput(**data, parent=parent)


class TransitionForm(Form):
    id_prefix = "step_"
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


class DraftForm(Form):
    id_prefix = "draft_"
    weapon_id = forms.UUIDField(label=_("Weapon (optional)"), required=False)


class ReleaseForm(Form):
    id_prefix = "release_"
    completeness = forms.ChoiceField(label=_("The answer is"), choices=Completeness.choices)
    redact_personal = forms.BooleanField(
        label=_("Withhold the names of natural persons"), required=False, initial=True
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality of the answer"),
        choices=[("", _("As the request")), *Confidentiality.choices],
        required=False,
    )
    use_restrictions = forms.CharField(
        label=_("Use restrictions of the answer"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Left empty: the request's use restrictions."),
    )
    note = forms.CharField(label=_("Note"), required=False)


class ReceivedAnswerForm(Form):
    """An answer received by e-mail: typed in, or its JSON document uploaded."""

    document = forms.FileField(
        label=_("JSON document (armstrace.trace-answer)"),
        required=False,
        help_text=_("Upload the document, or fill in the fields below."),
    )
    completeness = forms.ChoiceField(
        label=_("The answer is"), choices=_choices(Completeness), required=False
    )
    responder_ref = forms.CharField(label=_("Responder's reference"), required=False)
    answered_on = forms.DateField(
        label=_("Date of the answer"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    summary = forms.CharField(
        label=_("The answer as received"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    last_holder = forms.CharField(label=_("Last legal holder"), required=False)
    last_date = forms.DateField(
        label=_("Date of the last legal record"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    diversion_established = forms.BooleanField(
        label=_("Point of diversion established"), required=False
    )
    diversion_how = forms.CharField(label=_("How"), required=False)
    leads_to_state = forms.CharField(
        label=_("The chain leads to (state)"), required=False, help_text=_("ISO code, e.g. UG")
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=_choices(Confidentiality), required=False
    )
    use_restrictions = forms.CharField(
        label=_("Use restrictions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def to_input(self) -> ReceivedAnswer:
        d = self.cleaned_data
        last = None
        if d["last_holder"] or d["last_date"]:
            last = {
                "event": "",
                "date": d["last_date"].isoformat() if d["last_date"] else "",
                "status": "",
                "holder": {"name": d["last_holder"], "kind": "", "licence_number": ""},
                "country": "",
            }
        return ReceivedAnswer(
            completeness=d["completeness"],
            responder_ref=d["responder_ref"],
            answered_on=d["answered_on"],
            summary=d["summary"],
            last_legal_record=last,
            diversion_established=d["diversion_established"],
            diversion_how=d["diversion_how"],
            leads_to_state=d["leads_to_state"],
            confidentiality=d["confidentiality"],
            use_restrictions=d["use_restrictions"],
        )


class ExportForm(Form):
    id_prefix = "export_"
    format = forms.ChoiceField(
        label=_("Format"), choices=[("pdf", _("PDF form")), ("json", _("JSON document"))]
    )
    to = forms.CharField(
        label=_("Disclosed to"),
        required=False,
        max_length=200,
        help_text=_("The agency or state receiving it (recorded). Default: the counterpart."),
    )


class QuestionForm(Form):
    id_prefix = "question_"
    party = forms.ModelChoiceField(
        label=_("Manufacturer or dealer"),
        queryset=Party.objects.filter(kind__in=BOOK_KEEPERS).order_by("name"),
    )
    question = forms.CharField(
        label=_("Question"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Default: to whom and when did you sell or transfer this weapon?"),
    )


class BooksForm(Form):
    """The portal's only form: what the party's own books say about one weapon."""

    found = forms.ChoiceField(
        label=_("What do your books say?"),
        choices=BooksAnswer.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    sold_to = forms.CharField(label=_("Sold or transferred to"), required=False)
    sold_on = forms.DateField(
        label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document_ref = forms.CharField(
        label=_("Document reference (invoice, licence, register entry)"), required=False
    )
    note = forms.CharField(
        label=_("Anything else"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    answered_by = forms.CharField(label=_("Your name and position"), required=False)

    def to_input(self) -> BooksInput:
        return BooksInput(**self.cleaned_data)
