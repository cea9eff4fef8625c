"""schemathesis against the whole API, in process (WSGI), with every check it has.

Both ways round: a request the schema admits is accepted, one it forbids is refused with a 4xx;
no 5xx; every response, header and status as documented; authentication enforced. Then the
stateful phase chains operations through the links it infers from the schema (record a failure, then
read its transaction). Bounded and derandomized; it never opens a socket, so it cannot reach the network.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from analytics.params import MAX_RANGE
from recovery.limits import METADATA_KEY_PATTERN

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
_fresh_keys = (f"contract-{n}" for n in itertools.count())


@pytest.fixture
def api_headers(issued_api_key, settings) -> Iterator[dict[str, str]]:
    # Generated requests come fast (many with a bad key, from one address); rate limits are not
    # what is under test here.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "100000/s"}}
    settings.API_AUTH_FAILURE_RATE = "100000/s"
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {issued_api_key.plaintext}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _as_a_client_sends(case: Case) -> Case:
    """A valid request, kept within the rules an OpenAPI 3.0 schema cannot state (each has its own tests).

    A key belongs to one body, so each request gets its own; occurred_at and paid_at may not be in the future;
    metadata keys follow METADATA_KEY_PATTERN (`propertyNames`, which generators read only from 3.1);
    analytics ranges run forwards and span at most two years.
    """
    if not (case.meta and case.meta.generation.mode.is_positive):
        return case
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = next(_fresh_keys)
    _analytics_range(case)
    body = case.body
    if not isinstance(body, dict):
        return case
    for name in ("occurred_at", "paid_at"):
        happened_at = body.get(name)
        if isinstance(happened_at, str) and datetime.fromisoformat(happened_at).astimezone(UTC) > timezone.now():
            body[name] = None
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        body["metadata"] = {key: value for key, value in metadata.items() if METADATA_KEY_PATTERN.fullmatch(key)}
    return case


def _analytics_range(case: Case) -> None:
    """Analytics' `from` comes before `to`, at most two years apart (a rule between two parameters):
    a generated pair that breaks it is dropped, as is one given alone (the other's default may break it)."""
    query = case.query
    if not isinstance(query, dict) or not ({"from", "to"} & query.keys()):
        return
    try:
        span = date.fromisoformat(query["to"]) - date.fromisoformat(query["from"])
        if timedelta(0) < span <= MAX_RANGE:
            return
    except (KeyError, TypeError, ValueError):
        pass
    query.pop("from", None)
    query.pop("to", None)


def test_every_check_is_enabled() -> None:
    load_all_checks()
    config = schema.config.checks_config_for()

    assert [name for name in CHECKS.get_all_names() if not config.get_by_name(name=name).enabled] == []


def test_the_stateful_phase_reads_a_recorded_failures_transaction() -> None:
    # schemathesis infers the links from the response schemas and path parameters.
    schema.as_state_machine()
    links = schema.raw_schema["paths"]["/v1/events/payment_failed"]["post"]["responses"]["201"]["links"]

    assert links["GetTransaction"]["operationRef"] == "#/paths/~1v1~1transactions~1{transaction_ref}/get"
    assert links["GetTransaction"]["parameters"] == {
        "path.transaction_ref": "$response.body#/transaction/transaction_ref"
    }


def _as_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` as a null type, references into `$defs`."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if "$ref" in converted:
        converted["$ref"] = converted["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _response_examples() -> list[tuple[str, dict[str, Any], Any]]:
    raw = json.loads(json.dumps(schema.raw_schema))
    examples = []
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                for name, example in content.get("examples", {}).items():
                    examples.append((f"{method.upper()} {path} {status} {name}", content["schema"], example["value"]))
    return examples


def test_every_response_example_is_a_response_the_schema_admits() -> None:
    defs = _as_json_schema(schema.raw_schema["components"]["schemas"])
    examples = _response_examples()

    assert len(examples) >= 6
    for label, response_schema, value in examples:
        errors = [
            error.message
            for error in Draft202012Validator({**_as_json_schema(response_schema), "$defs": defs}).iter_errors(value)
        ]
        assert errors == [], label


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_documented(case, api_headers) -> None:
    # No `checks=`: every registered check, as `--checks all` runs them.
    _as_a_client_sends(case).call_and_validate(headers=api_headers)


@pytest.mark.django_db
def test_chained_operations_answer_as_documented(api_headers) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": api_headers}

        def before_call(self, case: Case) -> None:
            _as_a_client_sends(case)

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # The key is sent as a header the schema declares, so checks must know it is ours.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=api_headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(settings=settings(HYPOTHESIS, max_examples=15, stateful_step_count=4))
