"""Issue 14: per-booking contact snapshots, address confirmation (double opt-in), the coach's
OpenPGP key, and the outbox's "superseded" and "may not have arrived" states."""

import uuid

from django.db import migrations, models

import scheduler.models.common

OLD_EXCLUSION_WHERE = "('requested', 'confirmed')"
NEW_EXCLUSION_WHERE = "('unconfirmed', 'requested', 'confirmed')"
EXCLUSION_SQL = """
ALTER TABLE scheduler_booking DROP CONSTRAINT booking_no_overlap;
ALTER TABLE scheduler_booking ADD CONSTRAINT booking_no_overlap
EXCLUDE USING gist (coach_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&)
WHERE (status IN {statuses})
"""


def _exclusion(statuses):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(EXCLUSION_SQL.format(statuses=statuses))

    return run


def snapshot_contacts(apps, schema_editor):
    """Existing bookings keep the details their client row holds now (the best there is)."""
    Booking = apps.get_model("scheduler", "Booking")
    for booking in Booking.objects.select_related("client").iterator():
        client = booking.client
        booking.client_name = client.name
        booking.pgp_public_key = client.pgp_public_key
        field = {"phone": "phone", "threema": "threema_id", "whatsapp": "whatsapp"}.get(booking.channel)
        if field:
            setattr(booking, field, getattr(client, field))
        booking.address_token = scheduler.models.common.new_token()
        booking.save(
            update_fields=["client_name", "pgp_public_key", "phone", "threema_id", "whatsapp", "address_token"]
        )


def new_notification_uuids(apps, schema_editor):
    Notification = apps.get_model("scheduler", "Notification")
    for notification in Notification.objects.only("pk").iterator():
        Notification.objects.filter(pk=notification.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("scheduler", "0008_booking_privacy_consent_version")]

    operations = [
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("unconfirmed", "waiting for the client's confirmation"),
                    ("requested", "requested"),
                    ("confirmed", "confirmed"),
                    ("declined", "declined"),
                    ("cancelled", "cancelled"),
                    ("expired", "expired"),
                ],
                default="confirmed",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="client_name",
            field=models.CharField(blank=True, max_length=120, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="booking",
            name="phone",
            field=models.CharField(blank=True, max_length=32, verbose_name="phone number"),
        ),
        migrations.AddField(
            model_name="booking",
            name="threema_id",
            field=models.CharField(blank=True, max_length=8, verbose_name="Threema ID"),
        ),
        migrations.AddField(
            model_name="booking",
            name="whatsapp",
            field=models.CharField(blank=True, max_length=32, verbose_name="WhatsApp number"),
        ),
        migrations.AddField(
            model_name="booking",
            name="pgp_public_key",
            field=models.TextField(blank=True, verbose_name="OpenPGP public key"),
        ),
        # Unique only after every row has its own token.
        migrations.AddField(
            model_name="booking",
            name="address_token",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="booking",
            name="address_confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="address confirmed"),
        ),
        migrations.AddField(
            model_name="booking",
            name="hold_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="held until"),
        ),
        migrations.RunPython(snapshot_contacts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="booking",
            name="address_token",
            field=models.CharField(
                default=scheduler.models.common.new_token, editable=False, max_length=64, unique=True
            ),
        ),
        migrations.RunPython(_exclusion(NEW_EXCLUSION_WHERE), _exclusion(OLD_EXCLUSION_WHERE)),
        migrations.AddField(
            model_name="appointmenttype",
            name="address_confirmation",
            field=models.CharField(
                choices=[
                    ("requests", "for requests (bookings that need your approval)"),
                    ("always", "for every booking"),
                    ("never", "never"),
                ],
                default="requests",
                max_length=8,
                verbose_name="the client confirms their address before the booking reaches you",
            ),
        ),
        migrations.AddField(
            model_name="coach",
            name="pgp_public_key",
            field=models.TextField(blank=True, verbose_name="your OpenPGP public key"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("request_received", "request received"),
                    ("confirmed", "confirmed"),
                    ("declined", "declined"),
                    ("reminder", "reminder"),
                    ("cancelled", "cancelled"),
                    ("rescheduled", "rescheduled"),
                    ("coach_new_booking", "coach: new booking"),
                    ("coach_request_waiting", "coach: request waiting"),
                    ("coach_delivery_failed", "coach: a message could not be delivered"),
                    ("address_confirmation", "please confirm your address"),
                    ("coach_key_unusable", "coach: the client's OpenPGP key no longer works"),
                ],
                max_length=24,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("sending", "sending"),
                    ("sent", "sent"),
                    ("failed", "failed"),
                    ("obsolete", "no longer needed"),
                    ("superseded", "overtaken by a later change"),
                    ("unknown", "may not have arrived"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(new_notification_uuids, migrations.RunPython.noop),
    ]
