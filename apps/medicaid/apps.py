from django.apps import AppConfig


class MedicaidConfig(AppConfig):
    name = "apps.medicaid"
    label = "medicaid"
    verbose_name = "Medicaid integration"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.acos.panels import register_home_panel

        from .selectors_arrangements import arrangement_changes_attention
        from .services_arrangements import register_review_kinds
        from .views_arrangements import home_panel

        register_review_kinds()
        register_home_panel(home_panel)
        register_attention_source(arrangement_changes_attention)
