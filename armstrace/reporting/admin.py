"""Recipients of diversion notices are kept in the admin too; saving goes through the
service, so each change is audited. Notices and the assistance register are read-only here:
their changes go through the pages."""

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from armstrace.reporting.models import AssistanceEntry, DiversionNotice, NoticeRecipient
from armstrace.reporting.services import RecipientInput, save_recipient


@admin.register(NoticeRecipient)
class NoticeRecipientAdmin(admin.ModelAdmin[NoticeRecipient]):
    list_display = ["name", "level", "email", "peer", "languages", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "email"]
    fields = ["name", "level", "email", "address", "peer", "languages", "active"]

    def save_model(
        self, request: HttpRequest, obj: NoticeRecipient, form: ModelForm[Any], change: bool
    ) -> None:
        data = RecipientInput(
            name=obj.name,
            level=obj.level,
            email=obj.email,
            address=obj.address,
            languages=obj.languages,
            active=obj.active,
            peer=obj.peer.node_id if obj.peer else "",
        )
        existing = NoticeRecipient.objects.get(pk=obj.pk) if change else None
        saved = save_recipient(actor=None, data=data, recipient=existing)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: notices keep their addressee


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DiversionNotice)
class DiversionNoticeAdmin(ReadOnly):
    list_display = ["request_id", "recipient", "state", "created_at", "exported_at", "alert_id"]
    list_filter = ["state"]
    search_fields = ["request_id", "case_ref"]


@admin.register(AssistanceEntry)
class AssistanceEntryAdmin(ReadOnly):
    list_display = ["kind", "category", "country", "quantity", "status", "created_at"]
    list_filter = ["kind", "category", "status"]
