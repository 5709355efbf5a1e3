"""Calendar feeds, parsed by a second, independent parser (vobject)."""

from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

import pytest
import time_machine
import vobject
from django.core.management import call_command
from django.utils import timezone

from scheduler import coach_ics, ics
from scheduler.models import Booking, Client
from scheduler.selectors.feeds import CANCELLED_IN_FEED, FEED_HISTORY, coach_feed_content
from scheduler.services.booking import booking_cancel, booking_decline, booking_expire
from scheduler.services.coach import coach_feed_rotate
from scheduler.services.privacy import bookings_anonymise, clients_anonymise
from tests.factories import BlockedPeriodFactory, BookingFactory, ClientFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach():
    return CoachFactory(slug="anna", display_name="Anna", busy_feed_enabled=True)


def feed_url(coach):
    return f"/feeds/{coach.feed_token}/calendar.ics"


def parse(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(response.content.decode())


def upcoming(days=3, hour=10):
    return datetime.combine(timezone.now().date() + timedelta(days=days), time(hour), tzinfo=BERLIN)


def test_coach_feed_has_every_booking_with_details(client, coach):
    eva = ClientFactory(coach=coach, name="Eva\r\nEND:VCALENDAR", phone="+491701234567")
    booking = BookingFactory(
        appointment_type__coach=coach,
        client=eva,
        start=upcoming(),
        channel="phone",
        message="Zeile eins\nBEGIN:VEVENT\nZeile drei",
    )
    requested = BookingFactory(appointment_type__coach=coach, start=upcoming(4), status=Booking.Status.REQUESTED)
    BlockedPeriodFactory(
        coach=coach,
        title="Seminar in Hamburg",
        first_day=date.today() + timedelta(days=10),
        last_day=date.today() + timedelta(days=12),
    )
    response = client.get(feed_url(coach))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    calendar = parse(response)
    assert calendar.method.value == "PUBLISH" and calendar.prodid.value == ics.PRODID
    events = {event.uid.value: event for event in calendar.vevent_list}
    event = events[ics.booking_uid(booking)]
    assert event.status.value == "CONFIRMED" and event.sequence.value == "0"
    assert event.dtstart.value == booking.start and event.dtend.value == booking.end
    assert "Eva\r\nEND:VCALENDAR" in event.summary.value or "END:VCALENDAR" in event.summary.value
    assert "BEGIN:VEVENT" in event.description.value and "+491701234567" in event.location.value
    assert events[ics.booking_uid(requested)].status.value == "TENTATIVE"
    seminar = next(e for e in calendar.vevent_list if e.summary.value == "Seminar in Hamburg")
    assert seminar.dtstart.value == date.today() + timedelta(days=10)
    assert seminar.dtend.value == date.today() + timedelta(days=13)
    assert len(calendar.vevent_list) == 3  # the injected text broke nothing


def test_a_cancelled_booking_stays_as_cancelled_with_a_higher_sequence(client, coach):
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    booking_cancel(booking=booking)
    event = next(e for e in parse(client.get(feed_url(coach))).vevent_list if e.uid.value == ics.booking_uid(booking))
    assert event.status.value == "CANCELLED" and event.sequence.value == "1"


@pytest.fixture
def clock():
    """A clock that moves only when told: Last-Modified has whole seconds."""
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False) as traveller:
        yield traveller


def dated(client, coach, clock):
    """The feed's answer once its date has passed: an answer in the very second its feed
    changed carries no Last-Modified (another change could follow in the same second)."""
    client.get(feed_url(coach))
    clock.shift(timedelta(seconds=2))
    response = client.get(feed_url(coach))
    assert "Last-Modified" in response
    return response


def test_etag_and_last_modified_revalidate_with_304(client, coach, clock):
    BookingFactory(appointment_type__coach=coach, start=upcoming())
    first = dated(client, coach, clock)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(feed_url(coach), headers={"if-none-match": etag}).status_code == 304
    assert client.get(feed_url(coach), headers={"if-modified-since": modified}).status_code == 304
    # If-None-Match wins over If-Modified-Since.
    assert (
        client.get(feed_url(coach), headers={"if-none-match": '"other"', "if-modified-since": modified}).status_code
        == 200
    )
    assert client.get(feed_url(coach)).content == first.content  # unchanged data, unchanged bytes
    clock.shift(timedelta(hours=2))
    assert client.get(feed_url(coach))["Last-Modified"] == modified  # unchanged data, unchanged date


def test_a_change_changes_both_validators(client, coach, clock):
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    first = dated(client, coach, clock)
    booking_cancel(booking=booking)
    second = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    assert "Last-Modified" not in second  # changed in this very second
    clock.shift(timedelta(seconds=1))
    assert parsedate_to_datetime(client.get(feed_url(coach))["Last-Modified"]) > parsedate_to_datetime(
        first["Last-Modified"]
    )


def test_two_changes_in_one_second_are_told_apart(client, coach, clock):
    """A client that fetched the feed between two changes of the same second does not get
    a 304 for the second change."""
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    BookingFactory(appointment_type__coach=coach, start=upcoming(5))
    dated(client, coach, clock)
    clock.shift(timedelta(milliseconds=100))
    booking.message = "Erste Änderung"
    booking.save()
    between = client.get(feed_url(coach))
    clock.shift(timedelta(milliseconds=100))
    booking.message = "Zweite Änderung"
    booking.save()
    clock.shift(timedelta(seconds=3))
    # The calendar app revalidates with what it was given.
    sent_back = {"if-modified-since": between["Last-Modified"]} if "Last-Modified" in between else {}
    answer = client.get(feed_url(coach), headers=sent_back)
    assert answer.status_code == 200 and "Zweite" in parse(answer).vevent.description.value


def _decline_the_request(coach, request):
    booking_decline(booking=request)


def _delete_the_blocked_period(coach, request):
    coach.blocked_periods.all().delete()


def _expire_the_request(coach, request):
    Booking.objects.filter(pk=request.pk).update(respond_by=timezone.now())
    assert booking_expire(booking=request) is not None


def _anonymise_the_client(coach, request):
    """The client's address is the client row's, not the booking's; a bulk write."""
    clients_anonymise(clients=Client.objects.filter(pk=request.client_id), now=timezone.now())


def _empty_the_messages(coach, request):
    bookings_anonymise(bookings=coach.bookings.all(), now=timezone.now())


def _rename_the_type(coach, request):
    request.appointment_type.name = "Erstgespräch"
    request.appointment_type.save()


def _rename_the_coach(coach, request):
    coach.display_name = "Anna Berg"
    coach.save()


def _change_the_coachs_language(coach, request):
    coach.language = "en"
    coach.save()


@pytest.mark.parametrize(
    "change",
    [
        _decline_the_request,
        _expire_the_request,
        _anonymise_the_client,
        _empty_the_messages,
        _delete_the_blocked_period,
        _rename_the_type,
        _rename_the_coach,
        _change_the_coachs_language,
    ],
)
def test_last_modified_moves_with_every_change_of_the_feed(client, coach, clock, change):
    """Also with the changes no row dates: a booking that leaves the feed, a deleted blocked
    period, a renamed type, the coach's name and language. A calendar app that revalidates
    with If-Modified-Since alone sees each."""
    coach.language = "de"
    coach.save()
    BookingFactory(appointment_type__coach=coach, start=upcoming())
    request = BookingFactory(appointment_type__coach=coach, start=upcoming(4), status=Booking.Status.REQUESTED)
    BlockedPeriodFactory(coach=coach, title="Urlaub", start=upcoming(9, 8), end=upcoming(9, 18))
    first = dated(client, coach, clock)
    clock.shift(timedelta(minutes=5))
    change(coach, request)
    clock.shift(timedelta(minutes=5))
    answer = client.get(feed_url(coach), headers={"if-modified-since": first["Last-Modified"]})
    assert answer.status_code == 200 and answer.content != first.content
    clock.shift(timedelta(seconds=1))
    later = client.get(feed_url(coach))
    assert parsedate_to_datetime(later["Last-Modified"]) > parsedate_to_datetime(first["Last-Modified"])
    assert client.get(feed_url(coach), headers={"if-modified-since": later["Last-Modified"]}).status_code == 304


def test_a_renamed_type_is_not_answered_from_the_cached_feed(client, coach):
    booking = BookingFactory(appointment_type__coach=coach, appointment_type__name="Kennenlernen", start=upcoming())
    first = client.get(feed_url(coach))
    assert "Kennenlernen" in parse(first).vevent.summary.value
    booking.appointment_type.name = "Erstgespräch"
    booking.appointment_type.save()
    second = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200 and "Erstgespräch" in parse(second).vevent.summary.value


def test_the_coach_feed_speaks_the_coachs_language_in_the_coachs_words(client, coach):
    """Whoever fetches it (a calendar app sends its own Accept-Language), the feed is the
    coach's: their language, and "You call the client", not the client's "The coach calls you"."""
    eva = ClientFactory(coach=coach, name="Eva", phone="+491701234567")
    BookingFactory(appointment_type__coach=coach, client=eva, start=upcoming(), channel="phone")
    coach.language = "en"
    coach.save()
    event = parse(client.get(feed_url(coach), headers={"accept-language": "de"})).vevent
    assert event.location.value == "You call the client: +491701234567"
    assert event.description.value.startswith("Channel: You call the client (+491701234567)")
    coach.language = "de"
    coach.save()
    body = client.get(feed_url(coach), headers={"accept-language": "en"}).content.decode()
    event = vobject.readOne(body).vevent
    assert event.location.value == "Sie rufen die Person an: +491701234567"
    for wording in ("The coach calls you", "Der Coach ruft", "You call", "Channel:"):
        assert wording not in body


def test_the_coach_feed_shows_what_each_booking_gave(client, coach):
    """The booking's own name and number, not what the client's stored record says now
    (another booking with the same address may have changed it)."""
    eva = ClientFactory(coach=coach, name="Eva Stored", phone="+491700000001")
    booking = BookingFactory(
        appointment_type__coach=coach,
        client=eva,
        start=upcoming(),
        channel="phone",
        client_name="Eva Booked",
        phone="+491700000002",
    )
    event = parse(client.get(feed_url(coach))).vevent
    assert event.summary.value == f"{booking.appointment_type.name}: Eva Booked"
    assert event.location.value.endswith(": +491700000002") and event.url.value == "tel:+491700000002"
    assert "Stored" not in event.description.value and "+491700000001" not in event.description.value


def test_unconfirmed_bookings_are_not_the_coachs_but_their_time_is_busy(client, coach):
    """A booking whose client has not confirmed their address may be a stranger's: the
    coach's feed does not show it (nor one cancelled while it waited), but it holds its
    slot, so the busy feed shows the time as busy, with nothing of it."""
    waiting = BookingFactory(
        appointment_type__coach=coach,
        start=upcoming(),
        status=Booking.Status.UNCONFIRMED,
        hold_until=timezone.now() + timedelta(minutes=30),
        client_name="Fremde Person",
        message="Unbestätigt und geheim",
    )
    withdrawn = BookingFactory(
        appointment_type__coach=coach,
        start=upcoming(5),
        status=Booking.Status.UNCONFIRMED,
        hold_until=timezone.now() + timedelta(minutes=30),
    )
    booking_cancel(booking=withdrawn)
    confirmed_then_cancelled = BookingFactory(appointment_type__coach=coach, start=upcoming(6))
    booking_cancel(booking=confirmed_then_cancelled)
    private = client.get(feed_url(coach))
    uids = {event.uid.value for event in getattr(parse(private), "vevent_list", [])}
    assert uids == {ics.booking_uid(confirmed_then_cancelled)}
    assert b"Fremde" not in private.content and b"geheim" not in private.content
    busy = client.get("/anna/busy.ics")
    events = parse(busy).vevent_list
    assert [(event.dtstart.value, event.dtend.value) for event in events] == [(waiting.start, waiting.end)]
    assert b"Fremde" not in busy.content and b"geheim" not in busy.content


def test_rotating_the_token_revokes_the_old_url(client, coach):
    old = feed_url(coach)
    coach_feed_rotate(coach=coach)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(coach)).status_code == 200


@pytest.mark.parametrize("token", ["x" * 32, "", "../anna"])
def test_unknown_tokens_are_404(client, coach, token):
    assert client.get(f"/feeds/{token}/calendar.ics").status_code == 404


def test_feedurl_command(coach, capsys):
    call_command("feedurl", "anna")
    first = capsys.readouterr().out.strip()
    assert first.endswith(f"/feeds/{coach.feed_token}/calendar.ics")
    call_command("feedurl", "anna", "--rotate")
    assert capsys.readouterr().out.strip() != first


def test_busy_feed_leaks_nothing(client, coach):
    eva = ClientFactory(coach=coach, name="Eva Geheim", email="eva.geheim@example.org", phone="+491709999999")
    BookingFactory(
        appointment_type__coach=coach, client=eva, start=upcoming(), message="Sehr persönlich", channel="phone"
    )
    BookingFactory(appointment_type__coach=coach, start=upcoming(hour=10) + timedelta(minutes=30))  # adjoining
    BlockedPeriodFactory(coach=coach, title="Therapie privat", start=upcoming(5, 9), end=upcoming(5, 12))
    response = client.get("/anna/busy.ics", headers={"accept-language": "en"})
    assert response.status_code == 200
    body = response.content.decode()
    for secret in ("Eva", "Geheim", "eva.geheim", "+491709999999", "persönlich", "Therapie", "phone", "Telefon"):
        assert secret not in body
    events = parse(response).vevent_list
    assert len(events) == 2  # the two adjoining bookings merge into one busy block
    assert all(event.summary.value == "Busy" for event in events)


def test_busy_feed_only_when_enabled(client, coach):
    coach.busy_feed_enabled = False
    coach.save()
    assert client.get("/anna/busy.ics").status_code == 404


def test_the_booking_file_and_the_invitations_parse_elsewhere_too(client, coach):
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    single = vobject.readOne(client.get(f"/b/{booking.token}/event.ics").content.decode())
    assert single.vevent.uid.value == ics.booking_uid(booking) and single.vevent.status.value == "CONFIRMED"
    request = vobject.readOne(ics.booking_invitation(booking, method="REQUEST").decode())
    assert request.method.value == "REQUEST"
    assert request.vevent.organizer.value == f"mailto:{coach.user.email}"
    assert request.vevent.attendee.value == f"mailto:{booking.client.email}"
    booking_cancel(booking=booking)
    booking.refresh_from_db()
    cancel = vobject.readOne(ics.booking_invitation(booking, method="CANCEL").decode())
    assert cancel.method.value == "CANCEL" and cancel.vevent.status.value == "CANCELLED"
    assert cancel.vevent.uid.value == request.vevent.uid.value and cancel.vevent.sequence.value == "1"


def test_an_unchanged_feed_is_answered_without_building_it(client, coach, django_assert_max_num_queries):
    BookingFactory(appointment_type__coach=coach, start=upcoming())
    etag = client.get(feed_url(coach))["ETag"]
    # The coach by the token; the validators come from the cache, without the feed's fingerprint.
    with django_assert_max_num_queries(1):
        assert client.get(feed_url(coach), headers={"if-none-match": etag}).status_code == 304


def test_a_write_while_the_feed_is_built_is_not_hidden_by_its_validators(client, coach, monkeypatch):
    """The validators are kept under the versions read before the feed's data: a write that
    lands after the data was read (the answer does not show it) makes them stale."""
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming(), message="Vorher")
    build = coach_ics.coach_feed

    def build_then_write(**kwargs):
        body = build(**kwargs)
        booking.message = "Nachher"
        booking.save()
        return body

    monkeypatch.setattr(coach_ics, "coach_feed", build_then_write)
    first = client.get(feed_url(coach))
    monkeypatch.undo()
    assert "Vorher" in parse(first).vevent.description.value
    answer = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
    assert answer.status_code == 200 and "Nachher" in parse(answer).vevent.description.value


def test_a_changed_site_url_is_not_answered_from_kept_validators(client, coach, settings):
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    first = client.get(feed_url(coach))
    assert client.get(feed_url(coach), headers={"if-none-match": first["ETag"]}).status_code == 304
    settings.SITE_URL = "https://termine.example.net"
    answer = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
    assert answer.status_code == 200 and parse(answer).vevent.uid.value == ics.booking_uid(booking)
    assert "termine.example.net" in parse(answer).vevent.uid.value


# Each leaves the feed ten minutes (the days: thirty) after the clock below, by time alone.
def _a_booking_past_the_history(coach, now):
    BookingFactory(
        appointment_type__coach=coach,
        appointment_type__duration=timedelta(minutes=30),
        start=now - FEED_HISTORY - timedelta(minutes=20),
    )


def _a_cancellation_past_its_time(coach, now):
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming(), status=Booking.Status.CANCELLED)
    Booking.objects.filter(pk=booking.pk).update(updated_at=now - CANCELLED_IN_FEED + timedelta(minutes=10))


def _blocked_time_past_the_history(coach, now):
    BlockedPeriodFactory(
        coach=coach, start=now - FEED_HISTORY - timedelta(hours=2), end=now - FEED_HISTORY + timedelta(minutes=10)
    )


def _blocked_days_past_the_history(coach, now):
    day = (now - FEED_HISTORY).date()  # shown until the next midnight (UTC), 30 minutes on
    BlockedPeriodFactory(coach=coach, first_day=day - timedelta(days=2), last_day=day)


@pytest.mark.parametrize(
    "leaving",
    [
        _a_booking_past_the_history,
        _a_cancellation_past_its_time,
        _blocked_time_past_the_history,
        _blocked_days_past_the_history,
    ],
)
def test_a_row_that_leaves_the_feed_with_time_is_not_answered_from_kept_validators(client, coach, leaving):
    """No write tells of it: the validators are kept only until then (well within the hour
    they are kept at most)."""
    with time_machine.travel(datetime(2027, 1, 10, 23, 30, tzinfo=UTC), tick=False) as clock:
        BookingFactory(appointment_type__coach=coach, start=upcoming())
        leaving(coach, timezone.now())
        first = client.get(feed_url(coach))
        assert len(parse(first).vevent_list) == 2
        clock.shift(timedelta(minutes=5))
        assert client.get(feed_url(coach), headers={"if-none-match": first["ETag"]}).status_code == 304
        clock.shift(timedelta(minutes=35))
        answer = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
        assert answer.status_code == 200 and len(parse(answer).vevent_list) == 1


def test_a_new_blocked_period_shows_at_once(client, coach):
    first = client.get(feed_url(coach))
    BlockedPeriodFactory(
        coach=coach,
        title="Urlaub",
        first_day=date.today() + timedelta(days=3),
        last_day=date.today() + timedelta(days=4),
    )
    second = client.get(feed_url(coach), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200 and b"Urlaub" in second.content


def test_the_feed_reads_its_bookings_and_blocked_periods_in_one_query_each(coach, django_assert_num_queries):
    contacts = {
        "phone": {"phone": "+491701234567"},
        "email": {},
        "threema": {"threema_id": "ABCD1234"},
        "whatsapp": {"whatsapp": "+4915112345678"},
    }
    for day, (channel, contact) in enumerate(contacts.items(), start=1):
        BookingFactory(
            appointment_type__coach=coach,
            client=ClientFactory(coach=coach, **contact),
            start=upcoming(day),
            channel=channel,
        )
    BlockedPeriodFactory(coach=coach, title="Urlaub", start=upcoming(9, 8), end=upcoming(9, 18))
    with django_assert_num_queries(2):
        bookings, blocked = coach_feed_content(coach=coach, now=timezone.now())
    assert [period.title for period in blocked] == ["Urlaub"]
    models = {booking.uuid: booking for booking in Booking.objects.select_related("client", "appointment_type")}
    assert len(bookings) == len(models) == 4
    for row in bookings:
        booking = models[row.uuid]
        assert row.contact == booking.contact  # the contact on the booking's channel, chosen in the query
        assert (row.type_name, row.client_name, row.client_email, row.channel) == (
            booking.appointment_type.name,
            booking.client_name,
            booking.client.email,
            booking.channel,
        )


def test_the_feed_is_served_without_its_cache(client, coach, cache_unreachable, caplog):
    """Redis down: the cache only saves work, so the feed is built anew, with a warning."""
    booking = BookingFactory(appointment_type__coach=coach, start=upcoming())
    response = client.get(feed_url(coach))
    assert response.status_code == 200
    assert parse(response).vevent.uid.value == ics.booking_uid(booking)
    assert "feed cache unreachable" in caplog.text
    assert "Last-Modified" not in response  # without the cache, no date is known to be right
