"""Every API failure comes in the envelope {"error": {"type", "code", "message", "param"}}."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from rest_framework import exceptions, serializers
from rest_framework.test import APIClient

from accounts.services import api_key_revoke
from tinko.api import ApiError, exception_handler


def _envelope(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "code", "message", "param"}
    return body["error"]


@pytest.mark.django_db
def test_missing_key_is_401_in_the_envelope(anonymous_api_client: APIClient) -> None:
    response = anonymous_api_client.get("/v1/organization")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert _envelope(response) == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "param": None,
    }


@pytest.mark.django_db
def test_wrong_key_is_401(anonymous_api_client: APIClient) -> None:
    anonymous_api_client.credentials(HTTP_AUTHORIZATION="Bearer tk_test_AAAAAAAAAAAAnotarealkeyatall")

    response = anonymous_api_client.get("/v1/organization")

    assert response.status_code == 401
    assert _envelope(response)["code"] == "invalid_api_key"


@pytest.mark.django_db
def test_wrong_scheme_is_401(anonymous_api_client: APIClient, issued_api_key) -> None:
    anonymous_api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued_api_key.plaintext}")

    response = anonymous_api_client.get("/v1/organization")

    assert response.status_code == 401
    assert _envelope(response)["code"] == "invalid_api_key"


@pytest.mark.django_db
def test_revoked_key_is_401_from_the_next_request(api_client: APIClient, issued_api_key) -> None:
    assert api_client.get("/v1/organization").status_code == 200

    api_key_revoke(api_key=issued_api_key.api_key)
    response = api_client.get("/v1/organization")

    assert response.status_code == 401
    assert _envelope(response)["code"] == "invalid_api_key"


@pytest.mark.django_db
def test_unknown_api_path_is_404_in_the_envelope_even_with_debug(api_client: APIClient) -> None:
    with override_settings(DEBUG=True):
        response = api_client.get("/v1/no-such-thing")

    assert response.status_code == 404
    assert _envelope(response) == {
        "type": "invalid_request_error",
        "code": "not_found",
        "message": "No such endpoint: /v1/no-such-thing",
        "param": None,
    }


@pytest.mark.django_db
def test_a_post_to_an_unknown_api_path_is_404_in_the_envelope_without_a_csrf_cookie() -> None:
    # e.g. a transaction reference with a line break, which no API route's path takes
    response = Client(enforce_csrf_checks=True).post("/v1/transactions/a%0Ab/pause")

    assert response.status_code == 404
    assert _envelope(response)["code"] == "not_found"


@pytest.mark.django_db
def test_wrong_method_is_405_in_the_envelope(api_client: APIClient) -> None:
    response = api_client.post("/v1/organization", {}, format="json")

    assert response.status_code == 405
    assert _envelope(response) == {
        "type": "invalid_request_error",
        "code": "method_not_allowed",
        "message": 'Method "POST" not allowed.',
        "param": None,
    }


@pytest.mark.django_db
def test_too_many_requests_is_429_with_retry_after(api_client: APIClient, monkeypatch) -> None:
    from accounts.authentication import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})

    statuses = [api_client.get("/v1/organization").status_code for _ in range(3)]
    response = api_client.get("/v1/organization")

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    error = _envelope(response)
    assert error["type"] == "rate_limit_error"
    assert error["code"] == "throttled"


@pytest.mark.django_db
def test_unexpected_exception_is_500_without_a_traceback(api_client: APIClient, monkeypatch) -> None:
    from accounts import api

    def explode(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.OrganizationRetrieveApi, "get", explode)

    response = api_client.get("/v1/organization")

    assert response.status_code == 500
    assert _envelope(response) == {
        "type": "api_error",
        "code": "internal_error",
        "message": "Something went wrong on our side.",
        "param": None,
    }
    assert "secret internals" not in response.content.decode()


def test_validation_error_names_the_first_bad_field_by_its_path() -> None:
    class Customer(serializers.Serializer):
        email = serializers.EmailField()

    class Event(serializers.Serializer):
        customer = Customer()

    serializer = Event(data={"customer": {"email": "not-an-email"}})
    assert not serializer.is_valid()

    response = exception_handler(exceptions.ValidationError(serializer.errors), {})

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "type": "invalid_request_error",
            "code": "invalid",
            "message": "customer.email: Enter a valid email address.",
            "param": "customer.email",
        }
    }


def test_django_permission_denied_is_403_in_the_envelope() -> None:
    response = exception_handler(PermissionDenied(), {})

    assert response.status_code == 403
    assert response.data["error"]["type"] == "permission_error"
    assert response.data["error"]["code"] == "permission_denied"


def test_api_error_carries_its_own_status_code_and_param() -> None:
    response = exception_handler(
        ApiError(status_code=409, code="idempotency_key_in_use", message="In flight.", param="Idempotency-Key"), {}
    )

    assert response.status_code == 409
    assert response.data == {
        "error": {
            "type": "invalid_request_error",
            "code": "idempotency_key_in_use",
            "message": "In flight.",
            "param": "Idempotency-Key",
        }
    }
