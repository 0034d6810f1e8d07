from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "apps.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        from apps.acos.attention import register_attention_source
        from apps.claims.bundle import BundleFile, register_file

        from .selectors import care_gap_attention
        from .services import submissions_check, submissions_load

        register_file(BundleFile("quality_submissions.csv", submissions_check, submissions_load))
        register_attention_source(care_gap_attention)
