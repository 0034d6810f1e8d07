from django.apps import AppConfig


class MedicaidConfig(AppConfig):
    name = "apps.medicaid"
    label = "medicaid"
    verbose_name = "Medicaid integration"

    def ready(self) -> None:
        from apps.acos.panels import register_home_panel

        from .services_arrangements import register_review_kinds
        from .views_arrangements import home_panel

        register_review_kinds()
        register_home_panel(home_panel)
