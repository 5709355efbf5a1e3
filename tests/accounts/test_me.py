"""/me/: a client's own bookings with every coach (by verified address), their stored
details, their calendar feed, the export of their data and the deletion of their account."""

import json
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import vobject
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from icalendar import Calendar

from accounts.models import ClientProfile
from scheduler.ics import booking_uid
from scheduler.models import Booking, Notification
from scheduler.services.privacy import DELETED_CLIENT
from tests.factories import (
    AppointmentTypeFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    NotificationFactory,
    UserFactory,
    WeeklyHoursFactory,
)

pytestmark = pytest.mark.django_db


def client_user(email, *, verified=True, also=()):
    """A client account with `email` (verified or not) and further verified addresses."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for other in also:
        EmailAddress.objects.create(user=user, email=other, verified=True)
    return user


def booking_of(email, coach, *, days, **kwargs):
    appointment_type = AppointmentTypeFactory(coach=coach)
    client = ClientFactory(coach=coach, email=email, name=email.split("@")[0].title())
    return BookingFactory(
        appointment_type=appointment_type, client=client, start=timezone.now() + timedelta(days=days), **kwargs
    )


@pytest.fixture
def two_clients():
    """Kim (two verified addresses) and Lou, each booked with two coaches; Kim also made
    a booking with an address she has not verified."""
    anna, ben = CoachFactory(display_name="Anna"), CoachFactory(display_name="Ben")
    kim = client_user("kim@example.org", also=["kim@work.example"])
    lou = client_user("lou@example.org")
    bookings = {
        "kim_anna_past": booking_of("kim@example.org", anna, days=-20),
        "kim_ben_future": booking_of("kim@work.example", ben, days=5, channel="threema"),
        "kim_unverified": booking_of("kim@unverified.example", anna, days=6),
        "lou_anna": booking_of("lou@example.org", anna, days=3),
        "lou_ben": booking_of("lou@example.org", ben, days=-2),
    }
    EmailAddress.objects.create(user=kim, email="kim@unverified.example", verified=False)
    for booking in bookings.values():
        NotificationFactory(booking=booking, status="sent")
        NotificationFactory(booking=booking, audience="coach", kind="coach_new_booking", recipient="coach@x.example")
    return {"kim": kim, "lou": lou, **bookings}


def test_me_needs_a_login(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_me_lists_the_bookings_of_verified_addresses_with_every_coach(client, two_clients):
    client.force_login(two_clients["kim"])
    response = client.get("/me/")
    content = response.content.decode()
    assert [b.pk for b in response.context["upcoming"]] == [two_clients["kim_ben_future"].pk]
    assert [b.pk for b in response.context["past"]] == [two_clients["kim_anna_past"].pk]
    for name in ("kim_anna_past", "kim_ben_future"):
        assert f'href="/b/{two_clients[name].token}/"' in content
    for name in ("kim_unverified", "lou_anna", "lou_ben"):
        assert two_clients[name].token not in content
    assert 'class="language-switch"' in content
    assert response["Cache-Control"] == "private, no-store"


def test_the_json_export_holds_exactly_this_users_data(client, two_clients):
    ClientProfile.objects.create(user=two_clients["kim"], name="Kim", threema_id="ABCD1234")
    client.force_login(two_clients["kim"])
    response = client.get("/me/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    text = response.content.decode()

    assert data["account"]["email"] == "kim@example.org"
    assert {a["email"] for a in data["account"]["email_addresses"]} == {
        "kim@example.org",
        "kim@work.example",
        "kim@unverified.example",
    }
    assert data["profile"]["threema_id"] == "ABCD1234"
    assert [(r["coach"], r["email"]) for r in data["coaches_records"]] == [
        ("Anna", "kim@example.org"),
        ("Ben", "kim@work.example"),
    ]
    kim_bookings = [two_clients["kim_anna_past"], two_clients["kim_ben_future"]]
    assert [b["manage_url"].rsplit("/b/", 1)[1] for b in data["bookings"]] == [f"{b.token}/" for b in kim_bookings]
    assert data["bookings"][1]["contact"] == two_clients["kim_ben_future"].client.threema_id
    assert data["bookings"][0]["message"] == two_clients["kim_anna_past"].message
    # Only the messages sent to Kim, none of those to the coach.
    for exported in data["bookings"]:
        assert [m["kind"] for m in exported["messages_sent_to_you"]] == ["confirmed"]
        assert exported["messages_sent_to_you"][0]["status"] == "sent"
    assert "coach@x.example" not in text
    assert "lou@" not in text
    for name in ("kim_unverified", "lou_anna", "lou_ben"):
        assert two_clients[name].token not in text


def test_the_calendar_export_holds_this_users_bookings(client, two_clients):
    client.force_login(two_clients["kim"])
    response = client.get("/me/export.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    uids = {str(event["uid"]).split("@")[0] for event in Calendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {str(two_clients["kim_anna_past"].uuid), str(two_clients["kim_ben_future"].uuid)}


def test_details_are_checked_at_their_field_and_kept(client, openpgp_keys):
    user = client_user("kim@example.org")
    client.force_login(user)
    typed = {
        "name": "  Kim   Doe ",
        "phone": "12",
        "threema_id": "abc",
        "whatsapp": "",
        "pgp_public_key": openpgp_keys["expired"],
        "language": "en",
    }
    response = client.post("/me/details/", typed, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "threema_id", "pgp_public_key"}
    assert "8 characters" in errors["threema_id"][0]
    assert "expired" in errors["pgp_public_key"][0]
    content = response.content.decode()
    assert 'value="abc"' in content and 'value="12"' in content
    assert not ClientProfile.objects.filter(user=user).exists()


def test_details_are_stored_normalised_and_the_key_fingerprint_shown(client, openpgp_keys):
    user = client_user("kim@example.org")
    client.force_login(user)
    response = client.post(
        "/me/details/",
        {
            "name": "Kim",
            "phone": "0170 1234567",
            "threema_id": "abcd1234",
            "whatsapp": "+49 171 7654321",
            "pgp_public_key": openpgp_keys["valid"],
            "language": "en",
        },
    )
    assert response.status_code == 302
    profile = ClientProfile.objects.get(user=user)
    assert (profile.phone, profile.threema_id, profile.whatsapp) == ("+491701234567", "ABCD1234", "+491717654321")
    page = client.get("/me/")
    fingerprint = page.context["key"]["fingerprint"]
    assert len(fingerprint.replace(" ", "")) == 40
    assert fingerprint in page.content.decode()


def test_delete_cancels_the_future_anonymises_the_past_and_removes_the_user(client, two_clients):
    kim = two_clients["kim"]
    ClientProfile.objects.create(user=kim, name="Kim")
    client.force_login(kim)
    confirm = client.get("/me/delete/")
    assert [b.pk for b in confirm.context["future"]] == [two_clients["kim_ben_future"].pk]

    response = client.post("/me/delete/")
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=kim.pk).exists()
    assert not ClientProfile.objects.exists()
    assert "_auth_user_id" not in client.session

    future = Booking.objects.get(pk=two_clients["kim_ben_future"].pk)
    assert future.status == Booking.Status.CANCELLED
    assert Notification.objects.filter(booking=future, audience="coach", kind="cancelled", status="pending").exists()
    past = Booking.objects.get(pk=two_clients["kim_anna_past"].pk)
    for booking in (past, future):
        assert booking.message == ""
        with translation.override(booking.coach.language):
            assert booking.client.name == str(DELETED_CLIENT)
        assert booking.client.email.endswith("@anonymised.invalid")
        assert booking.client.threema_id == ""
        assert not booking.notifications.filter(audience="client").exclude(recipient="").exists()
    # The address Kim never verified is not hers to delete, and Lou is untouched.
    unverified = Booking.objects.get(pk=two_clients["kim_unverified"].pk)
    assert unverified.client.email == "kim@unverified.example"
    assert unverified.status == Booking.Status.CONFIRMED
    lou = Booking.objects.get(pk=two_clients["lou_anna"].pk)
    assert (lou.client.email, lou.status) == ("lou@example.org", Booking.Status.CONFIRMED)
    assert lou.message


def test_a_coach_cannot_delete_their_account_here(client, coach):
    client.force_login(coach.user)
    assert client.post("/me/delete/").status_code == 403
    assert get_user_model().objects.filter(pk=coach.user.pk).exists()


def test_a_signed_in_clients_details_fill_in_the_booking_form(client):
    coach = CoachFactory()
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    kind = AppointmentTypeFactory(coach=coach)
    today = date.today()
    monday = today + timedelta(days=14 - today.weekday())
    start = datetime.combine(monday, time(9), tzinfo=ZoneInfo(coach.time_zone)).isoformat()
    url = f"/{coach.slug}/{kind.slug}/?" + urlencode({"start": start, "tz": coach.time_zone})

    anonymous = client.get(url).context["form"]
    assert not anonymous.initial.get("email")

    user = client_user("kim@example.org")
    ClientProfile.objects.create(user=user, name="Kim Doe", threema_id="ABCD1234", language="en")
    client.force_login(user)
    response = client.get(url)
    form = response.context["form"]
    assert form.initial["start"] == start
    assert (form.initial["name"], form.initial["email"], form.initial["threema_id"]) == (
        "Kim Doe",
        "kim@example.org",
        "ABCD1234",
    )
    content = response.content.decode()
    assert 'value="Kim Doe"' in content and 'value="ABCD1234"' in content
    assert '<option value="en" selected>' in content


# --- the client's calendar feed: their own bookings, by a rotatable address ---


def feed_url(client, user):
    client.force_login(user)
    client.post("/me/feed/rotate/")
    return f"/me/feed/{ClientProfile.objects.get(user=user).feed_token}/calendar.ics"


def events(response):
    calendar = vobject.readOne(response.content.decode())
    return {event.uid.value: event for event in calendar.vevent_list} if hasattr(calendar, "vevent_list") else {}


def test_me_offers_to_make_the_address_then_shows_it(client, two_clients):
    client.force_login(two_clients["kim"])
    assert b"Make my calendar address" in client.get("/me/", headers={"Accept-Language": "en"}).content
    response = client.post("/me/feed/rotate/", follow=True)
    token = ClientProfile.objects.get(user=two_clients["kim"]).feed_token
    assert len(token) >= 22  # at least 128 random bits, URL-safe
    assert f"http://testserver/me/feed/{token}/calendar.ics".encode() in response.content
    assert b'data-copy="feed-url"' in response.content


def test_the_feed_holds_the_clients_own_bookings_with_every_coach_and_nothing_else(client, two_clients):
    url = feed_url(client, two_clients["kim"])
    client.logout()  # calendar apps have no session: the token is the key
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private")
    found = events(response)
    kim = [two_clients["kim_anna_past"], two_clients["kim_ben_future"]]
    assert set(found) == {booking_uid(booking) for booking in kim}
    future = found[booking_uid(two_clients["kim_ben_future"])]
    assert future.dtstart.value == two_clients["kim_ben_future"].start.replace(microsecond=0)
    assert future.status.value == "CONFIRMED"
    assert "Ben" in future.summary.value
    body = response.content.decode()
    for other in ("lou", "kim@unverified.example", two_clients["kim_unverified"].message[:20]):
        assert other not in body


def test_a_cancelled_booking_stays_as_cancelled_with_a_higher_sequence(client, two_clients):
    url = feed_url(client, two_clients["kim"])
    booking = two_clients["kim_ben_future"]
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.CANCELLED, sequence=booking.sequence + 1, updated_at=timezone.now()
    )
    event = events(client.get(url))[booking_uid(booking)]
    assert event.status.value == "CANCELLED"
    assert int(event.sequence.value) == booking.sequence + 1


def test_an_unchanged_feed_is_a_304_and_a_change_is_not(client, two_clients):
    url = feed_url(client, two_clients["kim"])
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    moved = two_clients["kim_ben_future"]
    Booking.objects.filter(pk=moved.pk).update(
        start=moved.start + timedelta(hours=1),
        end=moved.end + timedelta(hours=1),
        blocked_start=moved.blocked_start + timedelta(hours=1),
        blocked_end=moved.blocked_end + timedelta(hours=1),
        sequence=moved.sequence + 1,
        updated_at=timezone.now() + timedelta(seconds=2),
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_new_address_makes_the_old_one_a_404(client, two_clients):
    old = feed_url(client, two_clients["kim"])
    assert client.get(old).status_code == 200
    new = feed_url(client, two_clients["kim"])
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_unknown_tokens_and_inactive_users_get_a_404(client, two_clients):
    assert client.get("/me/feed/not-a-token/calendar.ics").status_code == 404
    url = feed_url(client, two_clients["kim"])
    two_clients["kim"].is_active = False
    two_clients["kim"].save()
    assert client.get(url).status_code == 404


def test_rotating_needs_a_login_and_a_post(client, two_clients):
    assert client.post("/me/feed/rotate/").status_code == 302
    assert not ClientProfile.objects.exists()
    client.force_login(two_clients["kim"])
    assert client.get("/me/feed/rotate/").status_code == 405


# --- the client's calendars in their bookings' languages, whoever asks ---


@pytest.fixture
def kims_two_languages(two_clients):
    """Kim booked Ben's type in English (she asked the future one so) and Anna's in German."""
    english, german = two_clients["kim_ben_future"], two_clients["kim_anna_past"]
    english.appointment_type.name, english.appointment_type.name_en = "Kennenlernen", "Introductory talk"
    english.appointment_type.save()
    german.appointment_type.name = "Erstgespräch"
    german.appointment_type.save()
    Booking.objects.filter(pk=english.pk).update(language="en")
    Booking.objects.filter(pk=german.pk).update(language="de")
    return two_clients


@pytest.mark.parametrize("asks_in", ["", "de", "en"])
def test_the_feed_has_each_booking_in_its_language_and_its_name_in_the_profiles(client, kims_two_languages, asks_in):
    url = feed_url(client, kims_two_languages["kim"])
    ClientProfile.objects.filter(user=kims_two_languages["kim"]).update(language="en")
    client.logout()
    headers = {"Accept-Language": asks_in} if asks_in else {}  # a calendar app asks in no language
    calendar = vobject.readOne(client.get(url, headers=headers).content.decode())
    assert calendar.x_wr_calname.value == "Sprechzeit: your appointments"
    found = {event.uid.value: event for event in calendar.vevent_list}
    english = found[booking_uid(kims_two_languages["kim_ben_future"])]
    german = found[booking_uid(kims_two_languages["kim_anna_past"])]
    assert english.summary.value == "Introductory talk with Ben"
    assert english.description.value.startswith("Channel: Threema\nManage or cancel: ")
    assert german.summary.value == "Erstgespräch mit Anna"
    assert german.description.value.startswith("Kontaktweg: E-Mail\nÄndern oder absagen: ")


def test_without_a_language_of_their_own_the_feed_is_named_in_their_latest_bookings(client, kims_two_languages):
    url = feed_url(client, kims_two_languages["kim"])
    assert ClientProfile.objects.get(user=kims_two_languages["kim"]).language == ""
    client.logout()
    calendar = vobject.readOne(client.get(url, headers={"Accept-Language": "de"}).content.decode())
    assert calendar.x_wr_calname.value == "Sprechzeit: your appointments"  # the English one starts last


def test_the_export_has_each_booking_in_its_language_whatever_the_page_speaks(client, kims_two_languages):
    client.force_login(kims_two_languages["kim"])
    response = client.get("/me/export.ics", headers={"Accept-Language": "de"})
    summaries = {str(e["uid"]): str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert summaries == {
        booking_uid(kims_two_languages["kim_ben_future"]): "Introductory talk with Ben",
        booking_uid(kims_two_languages["kim_anna_past"]): "Erstgespräch mit Anna",
    }
