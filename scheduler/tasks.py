"""Thin Celery tasks: each fetches its row by id and calls a service."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from .outbox.queue import notifications_dispatch_retry
from .outbox.send import notification_send, notifications_sweep
from .services.booking import bookings_expire_due
from .services.client_data_requests import client_erasures_finish
from .services.external_calendars import external_calendars_import_all
from .services.retention import retention_purge
from .services.slots_answers_warm import slots_answers_warm
from .services.worker_checks import worker_check_answer


@shared_task
def answer_worker_check(check_id: int) -> None:
    worker_check_answer(check_id=check_id, worker=answer_worker_check.request.hostname or "")


@shared_task
def expire_requests() -> int:
    """Every minute (beat): requests the coach did not answer in time free their slots."""
    return bookings_expire_due()


@shared_task
def send_notification(notification_id: int) -> str:
    outcome = notification_send(notification_id=notification_id)
    if outcome == "retry":
        # A short countdown (at most minutes), never a long ETA; the sweeper is the safety net.
        notifications_dispatch_retry(notification_id=notification_id)
    return outcome


@shared_task
def send_notifications(notification_ids: list[int], warm_coach_id: int | None = None) -> list[str]:
    """The messages of one change, each claimed and sent on its own (see send_notification);
    then, if the change asked for it, the coach's slot answers computed again (after the
    messages: they are what the client waits for)."""
    outcomes = [send_notification(notification_id) for notification_id in notification_ids]
    if warm_coach_id is not None:
        slots_answers_warm(coach_id=warm_coach_id)
    return outcomes


@shared_task
def sweep_notifications() -> int:
    """Every minute (beat): reminders and retries that are due; rows a dead worker left
    "sending" become "may not have arrived" (never sent again by themselves)."""
    return notifications_sweep()


@shared_task
def finish_client_erasures() -> int:
    """Every minute (beat): erasures whose cancellation messages have gone out are finished."""
    return client_erasures_finish(now=timezone.now())


@shared_task
def import_external_calendars() -> int:
    """Every 15 minutes (beat): the coaches' other calendars (ICS addresses and CalDAV
    calendars), as busy time."""
    return external_calendars_import_all()


@shared_task
def purge_expired_data() -> dict:
    """Every day (beat): the retention rules (see services/retention.py)."""
    return asdict(retention_purge())


@shared_task
def warm_slots_answers(coach_id: int) -> int:
    """After a change of the coach's availability: their lately asked slot answers, computed
    again before the next visitor asks (services/slots_answers_warm.py)."""
    return slots_answers_warm(coach_id=coach_id)
