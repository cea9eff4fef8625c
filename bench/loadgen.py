"""A small closed-loop HTTP load generator for Tinko's benchmarks (loopback only).

Each of N connections sends its next request as soon as the last one answered,
over a kept-alive HTTP/1.1 connection, until a request count or a time limit is
reached. It reports throughput and latency percentiles.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# One request: (method, path, body bytes or None, headers).
Request = tuple[str, str, bytes | None, dict[str, str]]
# Builds the i-th request.
RequestFactory = Callable[[int], Request]

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    # The server's own time per request, where it says (Server-Timing `app;dur=`, bench.middleware).
    server_ms: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_ms, p)

    def server_percentile(self, p: float) -> float:
        return _percentile(self.server_ms, p)

    def summary(self) -> str:
        return (
            f"{self.name:<28} {self.rps:>9.1f} req/s  p50 {self.percentile(50):>7.2f} ms  "
            f"p99 {self.percentile(99):>7.2f} ms  mean {statistics.fmean(self.latencies_ms or [0]):>7.2f} ms  "
            f"n={self.requests} errors={self.errors} statuses={dict(sorted(self.statuses.items()))}"
        )


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _server_ms(header: str | None) -> float | None:
    """`app;dur=12.5` → 12.5."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "dur":
            try:
                return float(value)
            except ValueError:
                return None
    return None


def combined(name: str, results: Sequence[LoadResult]) -> LoadResult:
    """Several runs of one kind of request as one result: their requests over their summed time."""
    statuses: dict[int, int] = {}
    for result in results:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return LoadResult(
        name=name,
        requests=sum(result.requests for result in results),
        errors=sum(result.errors for result in results),
        seconds=sum(result.seconds for result in results),
        latencies_ms=[latency for result in results for latency in result.latencies_ms],
        statuses=statuses,
        server_ms=[server for result in results for server in result.server_ms],
    )


def run_load(
    name: str,
    base_url: str,
    make_request: RequestFactory,
    *,
    connections: int = 16,
    total_requests: int = 2000,
    max_seconds: float = 30.0,
) -> LoadResult:
    """Send up to `total_requests` over `connections` keep-alive connections; stop after `max_seconds`."""
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmarks only target this machine's loopback, not {host}")
    port = parts.port or 80
    counter = iter(range(total_requests))
    lock = threading.Lock()
    latencies: list[float] = []
    server_times: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            method, path, body, headers = make_request(index)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                server = _server_ms(response.getheader("Server-Timing"))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                with lock:
                    errors += 1
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed_ms)
                if server is not None:
                    server_times.append(server)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(
        name=name,
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=latencies,
        statuses=statuses,
        server_ms=server_times,
    )
