"""The Celery application, configured from Django settings (``CELERY_*``).

Two queues: ``default`` for short jobs (notifications, reports) and ``compute`` for the pipeline.
Start a worker with ``celery -A lead_portal worker -Q default,compute``.

Every worker also sweeps for jobs left running by a worker that died (``lead_portal.jobs``): once when
it is ready and then every ``JOB_SWEEP_SECONDS``, in a thread of its main process.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.base")

app = Celery("lead_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_sweepers: list[Any] = []


@worker_ready.connect
def _start_job_sweep(**_: Any) -> None:
    from lead_portal.jobs import Sweeper

    sweeper = Sweeper()
    sweeper.start()
    _sweepers.append(sweeper)


@worker_shutdown.connect
def _stop_job_sweep(**_: Any) -> None:
    while _sweepers:
        _sweepers.pop().stop()
