from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "apps.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        from apps.claims.bundle import BundleFile, register_file

        from .services import submissions_check, submissions_load

        register_file(BundleFile("quality_submissions.csv", submissions_check, submissions_load))
