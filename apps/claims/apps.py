from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"
    verbose_name = "Claims (CCLF)"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from apps.acos.attention import register_attention_source

        from .selectors import claims_data_attention
        from .shards import register_sqlite

        register_attention_source(claims_data_attention)
        connection_created.connect(register_sqlite, dispatch_uid="claims.lead_shard")
