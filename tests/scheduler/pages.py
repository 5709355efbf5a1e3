"""Reading the app's pages and filling in its forms, for the tests of the public booking
pages, the coach's workspace and the services behind them."""

import html
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from tests.helpers import BERLIN

TODAY = date.today()
# A Monday at least a week ahead, so minimum notice and "now" never interfere.
MONDAY = TODAY + timedelta(days=14 - TODAY.weekday())
MESSAGE = "Ich möchte über meine berufliche Neuorientierung sprechen und wie ich anfange."


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def text(response) -> str:
    return html.unescape(response.content.decode())


def error_at(response, field: str) -> str:
    """The text of the error list rendered at one field (Django's id_<field>_error list)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def input_value(response, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def type_url(kind, **params) -> str:
    """The public page of an appointment type."""
    url = f"/{kind.coach.slug}/{kind.slug}/"
    return url + "?" + urlencode(params) if params else url


def form_data(start: datetime, **overrides) -> dict:
    """The booking form as a client fills it in (a value of None leaves the field out)."""
    data = {
        "start": start.isoformat(),
        "tz": "Europe/Berlin",
        "name": "Erika Mustermann",
        "email": "erika@example.org",
        "channel": "threema",
        "phone": "",
        "threema_id": "ABCD1234",
        "whatsapp": "",
        "pgp_public_key": "",
        "message": MESSAGE,
        "language": "en",
        "privacy_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def profile_data(coach, **overrides) -> dict:
    """The coach's profile form (/coach/settings/) as the page offers it."""
    data = {
        "display_name": coach.display_name,
        "slug": coach.slug,
        "time_zone": coach.time_zone,
        "language": coach.language,
        "address_form": coach.address_form,
        "policy": coach.policy,
        "policy_en": coach.policy_en,
        "reply_note": coach.reply_note,
        "reply_note_en": coach.reply_note_en,
        "minimum_message_length": str(coach.minimum_message_length),
        "contact_answer_days": str(coach.contact_answer_days),
        "retention_months": str(coach.retention_months),
        "daily_cap": "" if coach.daily_cap is None else str(coach.daily_cap),
        "weekly_cap": "" if coach.weekly_cap is None else str(coach.weekly_cap),
    }
    data.update(overrides)
    return data


def type_data(**overrides) -> dict:
    """The form of an appointment type (/coach/types/…), filled in (None leaves a field out)."""
    data = {
        "name": "Erstgespräch",
        "name_en": "First talk",
        "slug": "",
        "description": "Wir lernen uns kennen.",
        "description_en": "We get to know each other.",
        "duration": "45",
        "slot_step": "15",
        "buffer_before": "5",
        "buffer_after": "10",
        "minimum_notice": "24",
        "horizon": "90",
        "daily_cap": "3",
        "weekly_cap": "10",
        "approval": "new_clients",
        "answer_lead": "12",
        "address_confirmation": "requests",
        "allowed_channels": ["email", "threema"],
        "reminders": ["1440", "60"],
        "listed": "on",  # ticked, as the form starts
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
