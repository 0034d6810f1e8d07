"""An ACO's money and settlement pages, mounted under ``acos/``."""

app_name = "performance"

urlpatterns: list = []
