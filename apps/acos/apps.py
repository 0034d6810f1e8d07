from django.apps import AppConfig


class AcosConfig(AppConfig):
    name = "apps.acos"
    label = "acos"
    verbose_name = "ACOs and lists"

    def ready(self) -> None:
        from .attention import list_deadline_items, register_attention_source
        from .services import register_review_kinds

        register_review_kinds()
        register_attention_source(list_deadline_items)
