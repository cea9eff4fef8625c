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


def test_combined_results_add_requests_time_and_statuses() -> None:
    from bench.loadgen import LoadResult, combined

    first = LoadResult("a", 2, 0, 1.0, [1.0, 2.0], {201: 2})
    second = LoadResult("a", 3, 1, 2.0, [3.0, 4.0, 5.0], {201: 2, 409: 1})

    both = combined("both", [first, second])

    assert (both.requests, both.errors, both.seconds, both.rps) == (5, 1, 3.0, 5 / 3.0)
    assert both.statuses == {201: 4, 409: 1}
    assert both.percentile(50) == 3.0


def test_the_servers_own_time_is_read_from_server_timing(rf) -> None:
    from django.http import HttpResponse

    from bench.loadgen import LoadResult, _server_ms, combined
    from bench.middleware import ServerTimingMiddleware

    response = ServerTimingMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))

    assert response["Server-Timing"].startswith("app;dur=")
    assert _server_ms(response["Server-Timing"]) is not None
    assert (_server_ms("app;dur=12.5"), _server_ms(None), _server_ms("app;desc=x")) == (12.5, None, None)
    result = combined("x", [LoadResult("x", 2, 0, 1.0, [9.0, 30.0], {200: 2}, server_ms=[2.0, 4.0])])
    assert (result.server_percentile(95), result.percentile(95)) == (4.0, 30.0)
