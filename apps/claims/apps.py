from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"
    verbose_name = "Claims (CCLF)"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source

        from .selectors import claims_data_attention

        register_attention_source(claims_data_attention)
