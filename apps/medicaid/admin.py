"""Administration of Medicaid integration. Each helper area registers its own models."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    DataSharingOptOut,
    DualRun,
    FrameworkDocument,
    MedicaidState,
    Milestone,
    PartnershipArrangement,
    StateStatusChange,
)

# --- partner states, milestones, framework documents ---------------------------------------------
# Read-only here: every change goes through the portal's pages or API (states/services.py checks the
# status moves, the planning-phase dates and the document types, and records the history).


class StatesReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StateStatusChangeInline(admin.TabularInline):
    model = StateStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "reason", "changed_by", "changed_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MedicaidState)
class MedicaidStateAdmin(StatesReadOnlyAdmin):
    list_display = ("code", "name", "status", "delivery_system", "medicaid_agency", "updated_at")
    list_filter = ("status", "delivery_system")
    search_fields = ("code", "name", "medicaid_agency")
    inlines = [StateStatusChangeInline]


@admin.register(Milestone)
class MilestoneAdmin(StatesReadOnlyAdmin):
    list_display = ("title", "state", "start", "end", "status", "updated_at")
    list_filter = ("status", "state")
    search_fields = ("title",)


@admin.register(FrameworkDocument)
class FrameworkDocumentAdmin(StatesReadOnlyAdmin):
    list_display = ("title", "version", "state", "original_name", "size", "uploaded_by", "uploaded_at")
    list_filter = ("state",)


# --- dual eligibles and data-sharing opt-outs ------------------------------------------------------
# Read-only: the pipeline writes dual runs; opt-outs are recorded and revoked by the ACO's
# administrators through the portal (duals/services.py checks the MBI and keeps who did what).


@admin.register(DualRun)
class DualRunAdmin(StatesReadOnlyAdmin):
    list_display = ("id", "performance_year", "alignment_run", "through", "status", "created_at", "finished_at")
    list_filter = ("performance_year", "status")


@admin.register(DataSharingOptOut)
class DataSharingOptOutAdmin(StatesReadOnlyAdmin):
    list_display = ("aco", "mbi", "declined_on", "source", "recorded_by", "recorded_at", "revoked_at")
    list_filter = ("source", "aco")
    search_fields = ("mbi",)
    list_select_related = ("aco", "recorded_by")


# --- partnership arrangements ----------------------------------------------------------------------
# Read-only: an arrangement's content, versions and decisions go through the review workflow
# (arrangements/services.py), which keeps who did what and when.


@admin.register(PartnershipArrangement)
class PartnershipArrangementAdmin(admin.ModelAdmin):
    list_display = ("__str__", "aco", "state", "review_state")
    list_filter = ("state", "review__state")
    search_fields = ("aco__aco_id", "review__title")
    list_select_related = ("aco", "state", "review")

    @admin.display(description="Review status", ordering="review__state")
    def review_state(self, obj: PartnershipArrangement) -> str:
        return obj.review.get_state_display()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
