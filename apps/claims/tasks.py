from celery import shared_task

from . import services, task_names


@shared_task(name=task_names.INGEST_RUN_TASK, acks_late=True, time_limit=4 * 3600, soft_time_limit=4 * 3600 - 60)
def ingest_run_task(run_id: int) -> str:
    """Load an uploaded CCLF package. The run row is claimed once, so a redelivery is harmless."""
    return services.ingest_run_execute(run_id=run_id).status
