"""Baselines: for bench.ingest a bare Django view that parses JSON and does one INSERT; for bench.portal
a bare Django page that reads its session and one row and renders a template."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

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


_PAGE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><title>{{ name }}</title></head>'
    "<body><main><h1>Pay {{ name }} again</h1><p>{{ amount }} · {{ visits }}</p></main></body></html>"
)


@require_GET
def baseline_page(request: HttpRequest) -> HttpResponse:
    request.session["visits"] = visits = request.session.get("visits", 0)
    row = BaselineEvent._default_manager.order_by("pk").first()
    context = {"name": row.transaction_ref if row else "nobody", "amount": row.amount if row else 0, "visits": visits}
    return HttpResponse(_PAGE.render(context, request))
