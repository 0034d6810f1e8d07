from django.apps import AppConfig


class MedicaidConfig(AppConfig):
    name = "apps.medicaid"
    label = "medicaid"
    verbose_name = "Medicaid integration"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.acos.panels import register_home_panel

        from .arrangements.selectors import arrangement_changes_attention
        from .arrangements.services import register_review_kinds
        from .arrangements.views import home_panel

        register_review_kinds()
        register_home_panel(home_panel)
        register_attention_source(arrangement_changes_attention)
