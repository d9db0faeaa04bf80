"""Administrators edit a peer's name, endpoint, contacts and flags, and retire its keys, in
the admin; each save is a before/after entry in the audit log, in the same transaction.
Peers and keys are never deleted here: the messages exchanged keep pointing at them."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from armstrace.audit.services import record_change, stored_snapshot
from armstrace.federation.models import Peer, PeerKey


class PeerKeyInline(admin.TabularInline[PeerKey, Peer]):
    model = PeerKey
    extra = 0
    can_delete = False
    fields = ["key_id", "public_key", "valid_from", "retired_at"]


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin[Peer]):
    """New peers with their first key come from `armstrace federation peer add`."""

    list_display = ["node_id", "state", "name", "endpoint", "active", "hub"]
    list_filter = ["active", "hub"]
    search_fields = ["node_id", "name"]
    inlines = [PeerKeyInline]
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
    }

    def save_model(
        self, request: HttpRequest, obj: Peer, form: ModelForm[Any], change: bool
    ) -> None:
        before = stored_snapshot(obj)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_change(obj, action="updated" if change else "created", before=before)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        with transaction.atomic():
            for key in formset.save(commit=False):
                before = stored_snapshot(key)
                key.save()
                record_change(key, action="updated" if before else "created", before=before)
            formset.save_m2m()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
