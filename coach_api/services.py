"""Writes of the coach's API tokens."""

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.models import Coach

from .models import CoachToken, secret_hash

# How often a token's last use is written at most: not one UPDATE per request.
LAST_USED_PRECISION_SECONDS = 60


def coach_token_create(*, coach: Coach, name: str, read_only: bool = False) -> tuple[CoachToken, str]:
    """A new token and its secret; the secret is not stored, so the caller shows it once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. where you use it.")})
    secret = secrets.token_urlsafe(32)
    token = CoachToken.objects.create(coach=coach, name=name[:100], read_only=read_only, token_hash=secret_hash(secret))
    return token, secret


def coach_token_revoke(*, token: CoachToken, now: datetime | None = None) -> CoachToken:
    """Revoke a token (at once, for good); revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def coach_token_used(*, token: CoachToken, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_PRECISION_SECONDS:
        CoachToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
