from celery import shared_task

from . import services


@shared_task(
    acks_late=True, autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5, time_limit=120
)
def review_transition_notify(transition_id: int) -> int:
    return services.transition_notify(transition_id=transition_id)
