from celery import shared_task

from . import services, task_names


# The soft limit must not exceed the hard one: without it the project-wide soft limit (3300 s)
# applies and Celery refuses to queue the task at all ("soft_time_limit must be less than ...").
@shared_task(
    name=task_names.REVIEW_TRANSITION_NOTIFY,
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=110,
)
def review_transition_notify(transition_id: int) -> int:
    return services.transition_notify(transition_id=transition_id)
