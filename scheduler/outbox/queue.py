"""The only module that hands work to Celery. The tasks (scheduler/tasks.py) are looked
up by name in Celery's registry instead of imported: they call the sending code, which
queues through here, and so no module of the outbox imports the tasks and the tasks import
the outbox one way only. (SchedulerConfig.ready() imports the tasks, so they are registered.)"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from ..models import Notification
from ..selectors.slots_answers import slots_answer_recipes

logger = logging.getLogger("sprechzeit.outbox")


def _task(name: str):
    return current_app.tasks[f"scheduler.tasks.{name}"]


def notifications_dispatch(*, ids: list[int], mark: bool = True) -> None:
    """Queue the sending of these notifications (and note when, unless the caller already
    did). A broker that is down loses nothing: the rows stay pending and the sweeper
    dispatches them again."""
    if not ids:
        return
    try:
        # One task for the messages of one change: one trip to the broker.
        _task("send_notifications").delay(list(ids))
    except Exception:  # the broker's errors vary by transport; the rows are safe in the database
        logger.warning("could not queue notifications %s; the sweeper will", ids, exc_info=True)
        return
    if mark:
        Notification.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())


def notifications_dispatch_retry(*, notification_id: int) -> None:
    """Queue the next attempt for when it is due (a countdown of at most minutes)."""
    due = Notification.objects.filter(pk=notification_id).values_list("scheduled_for", flat=True).first()
    if due is None:
        return
    try:
        _task("send_notification").apply_async(
            (notification_id,), countdown=max(0.0, (due - timezone.now()).total_seconds())
        )
    except Exception:
        logger.warning("could not queue the retry of %s; the sweeper will", notification_id, exc_info=True)
        return
    Notification.objects.filter(pk=notification_id).update(dispatched_at=timezone.now())


def worker_check_dispatch(*, check_id: int) -> None:
    """Ask a worker to answer the check once the row is committed."""
    transaction.on_commit(lambda: _task("answer_worker_check").delay(check_id))


def slots_answers_warm_dispatch(*, coach_id: int) -> None:
    """Once the change commits, have a worker compute the coach's lately asked slot answers
    again (services/slots_answers_warm.py), if visitors asked for any: once per coach and
    transaction, however many rows of theirs it wrote."""
    connection = transaction.get_connection()
    if any(getattr(callback, "warms_coach", None) == coach_id for _, callback, _ in connection.run_on_commit):
        return

    def queue():
        if not slots_answer_recipes(coach_id=coach_id):
            return
        try:
            _task("warm_slots_answers").delay(coach_id)
        except Exception:  # the broker's errors vary by transport; the next visitor computes them
            logger.warning("could not queue the warming of coach %s's slot answers", coach_id, exc_info=True)

    queue.warms_coach = coach_id
    transaction.on_commit(queue)
