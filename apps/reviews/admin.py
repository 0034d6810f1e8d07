from django.contrib import admin

from .models import ReviewCase, ReviewTransition


class TransitionInline(admin.TabularInline):
    model = ReviewTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_state", "to_state", "actor", "at", "reason")


@admin.register(ReviewCase)
class ReviewCaseAdmin(admin.ModelAdmin):
    """Cases move only through the workflow: shown here read-only for audit."""

    list_display = ("title", "kind", "state", "submitted_at", "decided_at")
    list_filter = ("kind", "state")
    readonly_fields = (
        "kind",
        "title",
        "state",
        "content",
        "created_by",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    inlines = [TransitionInline]
