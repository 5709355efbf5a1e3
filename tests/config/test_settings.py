"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import re

from tests.helpers import BASE_DIR, PRODUCTION_ENV, run_python

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "debug": settings.DEBUG,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
}))
"""


def settings_for(env, tmp_path):
    result = run_python(PRINT_SETTINGS, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_need_no_server(tmp_path):
    values = settings_for({}, tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "var" / "db.sqlite3")
    assert values["broker"] == "filesystem://"
    assert (tmp_path / "var" / "celery" / "queue").is_dir()
    assert values["cache"].endswith("FileBasedCache")  # shared by every process of the machine
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is True
    assert values["session_secure"] is False


def test_postgres_and_redis_from_urls(tmp_path):
    values = settings_for(
        {"DATABASE_URL": "postgres://u@db.internal:5432/sprechzeit", "REDIS_URL": "redis://cache.internal:6379/0"},
        tmp_path,
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "sprechzeit"
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["cache"] == "config.cache.RedisCache"


def test_email_url_selects_smtp(tmp_path):
    values = settings_for({"EMAIL_URL": "smtp+tls://user:pw@mail.example.org:587"}, tmp_path)
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["email_host"] == "mail.example.org"


def test_production_refuses_to_start_without_required_settings(tmp_path):
    result = run_python(PRINT_SETTINGS, {"DJANGO_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"):
        assert name in result.stderr


def test_production_turns_on_secure_settings(tmp_path):
    values = settings_for(PRODUCTION_ENV, tmp_path)
    assert values["debug"] is False
    assert values["session_secure"] and values["csrf_secure"] and values["ssl_redirect"]
    assert values["hsts"] >= 31536000


# Redis, and every channel with its real backend.
SERVICES_ENV = {
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://termine:password@mail.example.org:587",
    "THREEMA_GATEWAY_ID": "*SPRECHZ",
    "THREEMA_GATEWAY_SECRET": "gateway-secret",
    "THREEMA_PRIVATE_KEY": "private:" + "11" * 32,  # end-to-end: no sprechzeit.W005
    "WHATSAPP_TOKEN": "whatsapp-token",
    "WHATSAPP_PHONE_NUMBER_ID": "123456789",
    "FIELD_ENCRYPTION_KEY": "GSs8SBDwI2vE4ocPv4A3ONSfZRHgk6G_ZMwiE8U38_I=",  # no sprechzeit.W006
}


def test_check_deploy_is_clean_in_production(tmp_path):
    env = PRODUCTION_ENV | SERVICES_ENV
    result = run_python(None, env, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_channels_that_only_write_to_the_log(tmp_path):
    env = PRODUCTION_ENV | SERVICES_ENV
    del env["EMAIL_URL"], env["WHATSAPP_TOKEN"]
    result = run_python(None, env, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 1
    assert "sprechzeit.W001" in result.stderr and "sprechzeit.W003" in result.stderr
    assert "sprechzeit.W002" not in result.stderr  # Threema has its credentials
    assert "sprechzeit.W004" not in result.stderr
    assert "Set EMAIL_URL" in result.stderr
    del env["REDIS_URL"]
    result = run_python(None, env, tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert "sprechzeit.W004" in result.stderr and "Set REDIS_URL." in result.stderr
    # A plain `check` (development) does not run them.
    assert run_python(None, {}, tmp_path, "manage.py", "check").returncode == 0


def test_production_keeps_the_strict_content_security_policy(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.MIDDLEWARE, settings.CONTENT_SECURITY_POLICY]))"
    )
    result = run_python(code, PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    middleware, policy = json.loads(result.stdout)
    assert "csp.middleware.CSPMiddleware" in middleware
    directives = policy["DIRECTIVES"]
    assert directives["script-src"] == directives["style-src"] == directives["default-src"] == ["'self'"]
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_env_example_lists_every_setting_read_from_the_environment():
    settings_source = (BASE_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', settings_source))
    listed = set(re.findall(r"^#?([A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert "BOOKING_LINK_RATE_LIMIT" in read
    assert read - listed == set()
