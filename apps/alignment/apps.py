from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "apps.alignment"
    label = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        from apps.acos.panels import register_home_panel

        from .selectors import home_panel

        register_home_panel(home_panel)
