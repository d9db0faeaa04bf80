from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from armstrace.accounts.models import Agency, RoleGrant, User


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 0


@admin.register(User)
class ArmsTraceUserAdmin(UserAdmin[User]):
    inlines = [RoleGrantInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("ArmsTrace", {"fields": ("agency",)}))


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["code", "name", "kind", "country", "national_scope"]
    search_fields = ["code", "name"]
