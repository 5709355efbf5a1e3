from datetime import time, timedelta

import factory
from django.contrib.auth import get_user_model

from scheduler.models import AppointmentType, BlockedPeriod, Booking, Client, Coach, WeeklyHours
from scheduler.models.common import Channel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.django.Password("a-long-test-password")


class CoachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coach

    user = factory.SubFactory(UserFactory)
    slug = factory.Sequence(lambda n: f"coach-{n}")
    display_name = factory.Sequence(lambda n: f"Coach {n}")
    time_zone = "Europe/Berlin"


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    coach = factory.SubFactory(CoachFactory)
    slug = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Type {n}")
    duration = timedelta(minutes=30)
    slot_step = timedelta(minutes=15)
    minimum_notice = timedelta(0)
    allowed_channels = factory.LazyFunction(lambda: list(Channel.values))
    # The model's default ("requests") is tested where the address confirmation is; other
    # tests book as a client whose address needs no confirmation.
    address_confirmation = AppointmentType.AddressConfirmation.NEVER


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours

    coach = factory.SubFactory(CoachFactory)
    weekday = 0
    start = time(9)
    end = time(12)


class BlockedPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedPeriod

    coach = factory.SubFactory(CoachFactory)
    title = "Seminar"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    coach = factory.SubFactory(CoachFactory)
    email = factory.Sequence(lambda n: f"client{n}@example.org")
    name = factory.Sequence(lambda n: f"Client {n}")


class BookingFactory(factory.django.DjangoModelFactory):
    """Pass `start`; end and the blocked span follow from the type's duration and buffers."""

    class Meta:
        model = Booking

    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    coach = factory.SelfAttribute("appointment_type.coach")
    client = factory.SubFactory(ClientFactory, coach=factory.SelfAttribute("..coach"))
    end = factory.LazyAttribute(lambda b: b.start + b.appointment_type.duration)
    blocked_start = factory.LazyAttribute(lambda b: b.start - b.appointment_type.buffer_before)
    blocked_end = factory.LazyAttribute(lambda b: b.end + b.appointment_type.buffer_after)
    status = Booking.Status.CONFIRMED
    channel = Channel.EMAIL
    message = "Ich möchte über meine berufliche Neuorientierung sprechen."
    # The booking's own copy of the details: by default what the client row holds.
    client_name = factory.SelfAttribute("client.name")
    phone = factory.SelfAttribute("client.phone")
    threema_id = factory.SelfAttribute("client.threema_id")
    whatsapp = factory.SelfAttribute("client.whatsapp")
    pgp_public_key = factory.SelfAttribute("client.pgp_public_key")


class NotificationFactory(factory.django.DjangoModelFactory):
    """A message of a booking to its client by e-mail, written for the booking as it is now."""

    class Meta:
        model = "scheduler.Notification"

    booking = factory.SubFactory(BookingFactory)
    kind = "confirmed"
    audience = "client"
    channel = "email"
    recipient = factory.SelfAttribute("booking.client.email")
    sequence = factory.SelfAttribute("booking.sequence")
