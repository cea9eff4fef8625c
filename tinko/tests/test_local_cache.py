"""LocalCopy: values served from memory while the shared token holds, read again when it moves."""

from collections.abc import Callable

import pytest

from tinko import local_cache
from tinko.local_cache import LocalCopy, SharedToken, WithoutRedis

pytestmark = pytest.mark.django_db


class Loader:
    """Counts database reads: returns `value` and remembers each call."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.value


def make_copy(
    *,
    without_redis: WithoutRedis = WithoutRedis.DJANGO_CACHE,
    max_age: float = 60.0,
    max_entries: int = 10,
    check_every: Callable[[], float] = lambda: 0.0,
) -> tuple[SharedToken, LocalCopy[str, str]]:
    token = SharedToken("tests:local-cache", without_redis=without_redis)
    return token, LocalCopy(token=token, max_age=max_age, max_entries=max_entries, check_every=check_every)


def test_a_value_is_read_once_while_the_token_holds() -> None:
    _, copy = make_copy()
    load = Loader("v1")

    assert [copy.get("a", load) for _ in range(3)] == ["v1", "v1", "v1"]
    assert load.calls == 1


def test_a_new_token_makes_the_value_read_again(django_capture_on_commit_callbacks) -> None:
    token, copy = make_copy()
    load = Loader("v1")
    copy.get("a", load)

    with django_capture_on_commit_callbacks(execute=True):
        SharedToken(token.key, without_redis=WithoutRedis.DJANGO_CACHE).bump()  # as another process would
    load.value = "v2"

    assert copy.get("a", load) == "v2"
    assert load.calls == 2


def test_a_value_older_than_max_age_is_read_again(monkeypatch) -> None:
    _, copy = make_copy(max_age=60.0)
    load = Loader("v1")
    copy.get("a", load)
    now = local_cache.time.monotonic()

    monkeypatch.setattr(local_cache.time, "monotonic", lambda: now + 59.0)
    copy.get("a", load)
    assert load.calls == 1

    monkeypatch.setattr(local_cache.time, "monotonic", lambda: now + 61.0)
    copy.get("a", load)
    assert load.calls == 2


def test_a_read_between_the_change_and_its_commit_is_not_kept(django_capture_on_commit_callbacks) -> None:
    token, copy = make_copy()
    load = Loader("v1")
    copy.get("a", load)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        token.bump()
        # Another request reads before the change commits: it sees the old row under the new token.
        assert copy.get("a", load) == "v1"
        assert load.calls == 2
        load.value = "v2"
        assert copy.get("a", load) == "v1"
        assert load.calls == 2

    assert len(callbacks) == 1
    assert copy.get("a", load) == "v2"
    assert load.calls == 3


def test_the_least_recently_used_value_goes_first_beyond_max_entries() -> None:
    _, copy = make_copy(max_entries=2)
    loads = {key: Loader(key.upper()) for key in "abc"}
    copy.get("a", loads["a"])
    copy.get("b", loads["b"])
    copy.get("a", loads["a"])

    copy.get("c", loads["c"])
    for key in "acb":
        copy.get(key, loads[key])

    assert {key: load.calls for key, load in loads.items()} == {"a": 1, "b": 2, "c": 1}


def test_nothing_is_remembered_when_load_finds_nothing() -> None:
    _, copy = make_copy()
    load = Loader(None)

    assert copy.get("a", load) is None
    assert copy.get("a", load) is None
    assert load.calls == 2


def test_the_token_is_checked_at_most_every_check_every_seconds(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    token, copy = make_copy(check_every=lambda: 5.0)
    load = Loader("v1")
    copy.get("a", load)
    now = local_cache.time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        token.bump()

    monkeypatch.setattr(local_cache.time, "monotonic", lambda: now + 4.0)
    copy.get("a", load)
    assert load.calls == 1

    monkeypatch.setattr(local_cache.time, "monotonic", lambda: now + 6.0)
    copy.get("a", load)
    assert load.calls == 2


def test_a_lost_token_is_replaced_by_a_new_one_so_old_values_are_read_again() -> None:
    from django.core.cache import cache

    token, copy = make_copy()
    load = Loader("v1")
    copy.get("a", load)
    first = token.read()

    cache.clear()  # the shared store lost every key (FLUSHDB, an eviction)
    copy.get("a", load)

    assert token.read() != first
    assert load.calls == 2


def test_without_redis_a_token_kept_nowhere_remembers_nothing(settings) -> None:
    settings.REDIS_URL = ""
    token, copy = make_copy(without_redis=WithoutRedis.NOWHERE)
    load = Loader("v1")

    copy.get("a", load)
    copy.get("a", load)

    assert token.read() is None
    assert load.calls == 2


def test_lookups_on_one_snapshot_agree_on_the_token(django_capture_on_commit_callbacks) -> None:
    token, copy = make_copy()
    first, second = Loader("a1"), Loader("b1")
    snapshot = copy.snapshot()
    snapshot.get("a", first)

    with django_capture_on_commit_callbacks(execute=True):
        token.bump()
    snapshot.get("b", second)

    assert copy.get("a", first) == "a1"
    assert copy.get("b", second) == "b1"
    assert (first.calls, second.calls) == (2, 2)
