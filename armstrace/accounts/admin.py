from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency, RoleGrant, User


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 0


@admin.register(User)
class ArmsTraceUserAdmin(UserAdmin[User]):
    """Roles are granted per agency below; Django's superuser flag, groups and model
    permissions are not offered: an administrator cannot raise anyone above the roles."""

    inlines = [RoleGrantInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("ArmsTrace"), {"fields": ("agency", "preferred_language", "is_active", "is_staff")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_filter = ("is_active", "agency")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["code", "name", "kind", "country", "national_scope"]
    search_fields = ["code", "name"]
