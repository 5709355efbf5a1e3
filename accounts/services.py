"""Writes of the accounts app."""

from django.db import transaction

from scheduler.models import new_token

from .models import ClientProfile


def client_profile_get(*, user) -> ClientProfile:
    """The user's profile, created empty on first use (it holds the feed token too)."""
    profile, _ = ClientProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def client_feed_rotate(*, user) -> ClientProfile:
    """A new address for the client's calendar feed; the old one is a 404 at once."""
    profile = client_profile_get(user=user)
    profile.feed_token = new_token()
    profile.save(update_fields=["feed_token", "updated_at"])
    return profile
