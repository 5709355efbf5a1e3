"""The coach's form for an appointment type: every rule of the slot engine in units a
coach thinks in (minutes, hours, days). The rules themselves are checked by the model
through `services.appointment_types`; the form checks only numbers and formats."""

import dataclasses
from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import AppointmentType, Coach
from ..models.common import Channel
from ..phrases import CHANNEL_LABELS_FOR_COACH
from ..services.appointment_types import AppointmentTypeData

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Reminders offered as checkboxes, in minutes before the appointment.
COMMON_REMINDERS = (7 * 24 * 60, 2 * 24 * 60, 24 * 60, 3 * 60, 60, 15)


class DurationInUnitsField(forms.IntegerField):
    """A duration typed as a whole number of `unit`s (minutes, hours or days)."""

    def __init__(self, *, unit: timedelta, **kwargs):
        self.unit = unit
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return value // self.unit
        return value

    def clean(self, value):
        number = super().clean(value)
        return None if number is None else number * self.unit


def reminder_label(minutes: int) -> str:
    if minutes % (7 * 24 * 60) == 0:
        weeks = minutes // (7 * 24 * 60)
        return ngettext("%(count)s week before", "%(count)s weeks before", weeks) % {"count": weeks}
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)s day before", "%(count)s days before", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour before", "%(count)s hours before", hours) % {"count": hours}
    return ngettext("%(count)s minute before", "%(count)s minutes before", minutes) % {"count": minutes}


def _cap_field(*, label, max_value: int, help_text) -> forms.IntegerField:
    """At most so many bookings of the type in a period; empty for no limit."""
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=max_value, help_text=help_text)


class AppointmentTypeForm(forms.Form):
    # Name and description in German (every reader's fallback) and English; the template
    # groups each pair under a legend.
    name = forms.CharField(
        label=_("German (also shown when there is no English)"),
        max_length=120,
        help_text=_("Clients see it, e.g. “First talk”."),
        widget=forms.TextInput(attrs={"lang": "de"}),
    )
    name_en = forms.CharField(
        label=_("English"), max_length=120, required=False, widget=forms.TextInput(attrs={"lang": "en"})
    )
    listed = forms.BooleanField(
        label=_("Show on your public page"),
        required=False,
        help_text=_(
            "Untick it for a type clients can book only through a booking link you give them, e.g. for follow-up "
            "sessions."
        ),
    )
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        required=False,
        help_text=_("The end of the type's web address. Leave it empty to make it from the name."),
        error_messages={"invalid": _("Use only letters, digits and hyphens, e.g. first-talk.")},
    )
    description = forms.CharField(
        label=_("German (also shown when there is no English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "de"}),
        max_length=2000,
    )
    description_en = forms.CharField(
        label=_("English"), required=False, widget=forms.Textarea(attrs={"rows": 3, "lang": "en"}), max_length=2000
    )
    duration = DurationInUnitsField(unit=MINUTE, label=_("Duration (minutes)"), min_value=5, max_value=24 * 60)
    slot_step = DurationInUnitsField(
        unit=MINUTE,
        label=_("Offer a start time every (minutes)"),
        min_value=5,
        max_value=24 * 60,
        help_text=_("15 offers 9:00, 9:15, 9:30, …"),
    )
    buffer_before = DurationInUnitsField(
        unit=MINUTE, label=_("Free time before (minutes)"), max_value=24 * 60, help_text=_("To prepare.")
    )
    buffer_after = DurationInUnitsField(
        unit=MINUTE, label=_("Free time after (minutes)"), max_value=24 * 60, help_text=_("To take notes or rest.")
    )
    minimum_notice = DurationInUnitsField(
        unit=HOUR,
        label=_("Book at least this long ahead (hours)"),
        max_value=365 * 24,
        help_text=_("0 lets clients book the next free time."),
    )
    horizon = DurationInUnitsField(
        unit=DAY, label=_("Bookable up to this far ahead (days)"), min_value=1, max_value=2 * 365
    )
    daily_cap = _cap_field(
        label=_("At most per day"),
        max_value=100,
        help_text=_("Bookings of this type on one day. Leave empty for no limit."),
    )
    weekly_cap = _cap_field(
        label=_("At most per week"),
        max_value=500,
        help_text=_("Bookings of this type in one week (Monday to Sunday). Leave empty for no limit."),
    )
    change_notice = DurationInUnitsField(
        unit=HOUR,
        label=_("Clients may cancel or move online until (hours before)"),
        required=False,
        max_value=30 * 24,
        help_text=_(
            "Later, the booking's page no longer offers it and says how and when clients can reach you instead. "
            "You can always cancel or move a booking yourself. Leave empty to allow it until the appointment begins."
        ),
    )
    open_bookings_limit = _cap_field(
        label=_("Open bookings per client"),
        max_value=100,
        help_text=_(
            "How many future bookings of this type one client (by e-mail address) may hold at a time. Leave empty "
            "for no limit. You can always book more for a client yourself."
        ),
    )
    approval = forms.ChoiceField(
        label=_("Your approval needed"), choices=AppointmentType.Approval.choices, widget=forms.RadioSelect
    )
    answer_lead = DurationInUnitsField(
        unit=HOUR,
        label=_("Answer requests at least this long before the appointment (hours)"),
        max_value=30 * 24,
        help_text=_(
            "Requests are answered by the end of your first reply window that ends at least this long before the "
            "appointment. A time with no such window is not offered for requests."
        ),
    )
    address_confirmation = forms.ChoiceField(
        label=_("The client confirms their address first"),
        choices=AppointmentType.AddressConfirmation.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A link goes to the e-mail address, Threema ID or WhatsApp number the client gave. Until they follow "
            "it, the time is held for them and you do not see the booking: nobody can book in someone else's name."
        ),
    )
    allowed_channels = forms.MultipleChoiceField(
        label=_("Ways to talk"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The ways you offer (in your settings)."),
        error_messages={"required": _("Choose at least one way to talk.")},
    )
    location = forms.CharField(
        label=_("Address for meeting in person"),
        required=False,
        max_length=AppointmentType._meta.get_field("location").max_length,
        help_text=_(
            "Needed when clients may choose to meet you in person: street, number, postcode and town, e.g. "
            "“Musterstraße 1, 10115 Berlin”. They see it with a map link (OpenStreetMap)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    reminders = forms.TypedMultipleChoiceField(
        label=_("Remind the client"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Through the channel the client chose. None ticked: no reminders."),
    )

    def __init__(self, *args, coach: Coach, instance: AppointmentType | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.base_fields})
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["allowed_channels"].choices = [(value, CHANNEL_LABELS_FOR_COACH[value]) for value in coach.channels]
        # The address only where meeting in person can be chosen, or where one was given before.
        if Channel.IN_PERSON not in coach.channels and not (instance and instance.location):
            del self.fields["location"]
        if instance is None:
            self.initial.setdefault("allowed_channels", list(coach.channels))
            for name in (
                "approval",
                "address_confirmation",
                "minimum_notice",
                "horizon",
                "slot_step",
                "buffer_before",
                "buffer_after",
                "answer_lead",
                "listed",
            ):
                self.initial.setdefault(name, AppointmentType._meta.get_field(name).get_default())
            self.initial.setdefault("reminders", AppointmentType._meta.get_field("reminders").get_default())
        # A reminder set elsewhere (e.g. 90 minutes) stays a choice, so saving keeps it.
        reminders = set(COMMON_REMINDERS) | set(instance.reminders if instance else [])
        self.fields["reminders"].choices = [(m, reminder_label(m)) for m in sorted(reminders, reverse=True)]

    def type_data(self) -> AppointmentTypeData:
        """The cleaned form as the service takes it: the fields are named as the type's."""
        data = {"location": "", **self.cleaned_data}  # no address field: none to meet at
        values = {field.name: data[field.name] for field in dataclasses.fields(AppointmentTypeData)}
        values.update(slug=data["slug"].lower(), reminders=sorted(set(data["reminders"]), reverse=True))
        return AppointmentTypeData(**values)
