"""Django's cache on a real Redis, started and stopped by the test on its own port: calls carry on
from each process's memory during an outage, and sign-up works; a TOTP replay guard does not."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from accounts.models import Organization, User
from accounts.tests.test_signup_signin import SIGNUP
from tinko import redis_client
from tinko.cache import OutageTolerantRedisCache
from tinko.tests.conftest import PrivateRedis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server installed (CI has it)")

TOTP_USED = "allauth.mfa.totp.used?user=1&code=123456"


@pytest.fixture
def cache(private_redis: PrivateRedis) -> OutageTolerantRedisCache:
    return OutageTolerantRedisCache(
        private_redis.url, {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}
    )


def _recover(server: PrivateRedis, monkeypatch: pytest.MonkeyPatch) -> None:
    server.start()
    monkeypatch.setattr(redis_client, "_down_until", 0.0)


def test_the_cache_uses_redis_while_it_answers(cache: OutageTolerantRedisCache, private_redis: PrivateRedis) -> None:
    cache.set("k", 1)
    assert cache.add("k", 2) is False
    assert cache.incr("k") == 2
    assert cache.add(TOTP_USED, "y") is True
    assert cache.add(TOTP_USED, "y") is False
    assert private_redis.client().dbsize() == 2


def test_during_an_outage_calls_carry_on_from_memory_but_a_replay_guard_is_refused(
    cache: OutageTolerantRedisCache, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_redis.stop()

    assert cache.get("missing", "default") == "default"
    assert cache.add("lock", True) is True  # the first call finds Redis gone and answers from memory
    assert cache.add("lock", True) is False
    cache.set("history", [1.0])
    assert cache.get("history") == [1.0]
    assert cache.get_many(["history", "missing"]) == {"history": [1.0]}
    cache.delete("lock")
    assert cache.add("lock", True) is True
    assert cache.add(TOTP_USED, "y") is False, "a used-code marker is never granted from one process's memory"

    _recover(private_redis, monkeypatch)
    assert cache.get("history") is None  # Redis again: what memory held during the outage is not carried over
    assert cache.add(TOTP_USED, "y") is True


@pytest.mark.django_db
def test_sign_up_works_while_redis_is_down(
    private_redis: PrivateRedis, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "tinko.cache.OutageTolerantRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    assert isinstance(caches["default"], OutageTolerantRedisCache)
    private_redis.stop()

    response = Client().post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/app/"
    assert User.objects.get().email == "priya@example.com"
    assert Organization.objects.get().name == SIGNUP["organization_name"]
