"""CARA tasks: each takes ids and calls one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import task_names

# Worth retrying: the database went away for a moment (a builder's own error fails the document instead).
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    name=task_names.DOCUMENT_BUILD_TASK,
    acks_late=True,
    time_limit=300,
    soft_time_limit=270,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    max_retries=3,
)
def document_build_task(document_id: int) -> str:
    """Build one contracting template or reconciliation statement (short: the ``default`` queue)."""
    from . import documents
    from .models import CaraDocument

    try:
        return documents.document_build(document_id=document_id).status
    except CaraDocument.DoesNotExist:  # deleted (with its ACO or EBRA) before a worker took it
        return "gone"
