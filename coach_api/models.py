"""Personal access tokens of the coach's API: the secret is shown once, only its hash is kept."""

import hashlib
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.models import Coach


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class CoachToken(models.Model):
    # The workspace names a token by this (its revoke button), never by its sequential pk.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # sha256 hex of the secret (secrets.token_urlsafe(32), 256 bits): a leaked database
    # gives nobody a working token, and a hash of that much randomness needs no salt.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
