"""CMS pages of the performance pipeline: runs, the comparison of all ACOs, published benchmarks;
mounted under ``performance/``."""

app_name = "pipeline"

urlpatterns: list = []
