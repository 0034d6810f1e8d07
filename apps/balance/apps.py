from django.apps import AppConfig


class BalanceConfig(AppConfig):
    name = "apps.balance"
    label = "balance"
    verbose_name = "GLP-1 access (BALANCE)"
