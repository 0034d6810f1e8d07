from django.contrib import admin

from .models import ACO, Election, ListChangeRequest, Membership, ModelParameters, ParticipantTIN, PreferredProvider


@admin.register(ModelParameters)
class ModelParametersAdmin(admin.ModelAdmin):
    list_display = ("performance_year", "list_deadline", "quality_withhold_pct", "rural_addon_pbpm", "ecqm_phase")
    fieldsets = (
        (None, {"fields": ("performance_year", "list_deadline")}),
        ("Quality", {"fields": ("quality_withhold_pct", "ecqm_phase")}),
        (
            "Risk sharing",
            {
                "fields": (
                    "professional_savings_share_pct",
                    "professional_loss_share_pct",
                    "corridors",
                    "sequestration_pct",
                )
            },
        ),
        (
            "Alignment minimums",
            {
                "fields": (
                    "minimum_standard_total",
                    "minimum_standard_claims",
                    "minimum_high_needs_total",
                    "minimum_high_needs_claims",
                    "minimum_newly_entering_total",
                    "minimum_newly_entering_claims",
                    "high_needs_aco_share_pct",
                )
            },
        ),
        (
            "Benchmark and capitation",
            {
                "fields": (
                    "discount_higher_spending_pct",
                    "discount_lower_spending_pct",
                    "benchmark_trend_pct",
                    "risk_ratio_cap_pct",
                    "voluntary_benchmark_cap_pct",
                    "pcc_base_pct",
                    "pcc_enhanced_target_pct",
                    "pcc_enhanced_floor_pct",
                )
            },
        ),
        ("Rural add-on", {"fields": ("rural_addon_pbpm",)}),
        (
            "Benefit Enhancements and BEIs",
            {
                "fields": (
                    "benefit_availability",
                    "substance_access_legal_states",
                    "substance_access_annual_cap",
                    "care_management_home_visit_cap",
                )
            },
        ),
        ("GLP-1 (BALANCE)", {"fields": ("glp1_net_price_monthly", "glp1_copay_monthly")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(ACO)
class ACOAdmin(admin.ModelAdmin):
    list_display = ("aco_id", "legal_name", "primary_contact_email")
    search_fields = ("aco_id", "legal_name")
    inlines = [MembershipInline]


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ("aco", "performance_year", "risk_option", "alignment_approach", "capitation", "cara_participation")
    list_filter = ("performance_year", "risk_option")


@admin.register(ParticipantTIN)
class ParticipantTINAdmin(admin.ModelAdmin):
    list_display = ("tin", "legal_name", "aco", "performance_year", "facility_type", "new_to_aco")
    list_filter = ("performance_year", "facility_type")
    search_fields = ("tin", "legal_name")


@admin.register(PreferredProvider)
class PreferredProviderAdmin(admin.ModelAdmin):
    list_display = ("tin", "npi", "name", "aco", "performance_year", "specialty_code", "capitation")
    list_filter = ("performance_year", "capitation")
    search_fields = ("tin", "npi", "name")


@admin.register(ListChangeRequest)
class ListChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("summary", "aco", "performance_year", "list_type")
    readonly_fields = ("aco", "performance_year", "list_type", "review", "summary")
