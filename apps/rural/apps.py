from django.apps import AppConfig


class RuralConfig(AppConfig):
    name = "apps.rural"
    label = "rural"
    verbose_name = "Rural add-on"
