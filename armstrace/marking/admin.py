"""Campaigns, finds and destructions in the admin: read-only, since every change goes
through the services (and so into the audit log)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from armstrace.marking.models import (
    Campaign,
    CollectionBatch,
    Destruction,
    Find,
    MarkCounter,
)


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnly):
    list_display = ["code", "name", "purpose", "agency", "status", "created_at"]
    list_filter = ["purpose", "status"]
    search_fields = ["code", "name"]


@admin.register(MarkCounter)
class MarkCounterAdmin(ReadOnly):
    list_display = ["stem", "last_value"]
    search_fields = ["stem"]


@admin.register(Find)
class FindAdmin(ReadOnly):
    list_display = ["weapon", "kind", "occurred_on", "agency", "due_on", "outcome"]
    list_filter = ["kind", "outcome"]
    search_fields = ["case_number", "weapon__serial_number"]


@admin.register(CollectionBatch)
class CollectionBatchAdmin(ReadOnly):
    list_display = ["name", "agency", "kind", "collected_on", "created_at"]


@admin.register(Destruction)
class DestructionAdmin(ReadOnly):
    list_display = ["pk", "agency", "status", "destroyed_on", "method", "certificate_sha256"]
    exclude = ["certificate"]
