"""Thin Celery tasks: each fetches its row by id and calls a service."""

from celery import shared_task

from . import services


@shared_task
def answer_worker_check(check_id: int) -> None:
    services.worker_check_answer(check_id=check_id, worker=answer_worker_check.request.hostname or "")


@shared_task
def expire_requests() -> int:
    """Every minute (beat): requests the coach did not answer in time free their slots."""
    return services.bookings_expire_due()
