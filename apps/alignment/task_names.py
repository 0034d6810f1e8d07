"""The registered names of this app's Celery tasks (``tasks.py``), for services to queue them by name
(``lead_portal.jobs.dispatch``) without importing the tasks module, which imports the services. Each is
the name Celery gives the task function by default: messages already on a queue stay valid, and
``CELERY_TASK_ROUTES`` routes by these names."""

ALIGNMENT_RUN_TASK = "apps.alignment.tasks.alignment_run_task"
ALIGNMENT_EXPORT_TASK = "apps.alignment.tasks.alignment_export_task"
ALIGNMENT_SHARD_TASK = "apps.alignment.tasks.alignment_shard_task"
