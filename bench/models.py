from django.db import models
from django.utils import timezone


class BaselineEvent(models.Model):
    """What the bare single-INSERT baseline view stores: roughly one failure event's worth of data."""

    transaction_ref = models.CharField(max_length=255)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "bench"

    def __str__(self) -> str:
        return self.transaction_ref
