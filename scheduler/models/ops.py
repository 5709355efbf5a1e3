from django.db import models


class WorkerCheck(models.Model):
    """A round trip through the task queue, to show that a worker is consuming it."""

    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"worker check {self.requested_at:%Y-%m-%d %H:%M:%S}"
