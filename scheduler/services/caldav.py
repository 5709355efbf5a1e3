"""The coach's CalDAV calendar: connecting it (the server checks the user name and app
password first), disconnecting it, and encrypting the stored passwords again after a new
FIELD_ENCRYPTION_KEY (README: "Key rotation").

A coach has at most one CalDAV calendar: connecting again replaces its address, user name
and password in the same row, so the outbox rows that name it (channel "caldav",
recipient = the calendar's id) stay valid. Its busy times are read (caldav_calendar_events)
and imported like an ICS feed's by services/external_calendars.py; bookings are written to
it by channels/caldav.py.

The address a coach gives may be the server's (iCloud shows no other): the calendar is
found from it, or the coach chooses among several (SeveralCalendars).

The password is encrypted before it is stored (scheduler/field_encryption.py), never put
into a form again, a log or an error message."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import caldav_client, field_encryption
from ..cache_versions import availability_changed
from ..caldav_discovery import calendars_find
from ..models import Coach, ExternalCalendar, Notification
from ..outbox.calendar_entries import CHANNEL, calendar_entries_write

logger = logging.getLogger("sprechzeit.caldav")


class SeveralCalendars(Exception):
    """The address leads to more than one calendar: the coach chooses one of `calendars`
    ((address, display name) each), and connects with its address."""

    def __init__(self, calendars: list[tuple[str, str]]):
        super().__init__(f"{len(calendars)} calendars")
        self.calendars = calendars


def caldav_calendar_connect(
    *, coach: Coach, url: str, username: str, password: str, name: str = ""
) -> ExternalCalendar:
    """Connect (or connect again) the coach's CalDAV calendar once its server accepts the
    login. `url` is the calendar's address, or the server's or account's, from which the
    calendar is found (caldav_discovery; iCloud shows only its server's). Raises, and then
    stores nothing: SeveralCalendars when the address leads to more than one; ValidationError
    in the active language, per field for an address that is not http(s), otherwise one
    message (refused login, no calendar there, server not reached, no encryption key here)."""
    if not field_encryption.key_available():
        logger.error("a CalDAV calendar cannot be connected: %s", field_encryption.configuration_problem())
        raise ValidationError(
            _(
                "Calendars cannot be connected on this site: the encryption of stored passwords is not set up. "
                "Please tell the site's operator."
            )
        )
    existing = coach.external_calendars.filter(kind=ExternalCalendar.Kind.CALDAV).first()
    calendar = existing or ExternalCalendar(coach=coach, kind=ExternalCalendar.Kind.CALDAV)
    previous_url = calendar.url
    calendar.url, calendar.username = url, username
    # The address and user name are checked before the server is asked; the name after,
    # as it may come from the server.
    calendar.full_clean(exclude=["name", "password_encrypted"])
    if not password:
        raise ValidationError({"password": _("Enter the app password.")})
    try:
        found = calendars_find(url=url, username=username, password=password)
    except caldav_client.CaldavError as exc:
        logger.info("connecting the CalDAV calendar of coach %s failed: %s", coach.pk, exc)
        raise ValidationError(str(exc)) from None
    if len(found) > 1:
        raise SeveralCalendars(found)
    # The server's address leads to the calendar's own (checked by calendars_find).
    calendar.url, display_name = found[0]
    moved = existing is not None and previous_url != calendar.url
    if name or moved or existing is None:
        calendar.name = (name or display_name or _("CalDAV calendar"))[:120]
    # else: a new password for the same calendar keeps the name it has.
    calendar.password_encrypted = field_encryption.encrypt(password)
    calendar.active = True
    calendar.last_error = ""
    with transaction.atomic():
        if moved:
            # Another calendar: its busy times and the events written to the old one are
            # no longer this calendar's, and its import starts afresh.
            calendar.busy.all().delete()
            calendar.entries.all().delete()
            calendar.etag = calendar.last_modified = ""
            calendar.parsed_at = calendar.last_success_at = calendar.last_attempt_at = None
            availability_changed(coach.pk)
        calendar.save()
        # Every booking the coach sees goes into it (again: after a changed password, the
        # writes that were refused succeed now; an unchanged event is written over).
        calendar_entries_write(calendar=calendar, now=timezone.now())
    logger.info("coach %s connected CalDAV calendar %s", coach.pk, calendar.pk)
    return calendar


def caldav_calendar_disconnect(*, calendar: ExternalCalendar) -> None:
    """Forget the calendar, its password and the busy times read from it. The events
    already written to it stay on the server: they are the coach's. Writes to it that are
    waiting or failed are no longer needed (else they would fail, and be listed, as
    "no longer connected")."""
    with transaction.atomic():
        Notification.objects.filter(
            kind=Notification.Kind.CALENDAR_ENTRY,
            channel=CHANNEL,
            recipient=str(calendar.pk),
            status__in=(Notification.Status.PENDING, Notification.Status.FAILED, Notification.Status.UNKNOWN),
        ).update(status=Notification.Status.OBSOLETE)
        calendar.delete()
        availability_changed(calendar.coach_id)
    logger.info("CalDAV calendar %s was disconnected", calendar.pk)


class CaldavReadFailed(Exception):
    """The calendar's events could not be read; the message is meant for the coach."""


def caldav_calendar_events(*, calendar: ExternalCalendar, start: datetime, end: datetime) -> list[bytes]:
    """The calendar's events between start and end (a time-range REPORT), one VCALENDAR
    each, for the import of busy times. Raises CaldavReadFailed in the active language."""
    try:
        password = field_encryption.decrypt(calendar.password_encrypted)
    except (field_encryption.DecryptionFailed, field_encryption.FieldKeyMissing) as exc:
        logger.error("the password of CalDAV calendar %s cannot be decrypted: %s", calendar.pk, exc)
        raise CaldavReadFailed(
            _("The stored password of this calendar can no longer be read. Please connect the calendar again.")
        ) from None
    try:
        return caldav_client.events_report(
            url=calendar.url, username=calendar.username, password=password, start=start, end=end
        )
    except caldav_client.CaldavError as exc:
        raise CaldavReadFailed(str(exc)) from None


def caldav_passwords_reencrypt() -> tuple[int, list[ExternalCalendar]]:
    """Encrypt every stored password again with the first key of FIELD_ENCRYPTION_KEY.
    Returns how many were encrypted again, and the calendars whose password no key opens
    (they must be connected again)."""
    done, unreadable = 0, []
    stored = ExternalCalendar.objects.exclude(password_encrypted="").select_related("coach")
    for calendar in stored.iterator():
        try:
            token = field_encryption.reencrypt(calendar.password_encrypted)
        except field_encryption.DecryptionFailed:
            unreadable.append(calendar)
            continue
        # Unless it was connected again meanwhile, which encrypted it with the first key already.
        done += ExternalCalendar.objects.filter(pk=calendar.pk, password_encrypted=calendar.password_encrypted).update(
            password_encrypted=token
        )
    return done, unreadable
