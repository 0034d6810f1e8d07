from django.contrib import admin

from .models import BenefitItem, BenefitSelection, Delivery


@admin.register(BenefitItem)
class BenefitItemAdmin(admin.ModelAdmin):
    """The catalogue CMS admins maintain per performance year (limits, availability)."""

    list_display = ("name", "performance_year", "kind", "global_only", "first_performance_year", "legal_states_only")
    list_filter = ("performance_year", "kind")
    search_fields = ("name", "code")


@admin.register(BenefitSelection)
class BenefitSelectionAdmin(admin.ModelAdmin):
    """Selections change only through the portal's services: read-only here."""

    list_display = ("aco", "performance_year", "item", "selected_at", "withdrawn_at")
    list_filter = ("performance_year",)
    readonly_fields = ("aco", "performance_year", "item", "selected_by", "restricted_states", "withdrawn_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log is beneficiary-level data recorded through the portal: read-only here."""

    list_display = ("aco", "plan", "mbi", "delivered_on", "amount", "quantity")
    readonly_fields = ("plan", "aco", "mbi", "delivered_on", "amount", "quantity", "note", "recorded_by")
