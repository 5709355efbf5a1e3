"""Reads of a client's own calendar feed (the account's, /me/): the address to offer as a
webcal: subscription beside a booking. The feed lists every appointment of the account
with every coach, so it is offered only to its owner: in an e-mail to the account's
verified address, or on a page to the signed-in account whose booking it is."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from accounts.models import ClientProfile

from ..models import Booking


def _feed_url(profile: ClientProfile | None) -> str:
    if profile is None:
        return ""
    return settings.SITE_URL + reverse("accounts:me_feed", kwargs={"token": profile.feed_token})


def client_feed_url_of_address(*, email: str) -> str:
    """The feed of the active account whose verified address `email` is, or ""."""
    users = EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True).values("user_id")
    return _feed_url(ClientProfile.objects.filter(user_id__in=users).order_by("pk").first())


def client_feed_url_for_viewer(*, user, booking: Booking) -> str:
    """The feed of the signed-in `user` when `booking` is theirs (made with one of their
    verified addresses), or "": whoever merely holds the booking's link gets no feed."""
    if not user.is_authenticated or not user.is_active:
        return ""
    own = EmailAddress.objects.filter(user=user, email__iexact=booking.client.email, verified=True).exists()
    return _feed_url(ClientProfile.objects.filter(user=user).first()) if own else ""
