"""OpenAPI postprocessing: errors every API operation can answer, documented once for all."""

from __future__ import annotations

from typing import Any

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": "string", "nullable": True},
            },
            "required": ["type", "code", "message", "param"],
        }
    },
    "required": ["error"],
}

COMMON_ERRORS = {
    "401": "No API key, or an invalid or revoked one (`Authorization: Bearer <api key>`).",
    "405": "The method is not allowed on this path.",
    "429": "Too many requests for this API key; see Retry-After.",
}


def add_common_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: every operation documents 401, 405 and 429."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ApiError", _ERROR_SCHEMA)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
                    },
                )
    return result
