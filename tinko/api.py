"""The API's error envelope: {"error": {"type", "code", "message", "param"}} for every failure."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    406: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(exceptions.APIException):
    """An error our own code raises with a chosen status, code and (optional) parameter."""

    def __init__(self, *, status_code: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.param = param


def error_body(*, status_code: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "type": _TYPE_BY_STATUS.get(status_code, "api_error"),
            "code": code,
            "message": message,
            "param": param,
        }
    }


def _first_validation_error(detail: Any, path: str = "") -> tuple[str | None, str, str]:
    """(param, code, message) of the first leaf in a DRF ValidationError tree."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = key if not path else f"{path}.{key}"
            if key == "non_field_errors":
                child = path
            return _first_validation_error(value, child)
    if isinstance(detail, list) and detail:
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return _first_validation_error(detail[0], path)
        for index, item in enumerate(detail):
            if item:
                return _first_validation_error(item, f"{path}[{index}]")
    if isinstance(detail, exceptions.ErrorDetail):
        return (path or None), str(detail.code), str(detail)
    return (path or None), "invalid", str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every error, expected or not, in the envelope."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApiError):
        body = error_body(status_code=exc.status_code, code=exc.code, message=str(exc.detail), param=exc.param)
        response_status = exc.status_code
    elif isinstance(exc, exceptions.ValidationError):
        param, code, message = _first_validation_error(exc.detail)
        if param:
            message = f"{param}: {message}"
        body = error_body(status_code=400, code=code, message=message, param=param)
        response_status = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
        code = str(detail.code) if isinstance(detail, exceptions.ErrorDetail) else str(exc.default_code)
        body = error_body(status_code=exc.status_code, code=code, message=message)
        response_status = exc.status_code
    else:
        logger.exception("api_unhandled_error", extra={"view": type(context.get("view")).__name__})
        body = error_body(status_code=500, code="internal_error", message="Something went wrong on our side.")
        response_status = status.HTTP_500_INTERNAL_SERVER_ERROR

    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(int(wait) + 1)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    set_rollback()
    return Response(body, status=response_status, headers=headers)


def is_api_path(path: str) -> bool:
    return path.startswith(("/v1/", "/api/"))


def not_found_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body(status_code=404, code="not_found", message=f"No such endpoint: {request.path}"), status=404
    )


def server_error_json() -> JsonResponse:
    return JsonResponse(
        error_body(status_code=500, code="internal_error", message="Something went wrong on our side."), status=500
    )
