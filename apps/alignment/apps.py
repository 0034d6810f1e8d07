from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "apps.alignment"
    label = "alignment"
    verbose_name = "Alignment"
