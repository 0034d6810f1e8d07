"""CMS administrators maintain the per-PY catalogue of default episode definitions and the CARA
parameters here; episode runs are the pipeline's and read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Arrangement, EpisodeDefinition, EpisodeParameters, EpisodeRun, ProviderMembership, Reconciliation


@admin.register(EpisodeParameters)
class EpisodeParametersAdmin(admin.ModelAdmin):
    list_display = ("performance_year", "first_episode_date", "reconciliation_months")


@admin.register(EpisodeDefinition)
class EpisodeDefinitionAdmin(admin.ModelAdmin):
    list_display = ("performance_year", "code", "name", "design", "aco", "trigger_kind", "window_days", "active")
    list_filter = ("performance_year", "design", "active")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(EpisodeRun)
class EpisodeRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "performance_year", "status", "created_at", "message")
    list_filter = ("performance_year", "status")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    """CMS administrators give a Preferred Provider's people their portal access here: a user linked to the
    Preferred Provider's TIN and NPI sees that provider's EBRAs, episodes and statements, nothing else."""

    list_display = ("user", "name", "tin", "npi", "created_at")
    search_fields = ("user__username", "name", "tin", "npi")
    autocomplete_fields = ("user",)


class _ReadOnly(admin.ModelAdmin):
    """EBRAs move only through the portal's lifecycle (apps/cara/arrangements.py), which records who did what."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Arrangement)
class ArrangementAdmin(_ReadOnly):
    list_display = ("pk", "aco", "preferred_provider", "performance_year", "status", "effective_start", "effective_end")
    list_filter = ("performance_year", "status")


@admin.register(Reconciliation)
class ReconciliationAdmin(_ReadOnly):
    list_display = ("arrangement", "period_start", "period_end", "episodes", "amount_cents", "final")
    exclude = ("lines",)
