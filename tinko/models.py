from django.db import models


class Heartbeat(models.Model):
    """Last time a periodic task ran in a worker: proof that beat, broker and worker are alive."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """One organization's use of an `Idempotency-Key`: an in-flight lock, then the stored response.

    The unique (organization, key) constraint is the lock: whoever inserts the row first owns the
    key (`lock_token`); everyone else reads the row and replays, refuses (422) or waits (409).
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the endpoint and the canonical request body.")
    lock_token = models.CharField(max_length=32)
    locked_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="tinko_idempotencykey_unique_per_org"),
        ]
        # The purge deletes by age across all organizations.
        indexes = [models.Index(fields=["created_at"], name="tinko_idempotencykey_created")]

    def __str__(self) -> str:
        return f"{self.key} ({'done' if self.completed_at else 'in flight'})"
