"""What the claims app tells the apps above it (which it may not import)."""

from django.dispatch import Signal

# Sent once a claims load has committed: ``run`` (the IngestRun) and ``performance_years`` (the years
# of the files it loaded). The performance app starts the pipeline on it.
ingest_succeeded = Signal()
