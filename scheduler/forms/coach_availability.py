"""Forms of the coach's availability editor. Times are wall-clock times in the coach's
zone (the workspace activates it); the rules are those of `services/coach_availability.py`."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import ReplyWindow, WeeklyHours
from ..models.coach_availability import REPLY_CHANNELS
from ..models.common import Channel, Weekday
from ..phrases import CHANNEL_LABELS_FOR_COACH
from ..services.coach_availability import HoursWindow, weekly_hours_overlapping
from ..timebounds import validate_in_bounds


def _time_field(label, *, required_message=None) -> forms.TimeField:
    """A time input; optional unless `required_message` says what to give."""
    return forms.TimeField(
        label=label,
        required=required_message is not None,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Give a time like 09:30."), "required": required_message},
    )


def _date_field(label, *, required_message=None, help_text="") -> forms.DateField:
    """A date input; optional unless `required_message` says what to give."""
    return forms.DateField(
        label=label,
        required=required_message is not None,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date like 2026-03-31."), "required": required_message},
        validators=[validate_in_bounds],  # year 1 or 9999 would overflow a step later
    )


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Give a date and time like 2026-03-31 14:00.")},
        validators=[validate_in_bounds],
    )


class _IdsChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no integer column holds before asking the database (which fails on them)."""

    def _check_values(self, value):
        if any(not str(pk).isdigit() or len(str(pk)) > 18 for pk in value):
            raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": ""})
        return super()._check_values(value)


class WeeklyHoursForm(forms.Form):
    """One window of the weekly hours; the formset holds them all."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        choices=[("", "—"), *Weekday.choices],
        error_messages={"required": _("Choose a day.")},
    )
    start = _time_field(_("From"), required_message=_("Give the start time."))
    end = _time_field(_("Until"), required_message=_("Give the end time."))
    appointment_types = _IdsChoiceField(
        label=_("Only for"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose among your own appointment types."),
            "invalid_pk_value": _("Choose among your own appointment types."),
        },
    )

    def __init__(self, *args, appointment_types, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["appointment_types"].queryset = appointment_types

    def clean(self):
        return _times_checked(self, super().clean())

    def window(self) -> HoursWindow:
        data = self.cleaned_data
        return HoursWindow(
            weekday=data["weekday"],
            start=data["start"],
            end=data["end"],
            appointment_types=frozenset(data["appointment_types"]),
        )


class BaseWeeklyHoursFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this window")

    def _forms_kept(self) -> list[WeeklyHoursForm]:
        """Filled-in rows without errors that are not marked for removal (empty extra rows are skipped)."""
        return [
            form for form in self.forms if not form.errors and form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self):
        # Rows with errors of their own are left out; their overlaps show once they are fixed.
        forms_kept = self._forms_kept()
        windows = [form.window() for form in forms_kept]
        for i, j in weekly_hours_overlapping(windows):
            other = windows[i]
            forms_kept[j].add_error(
                "start",
                _("This overlaps your window %(day)s %(start)s–%(end)s.")
                % {
                    "day": Weekday(other.weekday).label,
                    "start": time_format(other.start, "H:i"),
                    "end": time_format(other.end, "H:i"),
                },
            )

    def windows(self) -> list[HoursWindow]:
        """The windows to keep, from a valid formset."""
        return [form.window() for form in self._forms_kept()]


WeeklyHoursFormSet = forms.formset_factory(WeeklyHoursForm, formset=BaseWeeklyHoursFormSet, extra=3, can_delete=True)


# A reply window is about messages: on the phone channel the coach calls the client, but
# for a window "Phone" says enough.
REPLY_CHANNEL_LABELS = {**CHANNEL_LABELS_FOR_COACH, Channel.PHONE: pgettext_lazy("a way to talk", "Phone")}


def _times_checked(form: forms.Form, data: dict) -> dict:
    """A weekly window's times as the model checks them (WeeklyWindow.clean: the end after
    the start), the error on the form as a whole."""
    start, end = data.get("start"), data.get("end")
    if start and end:
        try:
            WeeklyHours(start=start, end=end).clean()
        except ValidationError as exc:
            form.add_error(None, exc)
    return data


class ReplyWindowForm(forms.Form):
    """One reply window: a weekday and times in the coach's zone, optionally only for some
    of the coach's channels (none ticked: every channel)."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        choices=[("", "—"), *Weekday.choices],
        error_messages={"required": _("Choose a day.")},
    )
    start = _time_field(_("From"), required_message=_("Give the start time."))
    end = _time_field(_("Until"), required_message=_("Give the end time."))
    channels = forms.MultipleChoiceField(
        label=_("Only for messages by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every way to talk."),
        error_messages={"invalid_choice": _("Choose among the ways to talk you offer (in your settings).")},
    )

    def __init__(self, *args, coach, window: ReplyWindow | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        if window is not None:
            kwargs.setdefault(
                "initial",
                {"weekday": window.weekday, "start": window.start, "end": window.end, "channels": window.channels},
            )
        super().__init__(*args, **kwargs)
        # A channel the coach stopped offering stays visible on its window, so saving never
        # drops it silently: the service refuses it until it is unticked.
        offered = (set(coach.channels) & set(REPLY_CHANNELS)) | set(window.channels if window else [])
        self.fields["channels"].choices = [
            (value, REPLY_CHANNEL_LABELS[value]) for value in Channel.values if value in offered
        ]

    def clean(self):
        return _times_checked(self, super().clean())

    def window_values(self) -> dict:
        """The fields for reply_window_create/update (services/coach_availability.py)."""
        data = self.cleaned_data
        return {"weekday": data["weekday"], "start": data["start"], "end": data["end"], "channels": data["channels"]}


class DateOverrideForm(forms.Form):
    date = _date_field(_("Date"), required_message=_("Choose a date."))
    closed = forms.BooleanField(label=_("Closed all day"), required=False)
    start = _time_field(_("From"))
    end = _time_field(_("Until"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("closed"):
            if start or end:
                self.add_error("start", _("Leave the times empty to close the day, or untick “Closed all day”."))
            return data
        if "start" not in self.errors and start is None:
            self.add_error("start", _("Give the start time, or tick “Closed all day”."))
        if "end" not in self.errors and end is None:
            self.add_error("end", _("Give the end time, or tick “Closed all day”."))
        return data


class PeriodKind(models.TextChoices):
    DAYS = "days", _("whole days")
    TIMES = "times", _("between two times")


class BlockedPeriodForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For you and your calendar feed, e.g. “3-day seminar in Hamburg”; clients never see it."),
        error_messages={"required": _("Give the period a title.")},
    )
    kind = forms.ChoiceField(
        label=_("Blocked"),
        choices=PeriodKind,
        initial=PeriodKind.DAYS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whole days or times.")},
    )
    public_note = forms.CharField(
        label=_("German (also shown when there is no English)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"lang": "de"}),
        help_text=_(
            "Clients see it on your booking page and in answers while you are away, e.g. “Seminar in Wien”. "
            "Without a note they read “away”; the title stays private."
        ),
    )
    public_note_en = forms.CharField(
        label=_("English"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"lang": "en"}),
        help_text=_("e.g. “Seminar in Vienna”"),
    )
    first_day = _date_field(_("First day"))
    last_day = _date_field(_("Last day"), help_text=_("Leave it empty for a single day."))
    start = _datetime_field(_("From"))
    end = _datetime_field(_("Until"))
    cancel_note = forms.CharField(
        label=_("Note to your clients (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Sent with the cancellation, e.g. why and how to book another time."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, period=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        if period is not None:
            kwargs["initial"] = {
                "title": period.title,
                "public_note": period.public_note,
                "public_note_en": period.public_note_en,
                "kind": PeriodKind.DAYS if period.all_day else PeriodKind.TIMES,
                "first_day": period.first_day,
                "last_day": period.last_day,
                "start": period.start,
                "end": period.end,
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("kind") == PeriodKind.TIMES:
            required = {"start": _("Give the start."), "end": _("Give the end.")}
        else:
            required = {"first_day": _("Give the first day.")}
            if data.get("last_day") is None and "last_day" not in self.errors:
                data["last_day"] = data.get("first_day")
        for name, message in required.items():
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        return data

    def period_values(self) -> dict:
        """The period's fields for `blocked_period_save` (services/coach_availability.py): days or times, never both."""
        data = self.cleaned_data
        words = {"title": data["title"], "public_note": data["public_note"], "public_note_en": data["public_note_en"]}
        if data["kind"] == PeriodKind.TIMES:
            return {**words, "start": data["start"], "end": data["end"]}
        return {**words, "first_day": data["first_day"], "last_day": data["last_day"]}

    def decision(self) -> str | None:
        """The coach's choice about the bookings shown: "keep", "cancel", or None before choosing."""
        value = self.data.get("decision")
        return value if value in ("keep", "cancel") else None

    def decided(self) -> list[int]:
        """Ids of the bookings the coach was shown and decided about (hidden inputs)."""
        return [int(value) for value in self.data.getlist("decided") if value.isdecimal()]
