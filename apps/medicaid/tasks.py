from celery import shared_task

from . import task_names
from .states import services as state_services


# As for review notifications: a soft limit below the hard one, retries on a lost mail server.
@shared_task(
    name=task_names.STATE_SELECTED_NOTIFY,
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=110,
)
def state_selected_notify(state_id: int) -> int:
    return state_services.state_selected_notify(state_id=state_id)
