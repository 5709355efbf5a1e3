"""Follow-ups for an existing client, started from one of their bookings (the booking's uuid
names the client in the URL: clients have no id of their own to show): the coach books a
session for them at a time the engine offers, or proposes up to three times that the client
picks from through their channel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ... import phrases
from ...forms.booking_links import CoachBookingForm, ProposalForm
from ...models import Booking
from ...selectors.booking_links import client_channels
from ...selectors.coach_bookings import coach_booking
from ...selectors.coaches import appointment_types_active
from ...services.booking import SlotTaken, booking_create
from ...services.booking_links import booking_link_propose, client_booking_request
from ...timebounds import parse_start
from ..shared import add_service_errors, see_other
from ..slot_picker import slot_picker
from . import coach_required

BOOKED = _("You booked %(type)s for %(client)s; they are told through their channel.")
PROPOSED = _("The times are on their way to %(client)s; the link is in your booking links.")


def _source(request, booking_uuid) -> Booking:
    booking = coach_booking(coach=request.coach, booking_uuid=booking_uuid)
    if booking is None:
        raise Http404
    return booking


def _channels(source: Booking, appointment_type=None):
    """The channels the client used (most recent first) that the type offers."""
    found = client_channels(client=source.client)
    if appointment_type is None:
        return found
    return [(channel, to) for channel, to in found if channel in appointment_type.allowed_channels]


@coach_required
@require_http_methods(["GET", "HEAD"])
def client_book_types(request, booking_uuid):
    """Which type to book for the client (unlisted ones too)."""
    source = _source(request, booking_uuid)
    types = list(appointment_types_active(coach=request.coach))
    context = {"section": "bookings", "source": source, "types": types}
    return render(request, "coach/clients/book_types.html", context)


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def client_book(request, booking_uuid, type_slug):
    """The picker of the type in the coach's zone; with a time chosen, the channel and the
    coach's note; POST books it (confirmed, booked by the coach)."""
    source = _source(request, booking_uuid)
    appointment_type = get_object_or_404(appointment_types_active(coach=request.coach), slug=type_slug)
    zone = request.coach.zone
    channels = _channels(source, appointment_type)
    params = request.POST if request.method == "POST" else request.GET
    start = parse_start(params.get("start"))
    form = CoachBookingForm(request.POST or None, channels=channels, initial={"start": params.get("start", "")})
    status, errors = 200, []
    if request.method == "POST" and form.is_valid():
        booking_request = client_booking_request(
            client=source.client,
            channel=form.cleaned_data["channel"],
            start=start,
            message=form.cleaned_data["message"],
            # The client agreed to the notice with their own bookings; the coach books in that relationship.
            privacy_consent=True,
        )
        try:
            booking = booking_create(appointment_type=appointment_type, request=booking_request, by_coach=True)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        except SlotTaken:
            errors, status = [phrases.SLOT_TAKEN_MOVE], 409
        else:
            messages.success(request, BOOKED % {"type": appointment_type.name, "client": booking.client_name})
            return see_other(reverse("coach:booking", kwargs={"booking_uuid": booking.uuid}))
    elif request.method == "POST":
        status = 400
    picker = slot_picker(appointment_type=appointment_type, zone=zone, params=params, start=start, now=timezone.now())
    chosen = start if picker["start_offered"] else None
    if start and not chosen and not errors and status == 200:
        errors = [phrases.SLOT_GONE]
    context = {
        "section": "bookings",
        "source": source,
        "appointment_type": appointment_type,
        "zone": zone,
        "picker": picker,
        "start": chosen,
        "end": chosen + appointment_type.duration if chosen else None,
        "form": form,
        "channels": channels,
        "errors": errors,
    }
    return render(request, "coach/clients/book.html", context, status=status)


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def client_propose(request, booking_uuid, type_slug):
    """Up to three times of the type, in the coach's zone, sent to the client through one of
    their channels with a single-use link to pick one."""
    source = _source(request, booking_uuid)
    appointment_type = get_object_or_404(appointment_types_active(coach=request.coach), slug=type_slug)
    channels = _channels(source, appointment_type)
    form = ProposalForm(request.POST or None, channels=channels, zone=request.coach.zone)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                booking_link_propose(
                    coach=request.coach,
                    appointment_type=appointment_type,
                    client=source.client,
                    starts=form.starts(),
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _proposal_errors(form, exc)
            else:
                messages.success(request, PROPOSED % {"client": source.client_name})
                return see_other(reverse("coach:links"))
    context = {"section": "bookings", "source": source, "appointment_type": appointment_type, "form": form}
    return render(request, "coach/clients/propose.html", context, status=status)


def _proposal_errors(form, exc: ValidationError) -> None:
    # The service names the times together ("starts"): they belong at the first time's field.
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_messages in errors.items():
        form.add_error("start_1" if field == "starts" else field if field in form.fields else None, field_messages)


urlpatterns = [
    path("<uuid:booking_uuid>/book/", client_book_types, name="client_book_types"),
    path("<uuid:booking_uuid>/book/<slug:type_slug>/", client_book, name="client_book"),
    path("<uuid:booking_uuid>/propose/<slug:type_slug>/", client_propose, name="client_propose"),
]
