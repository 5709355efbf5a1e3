"""The booking form helps before it refuses (scheduler/forms/booking.py): the message's minimum
and why up front with the live count's words, the browser's format checks that never refuse
what the server accepts, and the summary of the server's errors with links to the fields."""

import html
import re
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError

from scheduler.forms.booking import PHONE_PATTERN, THREEMA_PATTERN, BookingForm
from scheduler.validators import normalize_phone, normalize_threema_id
from tests.scheduler.pages import MONDAY, berlin, form_data, text, type_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def browser_accepts(pattern: str, value: str) -> bool:
    """An <input pattern> matches the whole value (the browser anchors it; empty is not checked)."""
    return value == "" or re.fullmatch(pattern, value) is not None


def server_accepts(check, value: str) -> bool:
    try:
        check(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", ["ABCD1234", "abcd1234", "*GATEWAY", "ABC", "ABCD12345", "AB*D1234", "ABCD-123"])
def test_the_browsers_threema_check_is_the_servers(value):
    assert browser_accepts(THREEMA_PATTERN, value) == server_accepts(normalize_threema_id, value)


@pytest.mark.parametrize(
    "value",
    ["+49 170 1234567", "0170 1234567", "+1 (212) 555-0100", "+43 1 5354000", "0049.170.1234567", "+41/44 668 18 00"],
)
def test_the_browser_never_refuses_a_phone_number_the_server_takes(value):
    assert server_accepts(normalize_phone, value)
    assert browser_accepts(PHONE_PATTERN, value)


@pytest.mark.parametrize("value", ["call me", "none", "+49"])
def test_the_browser_refuses_what_is_no_phone_number(value):
    assert not browser_accepts(PHONE_PATTERN, value)


def test_the_minimum_and_why_are_shown_up_front_with_the_counts_words(kind):
    kind.coach.minimum_message_length = 40
    form = BookingForm(appointment_type=kind)
    help_text = str(form.fields["message"].help_text)
    assert help_text.startswith("Requests without a personal text are not answered")
    assert help_text.endswith("At least 40 characters.")
    attrs = form.fields["message"].widget.attrs
    assert attrs["minlength"] == 40 and attrs["data-count-words"] == "{count} of 40 characters"
    kind.coach.minimum_message_length = 1
    form = BookingForm(appointment_type=kind)
    assert str(form.fields["message"].help_text).endswith("At least 1 character.")


def test_contact_fields_carry_their_format_and_the_servers_message(client, kind):
    page = client.get(type_url(kind, start=berlin(MONDAY, 9).isoformat(), tz="Europe/Berlin")).content.decode()
    threema = re.search(r'<input[^>]*name="threema_id"[^>]*>', page).group(0)
    assert f'pattern="{html.escape(THREEMA_PATTERN)}"' in threema and 'inputmode="text"' in threema
    assert "A Threema ID has exactly 8 characters" in html.unescape(threema)
    phone = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    assert 'inputmode="tel"' in phone and "pattern=" in phone
    assert "Please include the country code" in html.unescape(phone)
    assert 'id="id_message_count" aria-live="polite" data-count-for="id_message" hidden' in page


def test_after_a_refusal_the_summary_links_each_error_to_its_field_and_the_url_keeps_time_and_zone(client, kind):
    start = berlin(MONDAY, 9)
    action = type_url(kind, start=start.isoformat(), tz="Europe/Berlin")
    response = client.post(action, form_data(start, message="Too short", channel="threema", threema_id="x", name=""))
    assert response.status_code == 200  # the page again, with its errors
    page = text(response)
    summary = re.search(
        r'<div class="alert error error-summary" id="error-summary" role="alert" tabindex="-1".*?</div>', page, re.S
    )
    assert summary, "the summary is there, focusable by the script"
    assert re.findall(r'<a href="#([^"]+)">', summary.group(0)) == ["id_name", "id_message", "id_threema_id"]
    assert "Your personal message: Please write at least 30 characters" in summary.group(0)
    # It comes before the form's fields; the form posts to the address with the time and zone again.
    assert page.index('id="error-summary"') < page.index('name="name"')
    form_action = re.search(r'<form method="post" action="([^"]*)" class="booking-form">', page).group(1)
    path, _, rest = form_action.partition("?")
    query, _, anchor = rest.partition("#")
    assert (path, parse_qs(query), anchor) == (
        type_url(kind),
        {"start": [start.isoformat()], "tz": ["Europe/Berlin"]},
        "book",
    )


def test_a_taken_or_forged_time_links_to_the_times_in_the_form(client, kind):
    start = berlin(MONDAY, 9)
    response = client.post(type_url(kind), {**form_data(start), "start": "2999-99-99", "name": ""})
    page = text(response)
    assert '<a href="#start-choices">Time: ' in page and 'id="start-choices" tabindex="-1"' in page
