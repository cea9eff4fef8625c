import json

from django.urls import Resolver404, resolve

from bench.ingest import Figures, batches, event_body, verdict
from bench.loadgen import LoadResult
from recovery.api.parsing import BATCH_ITEM_FIELDS, EVENT_FIELDS, parse_failure


def test_the_baseline_view_is_not_in_the_production_urls() -> None:
    try:
        resolve("/bench/baseline")
    except Resolver404:
        return
    raise AssertionError("/bench/baseline must only exist under bench.settings")


def test_generated_events_are_valid_ingest_bodies_with_distinct_transactions() -> None:
    bodies = [event_body("run1", index) for index in range(12)]

    assert len({body["transaction_ref"] for body in bodies}) == 12
    assert {body["currency"] for body in bodies} >= {"INR", "USD", "JPY"}
    for body in bodies:
        assert set(body) <= EVENT_FIELDS
        parse_failure(body, idempotency_key="k")


def test_batches_carry_their_own_keys() -> None:
    (first, second) = [json.loads(body)["events"] for body in batches("run1", count=2, size=3, offset=100)]

    assert [event["idempotency_key"] for event in first + second] == [f"run1-batch-{i}" for i in range(100, 106)]
    assert all(set(event) <= BATCH_ITEM_FIELDS for event in first)


def test_the_verdict_compares_with_the_baseline_and_the_targets() -> None:
    def figures(name: str, rps_requests: int, latency: float, per_request: int = 1) -> Figures:
        result = LoadResult(name, rps_requests, 0, 1.0, [latency] * rps_requests, {201: rps_requests})
        return Figures.of(result, events_per_request=per_request)

    lines = verdict(
        baseline=figures("baseline", 1000, 10.0),
        single=figures("single", 600, 40.0),
        batch=figures("batch", 10, 900.0, per_request=1000),
    )

    assert lines[0].startswith("single / baseline = 0.60x")
    assert lines[0].endswith("met)")
    assert "p99 = 40.0 ms" in lines[1]
    assert lines[1].endswith("met)")
    assert lines[2] == "batch = 10,000 events/s  (target >= 15,000: MISSED)"
