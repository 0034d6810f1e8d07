"""The Celery application, configured from Django settings (``CELERY_*``).

Two queues: ``default`` for short jobs (notifications, reports) and ``compute`` for the pipeline.
Start a worker with ``celery -A lead_portal worker -Q default,compute``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.base")

app = Celery("lead_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
