from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from scheduler.models import Coach

# The coach's workspace and the admin (see config/urls.py).
PROTECTED_PREFIXES = ("/coach/", "/admin/")
# What counts as the second factor: an authenticator app, or a passkey / security key
# (WebAuthn proves possession of the device and, for a passkey, the user's presence on it:
# it is stronger than a TOTP code, so a coach who has one is not made to add an app too).
# Recovery codes alone do not count: they are the way back when the factor is lost.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def needs_second_factor(user) -> bool:
    """A coach or staff user who has neither an authenticator app nor a passkey yet."""
    if not user.is_authenticated or is_mfa_enabled(user, SECOND_FACTORS):
        return False
    return user.is_staff or Coach.objects.filter(user=user).exists()


class CoachMFARequiredMiddleware:
    """With COACH_MFA_REQUIRED (on in production), a coach reaches the workspace and the
    admin only after setting up a second factor (an authenticator app or a passkey); until
    then every such page leads to the page that offers both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.COACH_MFA_REQUIRED
            and request.path.startswith(PROTECTED_PREFIXES)
            and needs_second_factor(request.user)
        ):
            messages.info(
                request,
                _("Please set up a second factor first: an authenticator app or a passkey."),
            )
            return redirect("mfa_index")
        return self.get_response(request)
