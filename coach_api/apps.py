from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachApiConfig(AppConfig):
    name = "coach_api"
    verbose_name = _("The coach's API")
