"""Writes of the accounts app."""

from django.db import transaction

from scheduler.models.common import CLIENT_CONTACT_FIELDS, new_token
from scheduler.selectors.privacy import user_clients

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


# The details of a saved profile that become the coaches' records of the client.
CLIENT_RECORD_FIELDS = ("name", *CLIENT_CONTACT_FIELDS)


def client_records_update(*, profile: ClientProfile) -> int:
    """A signed-in client with a verified address is a proved source: what they save becomes
    each coach's stored record of them (a booking keeps its own copy). A field left empty
    changes nothing. Returns how many records changed."""
    given = {field: getattr(profile, field) for field in CLIENT_RECORD_FIELDS if getattr(profile, field)}
    if not given:
        return 0
    return user_clients(user=profile.user).update(**given)
