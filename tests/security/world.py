"""The security tests' world: two coaches and two clients, each with one object of every kind
a URL can name, so that every page can be rendered and every identifier tried by someone it
does not belong to. (The fixture `world` is in tests/security/conftest.py.)"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import ClientProfile
from scheduler.models import Booking, DateOverride, ExternalCalendar, InboundMessage, ReplyWindow
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    NotificationFactory,
    UserFactory,
    WeeklyHoursFactory,
)

PASSWORD = "a-long-test-password"  # the factories' password


@dataclass
class Owner:
    """A coach with one of each of their objects, or a client account with its profile and a booking."""

    user: object
    coach: object = None
    appointment_type: object = None
    booking: object = None
    notification: object = None
    date_override: object = None
    blocked_period: object = None
    calendar: object = None
    inbound_message: object = None
    reply_window: object = None
    profile: object = None


def verified_user(email: str, **extra):
    user = UserFactory(email=email, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_coach(name: str) -> Owner:
    coach = CoachFactory(slug=name, display_name=name.title(), user=verified_user(f"{name}@coach.example"))
    day = date.today() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    kind = AppointmentTypeFactory(
        coach=coach, slug=f"{name}-talk", name=f"{name.title()}'s talk", horizon=timedelta(days=60)
    )
    client = ClientFactory(coach=coach, email=f"client-of-{name}@example.org", name=f"Client of {name.title()}")
    booking = BookingFactory(
        appointment_type=kind,
        client=client,
        start=timezone.now() + timedelta(days=3),
        status=Booking.Status.REQUESTED,
        message=f"The private message of {name}'s client.",
    )
    notification = NotificationFactory(
        booking=booking, status="failed", last_error=f"The gateway refused {name}'s message."
    )
    return Owner(
        user=coach.user,
        coach=coach,
        appointment_type=kind,
        booking=booking,
        notification=notification,
        date_override=DateOverride.objects.create(coach=coach, date=day + timedelta(days=7)),
        blocked_period=BlockedPeriodFactory(
            coach=coach,
            title=f"{name.title()}'s seminar",
            first_day=day + timedelta(days=14),
            last_day=day + timedelta(days=15),
        ),
        calendar=ExternalCalendar.objects.create(
            coach=coach, name=f"{name.title()}'s calendar", url="https://calendar.example/private.ics"
        ),
        reply_window=ReplyWindow.objects.create(coach=coach, weekday=0, start=time(8), end=time(9)),
        inbound_message=InboundMessage.objects.create(
            coach=coach,
            channel="threema",
            sender="ECHOECHO",
            text=f"A stranger's private message to {name}.",
            provider_message_id=f"inbound-of-{name}",
        ),
    )


def make_client(name: str, coach: Owner) -> Owner:
    user = verified_user(f"{name}@client.example")
    # Clients sign up and in by e-mail code: no password.
    user.set_unusable_password()
    user.save()
    profile = ClientProfile.objects.create(user=user, name=name.title(), threema_id="ABCD1234")
    booking = BookingFactory(
        appointment_type=coach.appointment_type,
        client=ClientFactory(coach=coach.coach, email=user.email, name=name.title()),
        start=timezone.now() + timedelta(days=4),
        message=f"The private message of {name}.",
    )
    return Owner(user=user, profile=profile, booking=booking)


@dataclass
class World:
    anna: Owner
    ben: Owner
    kim: Owner
    lou: Owner
    staff: object
