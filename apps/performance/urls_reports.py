"""An ACO's downloadable performance reports, mounted under ``acos/``."""

app_name = "reports"

urlpatterns: list = []
