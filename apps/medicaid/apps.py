from django.apps import AppConfig


class MedicaidConfig(AppConfig):
    name = "apps.medicaid"
    label = "medicaid"
    verbose_name = "Medicaid integration"

    def ready(self) -> None:
        from .services_arrangements import register_review_kinds

        register_review_kinds()
