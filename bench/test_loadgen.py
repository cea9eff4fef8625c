import pytest

from bench.loadgen import run_load


def test_loadgen_refuses_anything_but_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_load("x", "http://10.0.0.1:8000", lambda i: ("GET", "/", None, {}), total_requests=1)


@pytest.mark.django_db(transaction=True)
def test_loadgen_counts_requests_and_statuses(live_server) -> None:
    result = run_load(
        "healthz", live_server.url, lambda i: ("GET", "/healthz", None, {}), connections=2, total_requests=20
    )

    assert result.requests == 20
    assert result.errors == 0
    assert result.statuses == {200: 20}
    assert 0 < result.percentile(50) <= result.percentile(99)
    assert "req/s" in result.summary()
