"""Thin Celery tasks: each fetches its row by id and calls a service."""

from celery import shared_task

from . import services


@shared_task
def answer_worker_check(check_id: int) -> None:
    services.worker_check_answer(check_id=check_id, worker=answer_worker_check.request.hostname or "")
