"""Checks of `manage.py check --deploy`: a site whose channels only write messages to the
log loses every confirmation and booking link without anyone noticing, one that sends
Threema messages in the Gateway's basic mode lets Threema read them, one without
Redis limits and caches per process, one without FIELD_ENCRYPTION_KEY cannot connect
coaches' CalDAV calendars (production) or ties their passwords to SECRET_KEY, and one that
lets calendar addresses reach private networks can be made to look into its own. A key
that is not a Fernet key is an error of every check: connecting a calendar would fail."""

from django.conf import settings
from django.core import checks

# Django's e-mail backends that keep messages on the machine.
LOCAL_EMAIL_BACKENDS = {
    f"django.core.mail.backends.{name}.EmailBackend" for name in ("console", "filebased", "locmem", "dummy")
}


@checks.register("sprechzeit", deploy=True)
def channels_send(app_configs, **kwargs) -> list[checks.CheckMessage]:
    warnings = []
    if settings.EMAIL_BACKEND in LOCAL_EMAIL_BACKENDS:
        warnings.append(
            checks.Warning(
                "E-mails are written to the log or a file, not sent: clients get no confirmations, "
                "no booking links and no login codes.",
                hint="Set EMAIL_URL (or EMAIL_HOST and the other EMAIL_* settings).",
                id="sprechzeit.W001",
            )
        )
    for channel, credentials, warning_id in (
        ("threema", "THREEMA_GATEWAY_ID and THREEMA_GATEWAY_SECRET", "sprechzeit.W002"),
        ("whatsapp", "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID", "sprechzeit.W003"),
    ):
        if settings.CHANNEL_BACKENDS[channel].endswith(".ConsoleBackend"):
            warnings.append(
                checks.Warning(
                    f"Messages on the {channel} channel are written to the log, not sent.",
                    hint=f"Set {credentials}, or let no coach offer this channel and silence {warning_id}.",
                    id=warning_id,
                )
            )
    return warnings


@checks.register("sprechzeit", deploy=True)
def threema_end_to_end(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The Gateway's basic mode works, but Threema's server reads every message: the pages
    then say so to clients (phrases.THREEMA_PRIVACY_NOTES), and the operator hears it here."""
    from .phrases import threema_mode

    if threema_mode() != "basic":
        return []
    return [
        checks.Warning(
            "Threema messages go through the Gateway in basic mode: Threema's server can read their text, "
            "and the booking pages tell clients so instead of calling Threema end-to-end encrypted.",
            hint="Set THREEMA_PRIVATE_KEY (the Gateway ID's private key) for end-to-end mode.",
            id="sprechzeit.W005",
        )
    ]


@checks.register("sprechzeit", deploy=True)
def cache_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.REDIS_URL:
        return []
    return [
        checks.Warning(
            "Without Redis, the cache (kept answers, rate limits) is files and the broker a folder "
            "on this machine: web and worker processes cannot run on other machines.",
            hint="Set REDIS_URL.",
            id="sprechzeit.W004",
        )
    ]


@checks.register("sprechzeit")
def field_encryption_key_valid(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from . import field_encryption

    if not any(key.strip() for key in settings.FIELD_ENCRYPTION_KEY):
        return []  # the deploy check below tells of a missing key
    problem = field_encryption.configuration_problem()
    if not problem:
        return []
    return [
        checks.Error(
            problem,
            hint="Make a key with Fernet.generate_key() (README: Connecting a CalDAV calendar).",
            id="sprechzeit.E001",
        )
    ]


@checks.register("sprechzeit", deploy=True)
def field_encryption_key_set(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if any(key.strip() for key in settings.FIELD_ENCRYPTION_KEY):
        return []
    if settings.PRODUCTION:
        message = "FIELD_ENCRYPTION_KEY is not set: coaches cannot connect a CalDAV calendar."
    else:
        message = (
            "FIELD_ENCRYPTION_KEY is not set: calendar passwords are encrypted with a key derived from "
            "SECRET_KEY, and a new SECRET_KEY makes them unreadable."
        )
    return [
        checks.Warning(
            message,
            hint="Set FIELD_ENCRYPTION_KEY to a key made with Fernet.generate_key() (README: Key rotation).",
            id="sprechzeit.W006",
        )
    ]


@checks.register("sprechzeit", deploy=True)
def calendar_addresses_public(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The server fetches the addresses coaches give (ICS feeds, CalDAV calendars):
    allowing private ones lets a coach's address reach into the server's own network."""
    if not settings.CALENDAR_IMPORT_ALLOW_PRIVATE:
        return []
    return [
        checks.Warning(
            "CALENDAR_IMPORT_ALLOW_PRIVATE is on: a calendar address a coach gives may reach loopback and "
            "private addresses of this server's network.",
            hint="Turn it off (it is meant for tests with a local server).",
            id="sprechzeit.W007",
        )
    ]
