from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "apps.benefits"
    label = "benefits"
    verbose_name = "Benefit Enhancements and Beneficiary Engagement Incentives"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.acos.panels import register_home_panel

        from .selectors import plan_changes_attention
        from .services import register_review_kinds
        from .views import home_panel

        register_review_kinds()
        register_home_panel(home_panel)
        register_attention_source(plan_changes_attention)
