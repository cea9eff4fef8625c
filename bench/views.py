"""The baseline for bench.ingest: a bare Django view that parses JSON and does one INSERT."""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.models import BaselineEvent


@csrf_exempt
@require_POST
def baseline_insert(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    event = BaselineEvent(
        transaction_ref=data["transaction_ref"], amount=data["amount"], currency=data["currency"], payload=data
    )
    event.save()
    return JsonResponse({"id": event.pk}, status=201)
