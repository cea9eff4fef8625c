"""Request-scoped context shared by every layer: the request id."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tinko.logging import log_context_bind, log_context_clear

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is short and plain, so it can't smuggle
# anything into our logs or headers.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIDMiddleware:
    """Take X-Request-ID from the caller (or make one), log with it, and send it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTABLE_REQUEST_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        request.request_id = request_id  # type: ignore[attr-defined]
        log_context_clear()
        log_context_bind(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            log_context_clear()
        response[REQUEST_ID_HEADER] = request_id
        return response
