from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "apps.alignment"
    label = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.acos.panels import register_home_panel

        from .selectors import export_attention, home_panel, minimum_attention

        register_home_panel(home_panel)
        register_attention_source(minimum_attention)
        register_attention_source(export_attention)
