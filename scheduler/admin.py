from django.contrib import admin

from .models import AppointmentType, BlockedPeriod, Booking, Client, Coach, DateOverride, ExternalBusy, WeeklyHours


class AppointmentTypeInline(admin.TabularInline):
    model = AppointmentType
    extra = 0
    fields = ["name", "slug", "duration", "slot_step", "approval", "allowed_channels", "active", "order"]
    show_change_link = True


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


@admin.register(Coach)
class CoachAdmin(admin.ModelAdmin):
    list_display = ["display_name", "slug", "time_zone", "language", "address_form"]
    search_fields = ["display_name", "slug", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    inlines = [AppointmentTypeInline, WeeklyHoursInline]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "coach", "duration", "slot_step", "approval", "active", "order"]
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
    list_display = ["title", "coach", "first_day", "last_day", "start", "end"]
    list_filter = ["coach"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "coach", "created_at"]
    search_fields = ["name", "email"]
    list_filter = ["coach"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "appointment_type", "client", "status", "channel", "coach"]
    list_filter = ["status", "channel", "coach"]
    date_hierarchy = "start"
    raw_id_fields = ["client"]
    readonly_fields = ["uuid", "token", "sequence", "created_at", "updated_at"]


@admin.register(ExternalBusy)
class ExternalBusyAdmin(admin.ModelAdmin):
    list_display = ["coach", "start", "end", "source_uid"]
    list_filter = ["coach"]
