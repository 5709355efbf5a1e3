"""A request dispatches a task on commit; a real worker process executes it."""

import pytest
from django.conf import settings
from django.urls import reverse

from config.celery import app as celery_app
from scheduler.models import WorkerCheck
from tests.helpers import wait_for

BROKER = settings.CELERY_BROKER_URL.split("://")[0]


def test_celery_is_configured_for_safe_delivery():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.task_always_eager is False


@pytest.mark.django_db(transaction=True)
def test_task_is_dispatched_only_after_commit(admin_client, monkeypatch):
    from scheduler import tasks

    sent = []
    monkeypatch.setattr(tasks.answer_worker_check, "delay", lambda *args: sent.append(args))
    response = admin_client.post(reverse("worker_check_create"))
    assert response.status_code == 202
    check = WorkerCheck.objects.get()
    assert sent == [(check.pk,)]


@pytest.mark.worker
@pytest.mark.parametrize("broker", [pytest.param(BROKER, id=BROKER)])
def test_worker_process_executes_task_dispatched_by_a_request(broker, celery_worker_process, client, django_user_model):
    staff = django_user_model.objects.create_user(email="ops@example.org", password="x", is_staff=True)
    client.force_login(staff)
    response = client.post(reverse("worker_check_create"))
    assert response.status_code == 202
    check_id = response.json()["check"]

    def answered():
        if celery_worker_process.poll() is not None:
            pytest.fail("the worker exited:\n" + celery_worker_process.log_path.read_text())
        return WorkerCheck.objects.filter(pk=check_id, answered_at__isnull=False).exists()

    wait_for(answered, timeout=60, what=f"the worker on {broker} to answer")
    check = WorkerCheck.objects.get(pk=check_id)
    assert check.worker.startswith("test-")
    detail = client.get(reverse("worker_check_detail", args=[check_id])).json()
    assert detail["answered_at"] is not None


def test_beat_expires_requests_every_minute():
    entry = celery_app.conf.beat_schedule["expire-requests"]
    assert entry["task"] == "scheduler.tasks.expire_requests"
    assert entry["schedule"] == 60.0
    assert entry["task"] in celery_app.tasks


def test_beat_imports_external_calendars_every_quarter_hour():
    entry = celery_app.conf.beat_schedule["import-external-calendars"]
    assert entry["schedule"] == 900.0 and entry["task"] in celery_app.tasks
