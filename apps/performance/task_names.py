"""The registered names of this app's Celery tasks (``tasks.py``), for services to queue them by name
(``lead_portal.jobs.dispatch``) without importing the tasks module, which imports the services. Each is
the name Celery gives the task function by default: messages already on a queue stay valid, and
``CELERY_TASK_ROUTES`` routes by these names."""

PIPELINE_STEP_TASK = "apps.performance.tasks.pipeline_step_task"
ACO_SUMMARY_TASK = "apps.performance.tasks.aco_summary_task"
REPORT_BUILD_TASK = "apps.performance.tasks.report_build_task"
