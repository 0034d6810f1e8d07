from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "apps.planning"
    label = "planning"
    verbose_name = "What-if planner"

    def ready(self) -> None:
        from apps.acos.panels import register_change_request_panel

        from .panels import change_request_panel

        register_change_request_panel(change_request_panel)
