from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from scheduler.models import Coach

# The coach's workspace and the admin (see config/urls.py).
PROTECTED_PREFIXES = ("/coach/", "/admin/")


def needs_totp(user) -> bool:
    """A coach or staff user who has not set up an authenticator app yet."""
    if not user.is_authenticated or is_mfa_enabled(user, [Authenticator.Type.TOTP]):
        return False
    return user.is_staff or Coach.objects.filter(user=user).exists()


class CoachMFARequiredMiddleware:
    """With COACH_MFA_REQUIRED (on in production), a coach reaches the workspace and the
    admin only after setting up TOTP; until then every such page leads to the setup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.COACH_MFA_REQUIRED and request.path.startswith(PROTECTED_PREFIXES) and needs_totp(request.user):
            messages.info(request, _("Please set up two-factor authentication with an authenticator app first."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
