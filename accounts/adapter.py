from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from scheduler.models import Coach


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only for clients: the form asks for an e-mail address alone, so an
    account made there has no password and is no coach. Coaches are created by the
    operator (`manage.py createcoach` or the admin)."""

    def get_login_redirect_url(self, request):
        if Coach.objects.filter(user=request.user).exists():
            return super().get_login_redirect_url(request)
        return reverse("accounts:me")

    def get_signup_redirect_url(self, request):
        return reverse("accounts:me")

    def get_client_ip(self, request):
        # allauth's own rate limits count the client the booking's limits count (TRUSTED_PROXIES).
        from scheduler.ratelimit import client_ip

        return client_ip(request) or super().get_client_ip(request)
