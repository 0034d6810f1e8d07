from django.apps import AppConfig


class CaraConfig(AppConfig):
    name = "apps.cara"
    label = "cara"
    verbose_name = "CARA episodes"

    def ready(self) -> None:
        from .arrangements import register_review_kinds
        from .designs import register_review_kind as register_design_review_kind

        register_review_kinds()
        register_design_review_kind()
