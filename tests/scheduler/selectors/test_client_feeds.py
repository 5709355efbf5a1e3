"""Which feed may be offered beside a booking (scheduler/selectors/client_feeds.py): the
account's whose verified address it is, and on a page only to that account signed in."""

from datetime import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser

from accounts.models import ClientProfile
from scheduler.selectors.client_feeds import client_feed_url_for_viewer, client_feed_url_of_address
from tests.factories import BookingFactory, ClientFactory, UserFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db


def account(email, *, verified=True, active=True, profile=True):
    user = UserFactory(email=email, is_active=active)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return ClientProfile.objects.create(user=user) if profile else user


def feed(settings, profile) -> str:
    return f"{settings.SITE_URL}/me/feed/{profile.feed_token}/calendar.ics"


def test_the_feed_of_a_verified_address_whatever_its_case(settings):
    profile = account("eva@example.org")
    assert client_feed_url_of_address(email="eva@example.org") == feed(settings, profile)
    assert client_feed_url_of_address(email="Eva@Example.org") == feed(settings, profile)


@pytest.mark.parametrize("case", ["unverified", "inactive", "no profile", "nobody"])
def test_no_feed_without_a_verified_active_account_with_a_profile(case):
    if case != "nobody":
        account(
            "eva@example.org", verified=case != "unverified", active=case != "inactive", profile=case != "no profile"
        )
    assert client_feed_url_of_address(email="eva@example.org") == ""


def test_on_a_page_only_the_signed_in_owner_of_the_bookings_address_gets_it(settings):
    profile = account("eva@example.org")
    booking = BookingFactory(
        client=ClientFactory(email="eva@example.org"), start=datetime(2026, 6, 8, 10, tzinfo=BERLIN)
    )
    assert client_feed_url_for_viewer(user=profile.user, booking=booking) == feed(settings, profile)
    assert client_feed_url_for_viewer(user=AnonymousUser(), booking=booking) == ""
    other = account("tom@example.org")
    assert client_feed_url_for_viewer(user=other.user, booking=booking) == ""
    EmailAddress.objects.filter(user=profile.user).update(verified=False)
    assert client_feed_url_for_viewer(user=profile.user, booking=booking) == ""
