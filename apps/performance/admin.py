"""The performance pipeline in Django's admin, read-only: runs and their steps, published benchmarks
and the summaries are written by the pipeline and the CMS pages (which check roles and keep who
entered what), never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import PerformanceReport, PerformanceSummary, PipelineRun, PipelineStep, PublishedBenchmark


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PipelineStepInline(admin.TabularInline):
    model = PipelineStep
    extra = 0
    fields = ("order", "name", "status", "attempts", "seconds", "rows", "shards_done", "shards_total", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PipelineRun)
class PipelineRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "performance_year",
        "trigger",
        "status",
        "stage",
        "percent",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("performance_year", "status", "trigger")
    list_select_related = ("created_by",)
    inlines = [PipelineStepInline]


@admin.register(PublishedBenchmark)
class PublishedBenchmarkAdmin(ReadOnlyAdmin):
    list_display = ("aco", "performance_year", "cohort", "pbpm", "source", "entered_by", "entered_at")
    list_filter = ("performance_year", "cohort")
    search_fields = ("aco__aco_id", "source")
    list_select_related = ("aco", "entered_by")


@admin.register(PerformanceSummary)
class PerformanceSummaryAdmin(ReadOnlyAdmin):
    list_display = ("aco", "performance_year", "run", "created_at")
    list_filter = ("performance_year",)
    search_fields = ("aco__aco_id",)
    list_select_related = ("aco",)


@admin.register(PerformanceReport)
class PerformanceReportAdmin(ReadOnlyAdmin):
    list_display = ("aco", "performance_year", "format", "status", "size", "requested_by", "created_at")
    list_filter = ("performance_year", "format", "status")
    search_fields = ("aco__aco_id",)
    list_select_related = ("aco", "requested_by")
