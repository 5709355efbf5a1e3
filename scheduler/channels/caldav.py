"""Not a message: a booking written to the coach's CalDAV calendar, as outbox work (its
retries, its failures shown to the coach). The outbox hands over a Message whose
`recipient` is the ExternalCalendar's id and `calendar` the event (outbox/send.py renders
it from the booking as it is then), or `calendar_method` "CANCEL": the event is removed.

The event's name in the calendar is the booking's public id, so every attempt, and every
later change, writes the same resource; its etag is kept in CalendarEntry. A write is safe
to repeat (caldav_client), so a lost answer is retried, never "may not have arrived"."""

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from .. import caldav_client, field_encryption
from ..models import CalendarEntry, ExternalCalendar, Notification
from .base import Backend, DeliveryError, Message

logger = logging.getLogger("sprechzeit.channels")


def entry_href(booking) -> str:
    """The event's name in the calendar: the same for every write of one booking."""
    return f"{booking.uuid}.ics"


class CaldavBackend(Backend):
    def send(self, message: Message) -> str:
        with translation.override(message.language):
            return self._send(message)

    def _send(self, message: Message) -> str:
        calendar = ExternalCalendar.objects.filter(
            pk=int(message.recipient), kind=ExternalCalendar.Kind.CALDAV, active=True
        ).first()
        if calendar is None:
            raise DeliveryError(_("The calendar is no longer connected."), permanent=True)
        booking = Notification.objects.select_related("booking").get(pk=int(message.reference)).booking
        entry = CalendarEntry.objects.filter(calendar=calendar, booking=booking).first()
        try:
            password = field_encryption.decrypt(calendar.password_encrypted)
        except (field_encryption.DecryptionFailed, field_encryption.FieldKeyMissing):
            logger.error("the password of CalDAV calendar %s cannot be decrypted", calendar.pk)
            raise DeliveryError(
                _("The stored password of this calendar can no longer be read. Please connect the calendar again."),
                permanent=True,
            ) from None
        login = {"url": calendar.url, "username": calendar.username, "password": password}
        href = entry.href if entry else entry_href(booking)
        try:
            if message.calendar_method == "CANCEL":
                # Also without an entry: an earlier write may have been stored and its answer lost.
                caldav_client.event_delete(**login, href=href, etag=entry.etag if entry else "")
                CalendarEntry.objects.filter(calendar=calendar, booking=booking).delete()
                return href
            href, etag = caldav_client.event_put(
                **login, href=href, body=message.calendar or b"", etag=entry.etag if entry else ""
            )
        except caldav_client.CaldavError as exc:
            logger.warning("CalDAV calendar %s: writing booking %s failed: %s", calendar.pk, booking.pk, exc)
            # Never "unknown": a write is safe to repeat.
            raise DeliveryError(str(exc), permanent=exc.permanent) from None
        CalendarEntry.objects.update_or_create(
            calendar=calendar, booking=booking, defaults={"href": href, "etag": etag}
        )
        return href
