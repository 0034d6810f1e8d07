from django.apps import AppConfig


class CaraConfig(AppConfig):
    name = "apps.cara"
    label = "cara"
    verbose_name = "CARA episodes"
