"""The registered names of this app's Celery tasks (``tasks.py``), for services to queue them by name
(``lead_portal.jobs.send``) without importing the tasks module, which imports the services. Each is the
name Celery gives the task function by default, so ``CELERY_TASK_ROUTES`` and queued messages agree."""

DOCUMENT_BUILD_TASK = "apps.cara.tasks.document_build_task"
