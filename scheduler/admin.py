import functools

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from .models import (
    AppointmentType,
    BlockedPeriod,
    Booking,
    Client,
    Coach,
    DateOverride,
    ExternalBusy,
    ExternalCalendar,
    InboundMessage,
    Notification,
    WeeklyHours,
)
from .models.coach_availability import ReplyWindow
from .outbox.write import notification_retry
from .services.booking import booking_cancel, booking_confirm, booking_decline
from .timebounds import validate_in_bounds


class AppointmentTypeInline(admin.TabularInline):
    model = AppointmentType
    extra = 0
    fields = [
        "name",
        "name_en",
        "slug",
        "duration",
        "slot_step",
        "approval",
        "answer_lead",
        "allowed_channels",
        "active",
        "order",
    ]
    show_change_link = True


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class ReplyWindowInline(admin.TabularInline):
    """When the coach reads and answers (in the coach's zone); channels [] = every channel."""

    model = ReplyWindow
    extra = 0


@admin.register(Coach)
class CoachAdmin(admin.ModelAdmin):
    list_display = ["display_name", "slug", "time_zone", "language", "address_form"]
    search_fields = ["display_name", "slug", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    inlines = [AppointmentTypeInline, WeeklyHoursInline, ReplyWindowInline]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "coach", "duration", "slot_step", "approval", "answer_lead", "active", "order"]
    list_filter = ["active", "approval", "coach"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["coach", "weekday", "start", "end"]
    list_filter = ["coach", "weekday"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["coach", "date", "start", "end"]
    list_filter = ["coach"]
    date_hierarchy = "date"


@admin.register(BlockedPeriod)
class BlockedPeriodAdmin(admin.ModelAdmin):
    list_display = ["title", "public_note", "public_note_en", "coach", "first_day", "last_day", "start", "end"]
    list_filter = ["coach"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "coach", "created_at"]
    search_fields = ["name", "email"]
    list_filter = ["coach"]


def _apply(modeladmin, request, queryset, service, done_message):
    """Run a booking service on each selected booking; report what worked and what did not."""
    done = 0
    for booking in queryset:
        try:
            service(booking=booking)
            done += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{booking}: {' '.join(exc.messages)}", messages.WARNING)
    if done:
        modeladmin.message_user(request, done_message % {"count": done})


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "appointment_type", "client", "status", "respond_by", "channel", "coach"]
    list_filter = ["status", "channel", "coach"]
    date_hierarchy = "start"
    raw_id_fields = ["client"]
    readonly_fields = ["uuid", "token", "sequence", "created_at", "updated_at"]
    actions = ["confirm", "decline", "cancel"]
    # Year 1 or 9999 in the date fields would overflow when stored (scheduler/timebounds.py).
    formfield_overrides = {models.DateTimeField: {"validators": [validate_in_bounds]}}

    @admin.action(description=_("Confirm the selected requests"))
    def confirm(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            booking_confirm,
            ngettext_lazy("%(count)d request confirmed.", "%(count)d requests confirmed.", "count"),
        )

    @admin.action(description=_("Decline the selected requests"))
    def decline(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            booking_decline,
            ngettext_lazy("%(count)d request declined.", "%(count)d requests declined.", "count"),
        )

    @admin.action(description=_("Cancel the selected bookings"))
    def cancel(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            # The coach (or the operator on their behalf) cancels: only the client is told.
            functools.partial(booking_cancel, by_coach=True),
            ngettext_lazy("%(count)d booking cancelled.", "%(count)d bookings cancelled.", "count"),
        )


@admin.register(ExternalBusy)
class ExternalBusyAdmin(admin.ModelAdmin):
    list_display = ["coach", "start", "end", "source_uid"]
    list_filter = ["coach"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["scheduled_for", "kind", "audience", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "audience"]
    search_fields = ["recipient", "provider_message_id"]
    raw_id_fields = ["booking"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Try the selected failed messages again"))
    def retry(self, request, queryset):
        failed = queryset.filter(status=Notification.Status.FAILED)
        for notification in failed:
            notification_retry(notification=notification)
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", len(failed))
            % {"count": len(failed)},
        )

    def has_add_permission(self, request):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Read only: what people wrote is the coach's to read and delete, in the workspace."""

    list_display = ["received_at", "coach", "channel", "sender", "booking", "automatic", "read_at"]
    list_filter = ["channel", "automatic", "coach"]
    search_fields = ["sender", "provider_message_id"]
    raw_id_fields = ["booking"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "coach", "kind", "active", "last_success_at", "last_error"]
    list_filter = ["kind", "active", "coach"]
    search_fields = ["name", "url"]
    # The password is never shown, not even encrypted. A CalDAV calendar is connected by
    # its coach (or `manage.py connectcalendar`), which checks the login first: here its
    # address and login are read only, and what is added here is an ICS address.
    exclude = ["password_encrypted"]
    # Written by the import only; shown so the coach sees why a feed stopped updating.
    readonly_fields = ["kind", "last_success_at", "last_attempt_at", "last_error", "etag", "last_modified"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.kind == ExternalCalendar.Kind.CALDAV:
            fields += ["url", "username"]
        return fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            # An address typed without scheme is taken as https (Django 6's default already).
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)
