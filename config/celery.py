"""The Celery app. Settings come from Django's (prefix CELERY_).

Tasks receive ids, never objects, and are dispatched after the transaction that
wrote their rows commits (`task.delay_on_commit(...)`), so a worker never sees a
row that does not exist yet. Late acknowledgement means a killed worker's task is
delivered again; the tasks are written to be idempotent for that reason.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sprechzeit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
