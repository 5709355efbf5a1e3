from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = _("Scheduling")

    def ready(self):
        from . import (  # noqa: F401  (tasks: registered for outbox/queue.py's lookup by name)
            checks,  # noqa: F401  (registers the deploy checks)
            receivers,
            tasks,
        )

        receivers.connect()
