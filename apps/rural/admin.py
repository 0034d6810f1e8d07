"""Read-only administration of the rural add-on runs (the pipeline writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import RuralEligibility, RuralRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RuralRun)
class RuralRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "performance_year", "alignment_run", "as_of", "status", "created_at", "finished_at")
    list_filter = ("performance_year", "status")


@admin.register(RuralEligibility)
class RuralEligibilityAdmin(ReadOnlyAdmin):
    list_display = ("run", "aco", "qualifies", "rate", "newly_entering", "any_new_to_aco", "reason")
    list_filter = ("qualifies", "run__performance_year")
    list_select_related = ("run", "aco")
