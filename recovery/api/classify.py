"""`POST /v1/classify`: what the classifier decides for a decline, with no side effects."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import request_api_key
from accounts.enums import Role
from recovery.api import examples, schemas
from recovery.api.parsing import parse_classify, read_json_body
from recovery.resources import classification_data, dumps
from recovery.selectors import classification_for


class ClassifyApi(APIView):
    # Reads only: read-only keys may call it.
    required_role = Role.ANALYST
    schema = schemas.RequiredBodySchema()

    @extend_schema(
        operation_id="classify",
        summary="Classify a decline",
        description=(
            "Returns the decision Tinko would make for this decline under your organization's rules, and records "
            "nothing. NPCI UPI codes are read as such only when `payment_method_type` is `upi` (they collide with "
            "ISO 8583 codes such as `01`); raw ISO 8583 response codes go in `network_decline_code`."
        ),
        tags=["classifier"],
        request=schemas.ClassifyIn,
        examples=[examples.CLASSIFY_EXAMPLE, examples.CLASSIFY_RESPONSE_EXAMPLE],
        responses={
            200: schemas.ClassificationOut,
            400: schemas.error("The body is invalid."),
            413: schemas.error("The body is too large."),
            415: schemas.error("The body is not JSON."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        organization = request_api_key(request).organization
        decision = classification_for(organization=organization, request=parse_classify(read_json_body(request)))
        return HttpResponse(dumps(classification_data(decision)), content_type="application/json")
