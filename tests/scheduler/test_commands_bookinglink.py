"""`manage.py bookinglink`: prints a new single-use link's full URL."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scheduler.models import BookingLink
from tests.factories import AppointmentTypeFactory, ClientFactory, CoachFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def folge():
    coach = CoachFactory(slug="anna")
    return AppointmentTypeFactory(coach=coach, slug="folge", listed=False)


def run(*args) -> str:
    out = io.StringIO()
    call_command("bookinglink", *args, stdout=out)
    return out.getvalue().strip()


def test_prints_the_full_url_of_a_new_link(folge, settings):
    url = run("anna", "folge")
    link = BookingLink.objects.get()
    assert url == f"{settings.SITE_URL}/l/{link.token}/"
    assert link.appointment_type == folge and link.is_open


def test_for_a_client_and_days(folge):
    eva = ClientFactory(coach=folge.coach, email="eva@example.org")
    run("anna", "folge", "--client-email", "Eva@example.org", "--from", "2027-01-04", "--until", "2027-01-08")
    link = BookingLink.objects.get()
    assert (link.client, link.valid_from, link.valid_until) == (eva, date(2027, 1, 4), date(2027, 1, 8))


@pytest.mark.parametrize(
    "args, words",
    [
        (("nobody", "folge"), "No coach"),
        (("anna", "nothing"), "no active appointment type"),
        (("anna", "folge", "--client-email", "x@example.org"), "no client"),
        (("anna", "folge", "--from", "tomorrow"), "YYYY-MM-DD"),
        (("anna", "folge", "--from", "2027-01-08", "--until", "2027-01-04"), "before the first day"),
    ],
)
def test_refuses_what_it_cannot_make(folge, args, words):
    with pytest.raises(CommandError, match=words):
        run(*args)
    assert not BookingLink.objects.exists()
