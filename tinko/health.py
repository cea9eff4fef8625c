"""Liveness and readiness: what /healthz and /readyz report, and the worker heartbeat."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.utils import timezone

from tinko.models import Heartbeat

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT = "worker"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]
    worker_last_seen: datetime | None = field(default=None)

    @property
    def ok(self) -> bool:
        return all(result == "ok" for result in self.checks.values())


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readiness_database_failed", extra={"error": str(exc)})
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_broker() -> str:
    from tinko.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises a wide family of transport errors
        logger.warning("readiness_broker_failed", extra={"error": str(exc)})
        return f"error: {type(exc).__name__}"
    return "ok"


def readiness_check() -> Readiness:
    """Check the database and the broker; report when a worker last ran a beat task."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    last_seen = None
    if checks["database"] == "ok":
        last_seen = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).values_list("beat_at", flat=True).first()
    return Readiness(checks=checks, worker_last_seen=last_seen)


def heartbeat_record(*, name: str = WORKER_HEARTBEAT) -> Heartbeat:
    """Stamp the named heartbeat with now, creating it on first use."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(beat_at=now, count=F("count") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "count": 1})
    heartbeat = Heartbeat.objects.get(name=name)
    logger.info("heartbeat_recorded", extra={"heartbeat": name, "count": heartbeat.count})
    return heartbeat
