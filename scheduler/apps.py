from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = _("Scheduling")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
