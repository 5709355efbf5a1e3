"""The picker's and the form's new words in the client's German, Sie and du (views/slot_picker.py,
the picker and form templates, forms/booking.py). Needs the German catalogs: the lead fills them."""

import pytest

from scheduler.models import Coach
from tests.factories import BookingFactory, ClientFactory
from tests.scheduler.pages import MONDAY, berlin, form_data, text, type_url

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[Coach.AddressForm.FORMAL, Coach.AddressForm.INFORMAL])
def address_form(request, kind):
    kind.coach.address_form = request.param
    kind.coach.save(update_fields=["address_form"])
    return request.param


def german(client, url, **kwargs):
    return text(client.get(url, HTTP_ACCEPT_LANGUAGE="de", **kwargs))


def test_the_picker_in_german(client, kind, address_form):
    page = german(client, type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin"))
    assert ">09:00</a>" in page  # German reads the 24-hour clock
    assert "Zeitformat:" in page and ">24 h</a>" in page and ">12 h</a>" in page
    assert "Die Zeiten werden geladen …" in page
    assert "Die Pfeiltasten wechseln den Tag, Bild auf und Bild ab den Monat." in page
    assert ", keine freien Zeiten" in page
    assert "Zeitzone suchen (Stadt oder Region):" in page and "z. B. New York, Berlin, Tokio" in page
    assert 'aria-label="Zeitzonen"' in page and "Keine Zeitzone passt." in page and "jetzt %(time)s" in page
    browser = "Ihr Browser" if address_form == Coach.AddressForm.FORMAL else "dein Browser"
    assert f'data-detected="{browser}"' in page


def test_the_form_in_german(client, kind, address_form):
    start = berlin(MONDAY, 9)
    page = german(client, type_url(kind, start=start.isoformat(), tz="Europe/Berlin"))
    assert "Mindestens 30 Zeichen." in page
    assert 'data-count-words="{count} von 30 Zeichen"' in page
    assert '>Ändern<span class="visually-hidden"> die Zeit</span></a>' in page
    response = client.post(type_url(kind), form_data(start, name=""), HTTP_ACCEPT_LANGUAGE="de")
    name = "Ihr Name" if address_form == Coach.AddressForm.FORMAL else "Dein Name"
    assert f'<a href="#id_name">{name}: ' in text(response)


def test_the_current_time_in_german(client, kind, address_form):
    booking = BookingFactory(
        appointment_type=kind,
        client=ClientFactory(coach=kind.coach),
        start=berlin(MONDAY, 10),
        time_zone="Europe/Berlin",
        language="de",
    )
    page = text(client.get(f"/b/{booking.token}/reschedule/", {"day": MONDAY.isoformat(), "tz": "Europe/Berlin"}))
    current = "Ihr bisheriger Termin" if address_form == Coach.AddressForm.FORMAL else "dein bisheriger Termin"
    assert f"10:00 <small>{current}</small>" in page
