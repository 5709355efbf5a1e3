"""Sprechzeit settings.

Everything comes from the environment (a `.env` file beside manage.py is read if
present). The defaults run on one machine with nothing installed: SQLite and the
Celery broker live under `var/`, e-mail and the messaging channels print to the
console. `DJANGO_ENV=production` turns on the security settings and refuses to
start without the settings that must never have a default.
"""

import ipaddress
import logging
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL") if not env(name, default="")]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs these environment variables: {', '.join(missing)}")

# Runtime data (SQLite database, broker folders, mail files); never committed.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "csp",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "accounts",
    "scheduler",
    "coach_api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.UnstorableInputMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CoachMFARequiredMiddleware",
    "scheduler.views.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scheduler.framing.embed_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE takes the write lock when a transaction starts, so two bookings
    # for one slot are serialized instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a worker process in the tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when REDIS_URL is set ------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, one Redis client per pool
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hold requests: the callers fail soft without it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Without Redis, files under VAR_DIR: a cache that every process of this machine shares
    # (the web workers, the Celery worker), so kept answers, their versions and the rate
    # limits are the same for all of them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 4},
        }
    }
# The slots API and the booking pages keep their answers (scheduler/selectors/slots_answers.py)
# only in a cache that every process shares: with one per process, a booking made through
# one would not replace the version another one keeps its answers under. Both defaults are.
SLOTS_ANSWERS_KEPT = env.bool("SLOTS_ANSWERS_KEPT", default=True)

# --- Celery -----------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # kombu's filesystem transport: a real broker made of files, no server needed.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
    # Web and worker both write to these folders: make sure they exist.
    for folder in ("queue", "processed", "control"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Celery looks these up on every publish (one per booking); missing from Django's
# settings, each lookup raises and catches AttributeError under each of its names,
# about 0.15 ms of CPU per booking. The values are Celery's defaults.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_TASK_REPR_MAXLEVELS = 3
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = None
# A booking request must not hang when the broker is down: give up quickly, the
# outbox sweeper dispatches the message later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-requests": {"task": "scheduler.tasks.expire_requests", "schedule": 60.0},
    "sweep-notifications": {"task": "scheduler.tasks.sweep_notifications", "schedule": 60.0},
    "finish-client-erasures": {"task": "scheduler.tasks.finish_client_erasures", "schedule": 60.0},
    "import-external-calendars": {"task": "scheduler.tasks.import_external_calendars", "schedule": 15 * 60.0},
    "purge-expired-data": {"task": "scheduler.tasks.purge_expired_data", "schedule": 24 * 60 * 60.0},
}

# --- Auth and accounts (django-allauth) -------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# Coaches log in with e-mail and password (created by the operator); clients' accounts
# are optional and passwordless: they sign up with their e-mail address alone, confirm
# it with a code and sign in with a code sent to it. (An optional password1 keeps the
# password on the login form; the sign-up form drops it.)
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_FORMS = {"signup": "accounts.forms.ClientSignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# allauth's mails say the product's name, not the host (accounts/adapter.py names the site in the text).
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sprechzeit] "
# allauth's defaults for every other action (sign-up, codes, resets) stay on.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "/coach/"
# A passkey (WebAuthn) signs a coach in on its own, besides password + TOTP.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Sprechzeit"
# fido2 accepts only https origins; a development server or the tests' live server on
# http://localhost needs this. Never in production, whatever DEBUG says there.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG and not PRODUCTION
# A coach (or staff user) without TOTP is sent to its setup from every /coach/ and /admin/ page.
COACH_MFA_REQUIRED = env.bool("COACH_MFA_REQUIRED", default=PRODUCTION)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- E-mail -----------------------------------------------------------------
if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif env("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sprechzeit <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Messaging channels -----------------------------------------------------
# Each channel uses its real backend once its credentials are set, else the console.
THREEMA_GATEWAY_ID = env("THREEMA_GATEWAY_ID", default="")
THREEMA_GATEWAY_SECRET = env("THREEMA_GATEWAY_SECRET", default="")
THREEMA_PRIVATE_KEY = env("THREEMA_PRIVATE_KEY", default="")
THREEMA_API_URL = env("THREEMA_API_URL", default="https://msgapi.threema.ch")
WHATSAPP_TOKEN = env("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_API_URL = env("WHATSAPP_API_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="")
# The token Meta's webhook subscription sends back (chosen by you in the app settings).
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="")

CHANNEL_BACKENDS = {
    "email": env("EMAIL_CHANNEL_BACKEND", default="scheduler.channels.email.EmailBackend"),
    "threema": env(
        "THREEMA_BACKEND",
        default="scheduler.channels.threema.GatewayBackend"
        if THREEMA_GATEWAY_ID and THREEMA_GATEWAY_SECRET
        else "scheduler.channels.threema.ConsoleBackend",
    ),
    "whatsapp": env(
        "WHATSAPP_BACKEND",
        default="scheduler.channels.whatsapp.CloudApiBackend"
        if WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID
        else "scheduler.channels.whatsapp.ConsoleBackend",
    ),
    # Not a message: the booking as an event in the coach's CalDAV calendar (the outbox sends
    # it like a message, with its retries and its failures shown to the coach).
    "caldav": env("CALDAV_BACKEND", default="scheduler.channels.caldav.CaldavBackend"),
}

# Video bookings: a Jitsi Meet room per booking. A self-hosted Jitsi with token
# authentication also needs the app id and secret, which sign a JWT per participant.
JITSI_URL = env("JITSI_URL", default="https://meet.jit.si").rstrip("/")
JITSI_APP_ID = env("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env("JITSI_APP_SECRET", default="")

# Encrypts stored credentials (the coaches' CalDAV passwords): Fernet keys, comma-separated,
# the first encrypts, all decrypt (rotation: README). Empty: outside production a key
# derived from SECRET_KEY; in production a CalDAV calendar cannot be connected without it.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
# WhatsApp templates (pre-approved in Meta's business manager) per notification kind.
WHATSAPP_TEMPLATES = {
    "confirmed": env("WHATSAPP_TEMPLATE_CONFIRMED", default="booking_confirmed"),
    "reminder": env("WHATSAPP_TEMPLATE_REMINDER", default="booking_reminder"),
    "cancelled": env("WHATSAPP_TEMPLATE_CANCELLED", default="booking_cancelled"),
    # Its link variable is the address-confirmation link (double opt-in).
    "address_confirmation": env("WHATSAPP_TEMPLATE_ADDRESS_CONFIRMATION", default="booking_confirm_address"),
    "default": env("WHATSAPP_TEMPLATE_DEFAULT", default="booking_update"),
}
# Our language codes → the code each template was approved under in Meta's business
# manager (it could be "en_US" there), e.g. WHATSAPP_LANGUAGE_CODES=de=de,en=en_US.
WHATSAPP_LANGUAGE_CODES = env.dict("WHATSAPP_LANGUAGE_CODES", default={"de": "de", "en": "en"})

# Web Key Directory lookups ("find my key"): https in production; tests point them at
# a local server.
WKD_SCHEME = env("WKD_SCHEME", default="https")
WKD_HOST_OVERRIDE = env("WKD_HOST_OVERRIDE", default="") or None
# Whether lookups may reach loopback and private addresses (tests only, like the calendar
# import's: a visitor types the address, so it must never reach the server's own network).
WKD_ALLOW_PRIVATE = env.bool("WKD_ALLOW_PRIVATE", default=False)

# Importing the coach's other calendars: per-request timeout, and whether loopback and
# private addresses may be fetched (never in production: that is how SSRF starts).
CALENDAR_IMPORT_TIMEOUT = env.float("CALENDAR_IMPORT_TIMEOUT", default=10.0)
CALENDAR_IMPORT_ALLOW_PRIVATE = env.bool("CALENDAR_IMPORT_ALLOW_PRIVATE", default=False)

# The proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For is
# believed for the rate limits' client address; default none: the socket's address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES lists addresses or networks such as 127.0.0.1 or 10.0.0.0/8, not {_proxy!r}"
        ) from None

# Booking attempts allowed per IP address and per e-mail address.
BOOKING_RATE_LIMIT = env("BOOKING_RATE_LIMIT", default="10/m")
# Requests to bookings' private links (/b/<token>/…, /api/bookings/<token>…) per IP address.
BOOKING_LINK_RATE_LIMIT = env("BOOKING_LINK_RATE_LIMIT", default="60/m")
# Requests of one personal access token to the coach's API (/api/coach/…).
COACH_API_RATE_LIMIT = env("COACH_API_RATE_LIMIT", default="120/m")
# How long a booking that waits for its client's address confirmation holds its slot.
ADDRESS_CONFIRMATION_HOLD = timedelta(minutes=env.int("ADDRESS_CONFIRMATION_MINUTES", default=30))

# --- Languages and time -----------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page may be framed, except the coach's public pages (scheduler/framing.py: by the
# coach's allowed origins, or any).
X_FRAME_OPTIONS = "DENY"
# Only the site's own files: no inline scripts, event handlers or style attributes
# (templates keep behaviour in static/js and looks in static/css). data: images are
# the QR code of the coach's authenticator setup.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Plain lines in development, JSON lines in production (config/logging.py); Celery's worker
# and beat keep this configuration instead of installing their own.
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# Outside development no log line names a person (e-mail addresses, phone numbers masked).
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL, mask_personal=not DEBUG)
# Python's warnings become log records too (one line each), not raw text on stderr.
logging.captureWarnings(True)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
