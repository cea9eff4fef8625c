"""Throughput and latency of Tinko's cheapest endpoints against a running server.

    python -m bench.http_basics --url http://127.0.0.1:8000 [--connections 16] [--requests 4000]

/healthz does no I/O; /readyz touches the database and the broker; /v1/organization
adds API-key authentication (pass --api-key, e.g. from `manage.py create_api_key`).
"""

from __future__ import annotations

import argparse

from bench.loadgen import Request, run_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args()

    targets: list[tuple[str, str, dict[str, str]]] = [("GET /healthz", "/healthz", {}), ("GET /readyz", "/readyz", {})]
    if args.api_key:
        targets.append(("GET /v1/organization", "/v1/organization", {"Authorization": f"Bearer {args.api_key}"}))

    print(f"{args.connections} connections, up to {args.requests} requests or {args.seconds:.0f}s each")
    for name, path, headers in targets:

        def make_request(_index: int, path: str = path, headers: dict[str, str] = headers) -> Request:
            return "GET", path, None, headers

        result = run_load(
            name,
            args.url,
            make_request,
            connections=args.connections,
            total_requests=args.requests,
            max_seconds=args.seconds,
        )
        print(result.summary())


if __name__ == "__main__":
    main()
