"""Writes of the operator's worker check (/ops/worker): a row a Celery worker answers."""

from django.db import transaction
from django.utils import timezone

from ..models import WorkerCheck
from ..outbox.queue import worker_check_dispatch


def worker_check_request() -> WorkerCheck:
    """Record a worker check and queue it; a worker answers it once it is committed."""
    with transaction.atomic():
        check = WorkerCheck.objects.create()
        worker_check_dispatch(check_id=check.pk)
    return check


def worker_check_answer(*, check_id: int, worker: str) -> None:
    # Conditional update: a redelivered task leaves the first answer in place.
    WorkerCheck.objects.filter(pk=check_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker=worker[:255]
    )
