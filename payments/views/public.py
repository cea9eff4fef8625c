"""HTTP endpoints of payments: gateway webhooks, and the sandbox gateway's hosted checkout page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.enums import SandboxCheckoutStatus
from payments.exceptions import WebhookVerificationError
from payments.gateways.sandbox import consts as sandbox_consts
from payments.gateways.sandbox import gateway as sandbox_gateway
from payments.selectors import sandbox_checkout_find
from payments.services import WebhookEndpointUnknown, webhook_receive
from tinko.money import Money


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str, endpoint_id: str) -> JsonResponse:
    """A gateway delivers an event: verify, store once, acknowledge; processing happens in a worker."""
    try:
        receipt = webhook_receive(
            provider=provider, endpoint_id=endpoint_id, body=request.body, headers=request.headers
        )
    except WebhookEndpointUnknown:
        return _error(404, "unknown_endpoint", "No webhook endpoint at this address.")
    except WebhookVerificationError as exc:
        return _error(400, exc.reason, "The delivery failed signature verification.")
    return JsonResponse({"received": True, "duplicate": receipt.duplicate})


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, checkout_id: str) -> HttpResponse:
    """The sandbox gateway's hosted checkout: pay, decline with a chosen code, or let it expire."""
    checkout = sandbox_checkout_find(checkout_id=checkout_id)
    if checkout is None:
        raise Http404("No such checkout.")
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "pay":
            payment = sandbox_gateway.checkout_pay(checkout=checkout)
            if payment is not None and checkout.success_url:
                return HttpResponseRedirect(checkout.success_url)
            return redirect(request.path)
        if action == "decline" and request.POST.get("decline_code", "") in sandbox_consts.DECLINES:
            sandbox_gateway.checkout_decline(checkout=checkout, decline_code=request.POST["decline_code"])
            return redirect(request.path)
        if action == "expire":
            sandbox_gateway.checkout_expire(checkout=checkout)
            return redirect(request.path)
        error = "Choose what should happen to this payment."
    last_payment = checkout.payments.order_by("-created_at", "-pk").first()
    context = {
        "checkout": checkout,
        "merchant": checkout.organization.name,
        "amount": Money(checkout.amount, checkout.currency),
        "declines": list(sandbox_consts.DECLINES.values()),
        "last_payment": last_payment,
        "is_open": checkout.status == SandboxCheckoutStatus.OPEN,
        "error": error,
    }
    response = render(request, "pay/sandbox_checkout.html", context, status=400 if error else 200)
    # The checkout id is in the URL: never send it to other sites. (no-referrer would make
    # browsers send "Origin: null" with the form posts, which CSRF protection refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response
