"""REST endpoints (mounted under ``api/``)."""

urlpatterns: list = []
