from celery import shared_task

from . import pipeline, task_names


@shared_task(name=task_names.QUALITY_RUN_TASK, acks_late=True, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 60)
def quality_run_task(run_id: int) -> str:
    """Compute a quality run. The run row is claimed once, so a redelivery is harmless."""
    return pipeline.quality_run_execute(run_id=run_id).status
