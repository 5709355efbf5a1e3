"""The record of a client's data request the coach answered from the workspace (an export
or an erasure of what the coach keeps about one e-mail address): when and how much, never
who. It holds no address, no name and no hash of the address (a hash of an address is
found again by hashing the address)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .booking import Client
from .coach import Coach


class ClientDataRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("export")
        ERASE = "erase", _("erasure")

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="client_data_requests")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    made_at = models.DateTimeField(_("made"))
    # How many of each were exported or erased: {"bookings": 3, "messages": 7, ...}.
    counts = models.JSONField(_("counts"), default=dict)
    # An erasure whose cancellation messages are still being sent: until they have gone, the
    # client's row and those bookings keep what the messages need (the address, the name they
    # greet, the key that encrypts them). Emptied when the erasure is finished.
    pending_client = models.ForeignKey(Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("client's data request")
        verbose_name_plural = _("clients' data requests")
        ordering = ["-made_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.made_at:%Y-%m-%d %H:%M}"
