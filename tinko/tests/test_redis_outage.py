"""A Redis outage does not stop the API: a real Redis, started and stopped by the test on its own port.

Keys authenticate from the database, rate limits count in each process, the key epoch bump is
best-effort, and a key revoked during the outage stops working within the short local expiry.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from rest_framework.test import APIClient

from accounts.api_key_cache import OUTAGE_CACHE_SECONDS
from accounts.models import Organization
from accounts.services import API_KEYS_EPOCH, api_key_create, api_key_revoke, organization_create
from accounts.tests.factories import UserFactory
from tinko import local_cache, ratelimit, redis_client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server installed (CI has it)"),
]

URL = "/v1/events/payment_failed"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test can stop and start again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.time() + 10
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        probe.close()

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


class Clock:
    """time.monotonic, moved forward by the test."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._real = time.monotonic

    def __call__(self) -> float:
        return self._real() + self.offset


@pytest.fixture
def private_redis(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    settings.REDIS_URL = server.url
    monkeypatch.setattr(redis_client, "_down_until", 0.0)
    monkeypatch.setattr(ratelimit._local, "active", False)
    try:
        yield server
    finally:
        if server.process is not None:
            server.stop()


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
    private_redis: PrivateRedis,
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
    epoch_before = private_redis.client().get(API_KEYS_EPOCH.key)
    fallbacks_before = ratelimit.rate_limit_local_fallback_count()

    private_redis.stop()

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

    private_redis.start()
    clock.offset += redis_client.BACKOFF_SECONDS + 0.1

    assert ingest(kept.plaintext, "back-1") == 201
    assert ingest(doomed.plaintext, "back-2") == 401
    # The bump made during the outage reached Redis once it was back, and Redis counts again.
    back = private_redis.client()
    assert back.get(API_KEYS_EPOCH.key) not in {None, epoch_before}
    assert back.keys("tinko:rl:api_key:*") != []
    assert ratelimit.rate_limit_local_fallback_count() == fallbacks
    assert [r.message for r in caplog.records if r.message == "rate_limit_local_fallback"] == [
        "rate_limit_local_fallback"
    ]
