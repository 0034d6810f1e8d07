from typing import Any

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "apps.performance"
    label = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.acos.panels import register_home_panel
        from apps.claims.signals import ingest_succeeded

        from .reports import report_attention
        from .views import home_panel

        ingest_succeeded.connect(_start_pipeline, dispatch_uid="performance.after_ingest")
        register_home_panel(home_panel)
        register_attention_source(report_attention)


def _start_pipeline(sender: Any, performance_years: list[int], **kwargs: Any) -> None:
    from django.conf import settings

    from .services import pipeline_after_ingest

    if settings.PIPELINE_AFTER_INGEST:
        pipeline_after_ingest(performance_years=performance_years)
