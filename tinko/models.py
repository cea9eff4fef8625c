from django.db import models

from tinko.tenancy import ingest_organization_key


class Heartbeat(models.Model):
    """Last time a periodic task ran in a worker: proof that beat, broker and worker are alive."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """One organization's use of an `Idempotency-Key`: the response its request got.

    Written in the same transaction as the request's own writes, so it exists exactly when they
    do; the unique (organization, livemode, key) constraint admits it once (see tinko.idempotency).
    """

    # Read through the unique (organization, livemode, key) constraint.
    organization = ingest_organization_key()
    # A test key and a live key of one organization have keys of their own.
    livemode = models.BooleanField()
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the endpoint and the canonical request body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "livemode", "key"], name="tinko_idempotencykey_unique_per_org"
            ),
        ]
        # The purge deletes by age across all organizations.
        indexes = [models.Index(fields=["created_at"], name="tinko_idempotencykey_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
