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


def notifications_dispatch(*, ids: list[int], mark: bool = True, warm_coach_id: int | None = None) -> None:
    """Queue the sending of these notifications (and note when, unless the caller already
    did); with `warm_coach_id`, the same task then computes that coach's lately asked slot
    answers again (slots_answers_warm_dispatch). A broker that is down loses nothing: the
    rows stay pending and the sweeper dispatches them again."""
    if not ids:
        return
    try:
        # One task for the messages of one change: one trip to the broker.
        kwargs = {} if warm_coach_id is None else {"warm_coach_id": warm_coach_id}
        _task("send_notifications").delay(list(ids), **kwargs)
    except Exception:  # the broker's errors vary by transport; the rows are safe in the database
        logger.warning("could not queue notifications %s; the sweeper will", ids, exc_info=True)
        return
    if mark:
        Notification.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())


def notifications_dispatch_on_commit(*, ids: list[int], coach_id: int) -> None:
    """Queue these notifications once the transaction commits. A warming of the coach's slot
    answers that this transaction queued (slots_answers_warm_dispatch) goes in the same task:
    a booking's request makes one trip to the broker, and leaves the question whether
    visitors asked for answers to the worker."""
    warm = _warm_pending(coach_id) if ids else None
    if warm is not None:
        warm.carried = True
    warm_coach_id = coach_id if warm is not None else None
    transaction.on_commit(lambda: notifications_dispatch(ids=ids, mark=False, warm_coach_id=warm_coach_id))


def _warm_pending(coach_id: int):
    """This transaction's warming of the coach's answers, if it queued one at the current
    savepoint (so that it is committed or rolled back together with what carries it)."""
    connection = transaction.get_connection()
    here = set(connection.savepoint_ids)
    for savepoints, callback, _ in connection.run_on_commit:
        if getattr(callback, "warms_coach", None) == coach_id and set(savepoints) == here:
            return callback
    return None


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
        if queue.carried or not slots_answer_recipes(coach_id=coach_id):
            return
        try:
            _task("warm_slots_answers").delay(coach_id)
        except Exception:  # the broker's errors vary by transport; the next visitor computes them
            logger.warning("could not queue the warming of coach %s's slot answers", coach_id, exc_info=True)

    queue.warms_coach, queue.carried = coach_id, False
    transaction.on_commit(queue)
