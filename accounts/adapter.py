from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse

from scheduler.models import Coach

# The name allauth's mails greet and sign with. allauth takes it from django.contrib.sites,
# which the site does not use; without it the name is the request's host ("Hallo von
# 127.0.0.1:8000!"). The domain under the signature stays the host the person used.
SITE_NAME = "Sprechzeit"


@dataclass(frozen=True)
class MailSite:
    name: str
    domain: str


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

    def send_mail(self, template_prefix, email, context):
        site = MailSite(name=SITE_NAME, domain=get_current_site(allauth_context.request).domain)
        super().send_mail(template_prefix, email, {"current_site": site, **context})
