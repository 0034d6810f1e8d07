"""Pipeline tasks: each takes ids and calls one service. ``acks_late`` with reject-on-worker-lost (the
project's Celery settings) means a worker that dies mid-step gives the message back to the broker, and
the step, taken under a lock and written in one transaction, is redone by whoever gets it next."""

from celery import shared_task

from . import services, task_names
from .services import TRANSIENT


@shared_task(
    name=task_names.PIPELINE_STEP_TASK,
    bind=True,
    acks_late=True,
    time_limit=2 * 3600,
    soft_time_limit=2 * 3600 - 60,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def pipeline_step_task(self, run_id: int, step: str) -> str:
    """Run one step of a pipeline run; the step queues the next one when it succeeds."""
    try:
        return services.pipeline_step_execute(run_id=run_id, name=step, task_id=self.request.id or "")
    except TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            services.pipeline_step_failed(run_id=run_id, name=step, reason=f"gave up after retries: {exc}")
        raise


@shared_task(
    name=task_names.ACO_SUMMARY_TASK,
    bind=True,
    acks_late=True,
    time_limit=900,
    soft_time_limit=840,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    max_retries=5,
)
def aco_summary_task(self, run_id: int, aco_pk: int) -> str:
    """One ACO's performance summary (the per-ACO fan-out of the pipeline's last step)."""
    return services.aco_summary_execute(run_id=run_id, aco_pk=aco_pk)


@shared_task(
    name=task_names.REPORT_BUILD_TASK,
    acks_late=True,
    time_limit=300,
    soft_time_limit=270,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    max_retries=3,
)
def report_build_task(report_id: int) -> str:
    """Build one downloadable performance report (short: it stays on the ``default`` queue, not ``compute``)."""
    from . import reports

    report = reports.report_build(report_id=report_id)
    return report.status if report is not None else "gone"
