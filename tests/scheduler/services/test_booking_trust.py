"""Nobody can act as someone else: a booking keeps its own contact details, a client's stored
details change only from a proved source, and an address is confirmed before a request
reaches the coach (services/booking.py, views/client_booking.py)."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from scheduler.channels.base import MemoryBackend
from scheduler.models import AppointmentType, Booking, Client, Notification
from scheduler.outbox.send import notification_send
from scheduler.services.booking import (
    SlotTaken,
    booking_address_confirm,
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_reschedule,
    bookings_expire_due,
)
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, CoachFactory, UserFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import MESSAGE, MONDAY, form_data, type_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_backends", "english_client")]

Kind, Audience = Notification.Kind, Notification.Audience


def at(hour, minute=0):
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def kind():
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", user__email="anna@example.org")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach, slug="erstgespraech", duration=timedelta(minutes=30), slot_step=timedelta(minutes=30)
    )


def request_for(**changes) -> BookingRequest:
    values = {
        "start": at(9),
        "name": "Vera Victim",
        "email": "vera@example.org",
        "channel": "threema",
        "threema_id": "VICTIM01",
        "message": MESSAGE,
        "language": "en",
        "privacy_consent": True,
    }
    values.update(changes)
    return BookingRequest(**values)


def create(kind, *, address_proved=False, **changes) -> Booking:
    return booking_create(appointment_type=kind, request=request_for(**changes), address_proved=address_proved)


def send_all() -> None:
    """Send every due message now (what the worker does after commit)."""
    for pk in Notification.objects.filter(status=Notification.Status.PENDING).values_list("pk", flat=True):
        notification_send(notification_id=pk)


def messages_to(recipient: str) -> list:
    return [message for message in MemoryBackend.outbox if message.recipient == recipient]


# --- item 1: a booker who has not proved their address changes nothing of anyone else's ----------


def test_a_stranger_using_a_clients_address_cannot_redirect_their_messages(kind):
    """The reproduction: a second booking with the victim's address and `threema_id: ATTACK01`
    made the coach's cancellation of the victim's booking go to ATTACK01, with her private link."""
    victim = create(kind)
    attacker = create(kind, start=at(10), name="Mallory", threema_id="ATTACK01")
    assert attacker.client_id == victim.client_id  # one client per address, as before
    send_all()
    MemoryBackend.outbox = []

    booking_cancel(booking=victim, note="Leider krank.", by_coach=True)
    send_all()
    (cancellation,) = [m for m in MemoryBackend.outbox if victim.token in m.text]
    assert cancellation.recipient == "VICTIM01"
    assert "Vera Victim" in cancellation.text and "Mallory" not in cancellation.text
    assert messages_to("ATTACK01") == []
    client = Client.objects.get()
    assert client.threema_id != "ATTACK01" and client.name == "Vera Victim"


def test_the_coach_sees_and_calls_what_each_booking_gave(kind, client):
    client.force_login(kind.coach.user)
    victim = create(kind, channel="phone", threema_id="", phone="+49 170 1111111")
    create(kind, start=at(10), name="Mallory", channel="phone", threema_id="", phone="+49 170 6666666")
    page = client.get(f"/coach/bookings/{victim.uuid}/").content.decode()
    assert "+491701111111" in page and "Vera Victim" in page
    assert "+491706666666" not in page and "Mallory" not in page
    dashboard = client.get("/coach/").content.decode()
    assert 'href="tel:+491701111111"' in dashboard and 'href="tel:+491706666666"' in dashboard


def test_a_stranger_with_a_known_clients_address_is_a_new_client(kind):
    kind.approval = AppointmentType.Approval.NEW_CLIENTS
    kind.save()
    known = create(kind, address_proved=True)
    booking_confirm(booking=known)
    stranger = create(kind, start=at(10), name="Mallory", threema_id="ATTACK01")
    assert stranger.status == Booking.Status.REQUESTED
    # The known client, proved again, books without approval.
    assert create(kind, start=at(11), address_proved=True).status == Booking.Status.CONFIRMED


def test_a_confirmed_booking_without_a_proved_address_makes_nobody_known(kind):
    kind.approval = AppointmentType.Approval.NEW_CLIENTS
    kind.save()
    booking_confirm(booking=create(kind))  # the coach confirmed someone who typed this address
    assert create(kind, start=at(10)).status == Booking.Status.REQUESTED


def test_only_a_proved_booking_updates_the_stored_client(kind):
    create(kind)
    create(kind, start=at(10), name="Mallory", threema_id="ATTACK01")
    assert (Client.objects.get().name, Client.objects.get().threema_id) == ("Vera Victim", "")
    create(kind, start=at(11), name="Vera V.", threema_id="VICTIM02", address_proved=True)
    assert (Client.objects.get().name, Client.objects.get().threema_id) == ("Vera V.", "VICTIM02")


def test_a_signed_in_client_with_a_verified_address_is_proved(kind, client):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    user = UserFactory(email="vera@example.org")
    EmailAddress.objects.create(user=user, email="vera@example.org", verified=True, primary=True)
    client.force_login(user)
    response = client.post("/anna/erstgespraech/", form_data(at(9), email="Vera@example.org", threema_id="VICTIM01"))
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.REQUESTED and booking.address_confirmed_at is not None
    assert Client.objects.get().threema_id == "VICTIM01"


def test_a_signed_in_client_booking_for_another_address_is_not_proved(kind, client):
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    user = UserFactory(email="mallory@example.org")
    EmailAddress.objects.create(user=user, email="mallory@example.org", verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="vera@example.org", verified=False)
    client.force_login(user)
    client.post("/anna/erstgespraech/", form_data(at(9), email="vera@example.org"))
    assert Booking.objects.get().status == Booking.Status.UNCONFIRMED


def test_a_verified_clients_saved_details_update_the_coaches_records(kind, client):
    create(kind)
    user = UserFactory(email="vera@example.org")
    EmailAddress.objects.create(user=user, email="vera@example.org", verified=True, primary=True)
    client.force_login(user)
    response = client.post("/me/details/", {"name": "Vera Victim", "threema_id": "victim03", "language": "de"})
    assert response.status_code == 302
    assert Client.objects.get().threema_id == "VICTIM03"


# --- address confirmation (double opt-in) --------------------------------------------------------


@pytest.fixture
def request_kind(kind):
    kind.approval = AppointmentType.Approval.NEW_CLIENTS
    kind.address_confirmation = AppointmentType.AddressConfirmation.REQUESTS
    kind.save()
    return kind


def test_address_confirmation_is_on_by_default_for_requests():
    field = AppointmentType._meta.get_field("address_confirmation")
    assert field.default == AppointmentType.AddressConfirmation.REQUESTS


def test_an_unconfirmed_booking_holds_its_slot_and_only_the_client_hears_of_it(request_kind, client, settings):
    booking = create(request_kind)
    assert booking.status == Booking.Status.UNCONFIRMED and booking.respond_by is None
    assert booking.hold_until - booking.created_at == pytest.approx(
        settings.ADDRESS_CONFIRMATION_HOLD, abs=timedelta(seconds=5)
    )
    (notification,) = booking.notifications.all()
    assert (notification.kind, notification.audience, notification.channel, notification.recipient) == (
        Kind.ADDRESS_CONFIRMATION,
        Audience.CLIENT,
        "threema",
        "VICTIM01",
    )
    with pytest.raises(SlotTaken):
        create(request_kind, name="Other", email="other@example.org")
    # The coach does not see it anywhere.
    client.force_login(request_kind.coach.user)
    for url in ("/coach/", "/coach/bookings/", "/coach/bookings/?show=requested"):
        assert "Vera Victim" not in client.get(url).content.decode(), url
    assert client.get(f"/coach/bookings/{booking.uuid}/").status_code == 404


def test_the_link_goes_through_the_channel_and_confirming_sends_the_request_on(request_kind, client):
    booking = create(request_kind)
    send_all()
    (message,) = MemoryBackend.outbox
    assert message.recipient == "VICTIM01"
    link = re.search(r"https?://\S+/confirm/\S+/", message.text).group(0)
    path = "/" + link.split("/", 3)[3]
    assert booking.address_token in path

    # Opening the link (a preview, a scanner) confirms nothing; the button does.
    page = client.get(path)
    assert page.status_code == 200 and b"Yes, this booking is mine" in page.content
    assert Booking.objects.get().status == Booking.Status.UNCONFIRMED
    response = client.post(path)
    assert response.status_code == 303 and response["Location"] == f"/b/{booking.token}/"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED and booking.address_confirmed_at is not None
    assert booking.hold_until is None and booking.respond_by is not None
    kinds = set(booking.notifications.values_list("kind", flat=True))
    assert {Kind.REQUEST_RECEIVED, Kind.COACH_REQUEST_WAITING} <= kinds
    assert Client.objects.get().threema_id == "VICTIM01"  # a proved source now
    # A second click changes nothing.
    assert client.post(path).status_code == 302
    assert set(booking.notifications.values_list("kind", flat=True)) == kinds


def test_the_booking_page_says_where_the_link_went_and_until_when(request_kind, client):
    booking = create(request_kind)
    page = client.get(f"/b/{booking.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "VICTIM01" in page and "Threema" in page
    hold = booking.hold_until.astimezone(ZoneInfo(booking.time_zone))
    assert f"{hold:%H:%M}" in page
    assert f"/b/{booking.token}/reschedule/" not in page


def test_a_wrong_confirmation_secret_is_a_404(request_kind, client):
    booking = create(request_kind)
    assert client.post(f"/b/{booking.token}/confirm/{booking.token}/").status_code == 404
    assert Booking.objects.get().status == Booking.Status.UNCONFIRMED


def test_without_confirmation_the_booking_expires_and_frees_its_slot(request_kind, settings):
    booking = create(request_kind)
    later = booking.hold_until + timedelta(seconds=1)
    assert bookings_expire_due(now=later) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert not booking.notifications.exclude(kind=Kind.ADDRESS_CONFIRMATION).exists()  # nobody told
    with pytest.raises(ValidationError):
        booking_address_confirm(booking=booking, now=later)


def test_a_booking_after_the_hold_takes_the_slot_even_before_the_sweep(request_kind):
    booking = create(request_kind)
    later = booking.hold_until + timedelta(seconds=1)
    other = booking_create(
        appointment_type=request_kind, request=request_for(email="other@example.org", name="Other"), now=later
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED and other.status == Booking.Status.UNCONFIRMED


def test_a_hold_another_booking_expired_meanwhile_still_frees_the_slot(request_kind, monkeypatch):
    """Holds are expired only once a slot is refused (booking_create). Another booking may
    expire the hold in the way while this one's check still saw it: this one expires nothing
    itself, and takes the slot all the same."""
    from scheduler.services import booking as booking_service

    booking = create(request_kind)
    later = booking.hold_until + timedelta(seconds=1)
    expire = booking_service.bookings_unconfirmed_expire
    seen = []

    def expired_by_another(**kwargs):
        seen.append(expire(**kwargs))  # as the other booking's transaction did
        return 0  # nothing left to expire for this one

    monkeypatch.setattr(booking_service, "bookings_unconfirmed_expire", expired_by_another)
    other = booking_create(
        appointment_type=request_kind, request=request_for(email="other@example.org", name="Other"), now=later
    )
    assert seen == [1] and other.start == booking.start
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED


def test_an_expired_hold_next_to_the_slot_does_not_block_it_either(request_kind):
    request_kind.buffer_after = timedelta(minutes=30)
    request_kind.save()
    booking = create(request_kind)  # 9:00-9:30, and its buffer blocks 9:30
    later = booking.hold_until + timedelta(seconds=1)
    with pytest.raises(SlotTaken):
        booking_create(appointment_type=request_kind, request=request_for(start=at(9, 30), email="o@example.org"))
    other = booking_create(
        appointment_type=request_kind, request=request_for(start=at(9, 30), email="o@example.org"), now=later
    )
    assert other.start == at(9, 30)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED


def test_a_free_slot_is_booked_without_looking_for_expired_holds(request_kind):
    """The holds are looked at only when a slot is refused: a booking of a free slot reads
    and changes nothing about them (it used to cost a query every time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    create(request_kind, start=at(10), email="first@example.org")
    with CaptureQueriesContext(connection) as queries:
        create(request_kind)
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if sql.startswith(("SELECT", "UPDATE")) and "hold_until" in sql]
    assert Booking.objects.filter(status=Booking.Status.UNCONFIRMED).count() == 2


def test_cancelling_an_unconfirmed_booking_tells_nobody(request_kind):
    booking = create(request_kind)
    booking_cancel(booking=booking)
    assert list(booking.notifications.values_list("kind", flat=True)) == [Kind.ADDRESS_CONFIRMATION]


def test_an_unconfirmed_booking_cannot_be_moved(request_kind):
    booking = create(request_kind)
    with pytest.raises(ValidationError, match="confirm your address"):
        booking_reschedule(booking=booking, start=at(10))


def test_a_type_without_approval_can_ask_for_confirmation_too(kind):
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    booking = create(kind, channel="email", threema_id="")
    assert booking.status == Booking.Status.UNCONFIRMED
    assert booking.notifications.get().recipient == "vera@example.org"
    booking = booking_address_confirm(booking=booking)
    assert booking.status == Booking.Status.CONFIRMED


def test_the_coach_chooses_the_confirmation_per_type(kind, client):
    client.force_login(kind.coach.user)
    response = client.post(f"/coach/types/{kind.slug}/", type_data(slug=kind.slug, address_confirmation="always"))
    assert response.status_code in (302, 303)
    kind.refresh_from_db()
    assert kind.address_confirmation == AppointmentType.AddressConfirmation.ALWAYS


def test_on_whatsapp_the_confirmation_template_carries_the_confirmation_link(request_kind, settings):
    booking = create(request_kind, channel="whatsapp", threema_id="", whatsapp="+49 170 1234567")
    send_all()
    (message,) = MemoryBackend.outbox
    assert message.recipient == "+491701234567"
    assert message.template == settings.WHATSAPP_TEMPLATES["address_confirmation"]
    assert message.template_params[-1].endswith(f"/b/{booking.token}/confirm/{booking.address_token}/")


def test_an_expired_hold_makes_kept_slot_answers_stale(request_kind):
    from scheduler.cache_versions import availability_version

    booking = create(request_kind)
    before = availability_version(booking.coach_id)
    bookings_expire_due(now=booking.hold_until + timedelta(seconds=1))
    assert availability_version(booking.coach_id) != before
