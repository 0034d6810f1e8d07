from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from .models import AccessLog, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("LEAD Portal", {"fields": ("cms_role",)}))
    list_display = ("username", "email", "first_name", "last_name", "cms_role", "is_active")
    list_filter = ("cms_role", "is_active", "is_staff")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, nobody edits it."""

    list_display = ("at", "username", "action", "object_type", "object_id", "aco_code", "ip_address")
    list_filter = ("action", "object_type", "aco_code")
    search_fields = ("username", "object_id", "path")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
