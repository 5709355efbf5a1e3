"""Every page of the site by URL name, with who is signed in and how to reach it in the
security tests' world (tests/security/world.py); the CSP and bad-input tests walk them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.models import Booking
from scheduler.services.booking_links import booking_link_create
from scheduler.views.embed import booked_url
from tests.security.world import PASSWORD


def offered_start(world) -> str:
    """09:00 a week ahead in Anna's zone: inside her hours, free, and bookable."""
    day = date.today() + timedelta(days=7)
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(world.anna.coach.time_zone)).isoformat()


def anna_link(world, *, any_type: bool = False):
    """A booking link of Anna's: to her type, or (any_type) to each of her listed ones."""
    return booking_link_create(
        coach=world.anna.coach, appointment_type=None if any_type else world.anna.appointment_type
    )


def unconfirmed_booking_confirm_url(world) -> str:
    """The address-confirmation page shows its button only while the booking waits for it."""
    booking = world.kim.booking
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.UNCONFIRMED)
    return f"/b/{booking.token}/confirm/{booking.address_token}/"


# The pages another website may show in a frame (scheduler/framing.py); all others refuse.
FRAMEABLE = {"scheduler:coach", "scheduler:privacy", "scheduler:type", "scheduler:type_booked"}

# URL name → (who is signed in, the page's address). "anna" is a coach, "kim" a client.
PAGES = {
    "scheduler:home": (None, lambda w: "/"),
    "scheduler:coach": (None, lambda w: f"/{w.anna.coach.slug}/"),
    "scheduler:privacy": (None, lambda w: f"/{w.anna.coach.slug}/privacy/"),
    "scheduler:type": (
        None,
        lambda w: f"/anna/{w.anna.appointment_type.slug}/?start={offered_start(w)}&tz=Europe/Berlin",
    ),
    "scheduler:type_booked": (None, lambda w: booked_url(w.kim.booking)),
    "scheduler:booking": (None, lambda w: f"/b/{w.kim.booking.token}/"),
    "scheduler:booking_reschedule": (None, lambda w: f"/b/{w.kim.booking.token}/reschedule/"),
    "scheduler:booking_address_confirm": (None, lambda w: unconfirmed_booking_confirm_url(w)),
    "scheduler:link": (None, lambda w: f"/l/{anna_link(w).token}/?start={offered_start(w)}&tz=Europe/Berlin"),
    "scheduler:link_type": (
        None,
        lambda w: (
            f"/l/{anna_link(w, any_type=True).token}/{w.anna.appointment_type.slug}/"
            f"?start={offered_start(w)}&tz=Europe/Berlin"
        ),
    ),
    "coach:dashboard": ("anna", lambda w: "/coach/"),
    "coach:links": ("anna", lambda w: "/coach/links/"),
    "coach:api_tokens": ("anna", lambda w: "/coach/api-tokens/"),
    "coach:data_requests": ("anna", lambda w: "/coach/data-requests/"),
    "coach:client_book_types": ("anna", lambda w: f"/coach/clients/{w.anna.booking.uuid}/book/"),
    "coach:client_book": (
        "anna",
        lambda w: f"/coach/clients/{w.anna.booking.uuid}/book/{w.anna.appointment_type.slug}/?start={offered_start(w)}",
    ),
    "coach:client_propose": (
        "anna",
        lambda w: f"/coach/clients/{w.anna.booking.uuid}/propose/{w.anna.appointment_type.slug}/",
    ),
    "coach:bookings": ("anna", lambda w: "/coach/bookings/"),
    "coach:messages": ("anna", lambda w: "/coach/messages/"),
    "coach:availability_replies": ("anna", lambda w: "/coach/availability/replies/"),
    "coach:availability_reply_edit": ("anna", lambda w: f"/coach/availability/replies/{w.anna.reply_window.pk}/"),
    "coach:booking": ("anna", lambda w: f"/coach/bookings/{w.anna.booking.uuid}/"),
    "coach:booking_reschedule": ("anna", lambda w: f"/coach/bookings/{w.anna.booking.uuid}/reschedule/"),
    "coach:availability": ("anna", lambda w: "/coach/availability/"),
    "coach:availability_overrides": ("anna", lambda w: "/coach/availability/dates/"),
    "coach:availability_blocked": ("anna", lambda w: "/coach/availability/blocked/"),
    "coach:availability_blocked_create": ("anna", lambda w: "/coach/availability/blocked/new/"),
    "coach:availability_blocked_edit": ("anna", lambda w: f"/coach/availability/blocked/{w.anna.blocked_period.pk}/"),
    "coach:availability_preview": ("anna", lambda w: "/coach/availability/preview/"),
    "coach:types": ("anna", lambda w: "/coach/types/"),
    "coach:type_create": ("anna", lambda w: "/coach/types/new/"),
    "coach:type_edit": ("anna", lambda w: f"/coach/types/{w.anna.appointment_type.slug}/"),
    "coach:settings": ("anna", lambda w: "/coach/settings/"),
    "accounts:me": ("kim", lambda w: "/me/"),
    "accounts:me_details": ("kim", lambda w: "/me/details/"),
    "accounts:me_delete": ("kim", lambda w: "/me/delete/"),
    "account_login": (None, lambda w: "/accounts/login/"),
    "account_signup": (None, lambda w: "/accounts/signup/"),
    "account_request_login_code": (None, lambda w: "/accounts/login/code/"),
    "account_reset_password": (None, lambda w: "/accounts/password/reset/"),
    "account_reset_password_done": (None, lambda w: "/accounts/password/reset/done/"),
    "account_reset_password_from_key": (None, lambda w: "/accounts/password/reset/key/1-wrong-key/"),
    "account_reset_password_from_key_done": (None, lambda w: "/accounts/password/reset/key/done/"),
    "account_inactive": (None, lambda w: "/accounts/inactive/"),
    "account_logout": ("kim", lambda w: "/accounts/logout/"),
    "account_email": ("kim", lambda w: "/accounts/email/"),
    "account_set_password": ("kim", lambda w: "/accounts/password/set/"),
    "account_change_password": ("anna", lambda w: "/accounts/password/change/"),
    "account_reauthenticate": ("anna", lambda w: "/accounts/reauthenticate/"),
    "mfa_index": ("anna", lambda w: "/accounts/2fa/"),
    "mfa_activate_totp": ("anna", lambda w: "/accounts/2fa/totp/activate/"),
    "mfa_list_webauthn": ("anna", lambda w: "/accounts/2fa/webauthn/"),
    "mfa_add_webauthn": ("anna", lambda w: "/accounts/2fa/webauthn/add/"),
    "api:openapi-view": (None, lambda w: "/api/docs"),
    "admin:index": ("staff", lambda w: "/admin/"),
    "admin:scheduler_booking_changelist": ("staff", lambda w: "/admin/scheduler/booking/"),
    "admin:scheduler_booking_change": ("staff", lambda w: f"/admin/scheduler/booking/{w.anna.booking.pk}/change/"),
}


def get_reauthenticated(client, address):
    """GET a page; where allauth first asks for the password again, give it."""
    response = client.get(address, headers={"accept-language": "en"})
    if response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/"):
        assert client.post(response.url, {"password": PASSWORD}).status_code == 302
        response = client.get(address, headers={"accept-language": "en"})
    return response
