from django.db import models


class Heartbeat(models.Model):
    """Last time a periodic task ran in a worker: proof that beat, broker and worker are alive."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
