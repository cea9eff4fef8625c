"""A Redis outage does not stop the API: a real Redis, started and stopped by the test on its own port.

Keys authenticate from the database, rate limits count in each process, the key epoch bump is
best-effort, and a key revoked during the outage stops working within the short local expiry.
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.api_key_cache import OUTAGE_CACHE_SECONDS
from accounts.models import Organization
from accounts.services import API_KEYS_EPOCH, api_key_create, api_key_revoke, organization_create
from accounts.tests.factories import UserFactory
from tinko import local_cache, ratelimit, redis_client
from tinko.tests.conftest import PrivateRedis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server installed (CI has it)"),
]

URL = "/v1/events/payment_failed"


class Clock:
    """time.monotonic, moved forward by the test."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._real = time.monotonic

    def __call__(self) -> float:
        return self._real() + self.offset


@pytest.fixture
def outage_redis(private_redis: PrivateRedis, settings: Any, monkeypatch: pytest.MonkeyPatch) -> PrivateRedis:
    settings.REDIS_URL = private_redis.url
    monkeypatch.setattr(ratelimit._local, "active", False)
    return private_redis


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(local_cache.time, "monotonic", clock)
    return clock


def ingest(plaintext: str, ref: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    body = {
        "transaction_ref": ref,
        "amount": 249900,
        "currency": "INR",
        "gateway": "stripe",
        "failure_code": "insufficient_funds",
        "occurred_at": "2026-11-20T09:15:00+05:30",
    }
    response = client.post(URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=ref)
    return int(response.status_code)


def test_ingest_keys_and_sign_up_carry_on_while_redis_is_down(
    outage_redis: PrivateRedis,
    clock: Clock,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        kept = api_key_create(organization=organization, name="Kept")
        doomed = api_key_create(organization=organization, name="Doomed")
    assert ingest(kept.plaintext, "up-1") == 201
    assert ingest(doomed.plaintext, "up-2") == 201
    epoch_before = outage_redis.client().get(API_KEYS_EPOCH.key)
    fallbacks_before = ratelimit.rate_limit_local_fallback_count()

    outage_redis.stop()

    assert ingest(kept.plaintext, "down-1") == 201
    with django_capture_on_commit_callbacks(execute=True):
        fresh = api_key_create(organization=organization, name="Made during the outage")
        api_key_revoke(api_key=doomed.api_key)
        signed_up = organization_create(name="Newcomer", owner=UserFactory.create())
    assert signed_up.name == "Newcomer"
    assert ingest(fresh.plaintext, "down-2") == 201
    assert ratelimit.rate_limit_local_fallback_count() == fallbacks_before + 2  # counted in this process

    clock.offset += OUTAGE_CACHE_SECONDS + 0.1
    assert ingest(doomed.plaintext, "down-3") == 401
    assert ingest(kept.plaintext, "down-4") == 201
    fallbacks = ratelimit.rate_limit_local_fallback_count()

    outage_redis.start()
    clock.offset += redis_client.BACKOFF_SECONDS + 0.1

    assert ingest(kept.plaintext, "back-1") == 201
    assert ingest(doomed.plaintext, "back-2") == 401
    # The bump made during the outage reached Redis once it was back, and Redis counts again.
    back = outage_redis.client()
    assert back.get(API_KEYS_EPOCH.key) not in {None, epoch_before}
    assert back.keys("tinko:rl:api_key:*") != []
    assert ratelimit.rate_limit_local_fallback_count() == fallbacks
    assert [r.message for r in caplog.records if r.message == "rate_limit_local_fallback"] == [
        "rate_limit_local_fallback"
    ]
