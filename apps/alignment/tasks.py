from celery import shared_task

from . import services, task_names


@shared_task(name=task_names.ALIGNMENT_RUN_TASK, acks_late=True, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 60)
def alignment_run_task(run_id: int) -> str:
    """Compute an alignment run. The run row is claimed once, so a redelivery is harmless."""
    return services.alignment_run_execute(run_id=run_id).status


@shared_task(name=task_names.ALIGNMENT_SHARD_TASK, acks_late=True, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 60)
def alignment_shard_task(run_id: int, index: int) -> str:
    """Compute one part of an alignment run in parts. The part row is claimed once."""
    return services.alignment_shard_execute(run_id=run_id, index=index)


@shared_task(name=task_names.ALIGNMENT_EXPORT_TASK, acks_late=True, time_limit=3600, soft_time_limit=3600 - 60)
def alignment_export_task(export_id: int) -> str:
    """Build an ALR-style export file."""
    return services.alignment_export_execute(export_id=export_id).status
