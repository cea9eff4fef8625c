"""The payer's pages behind a recovery link, after the token left the URL (messaging.views.recovery_link
moves it into the session): pay, the way back from the gateway, the receipt, and a new link.

Every page answers 404 to a browser that did not open the link's token, exactly as for a link that
does not exist, and carries the payer headers (portal.headers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import HtmxHttpRequest, client_ip
from accounts.branding import contrast_with_white
from accounts.selectors import organization_branding
from messaging.channels.email.channel import email_mask
from messaging.copy import decline_copy
from messaging.enums import LinkState
from messaging.i18n import amount_display, moment_display
from messaging.models import RecoveryLink
from messaging.selectors import recovery_link_state
from messaging.services import recovery_link_mark_opened
from messaging.services.email import DEFAULT_ACCENT
from messaging.sessions import payer_link_granted
from portal.enums import CheckoutStatus
from portal.exceptions import CheckoutUnavailable
from portal.headers import payer_headers, style_hash
from portal.language import payer_language_pick
from portal.models import PayerCheckout
from portal.selectors import (
    payer_checkout_get,
    payer_checkout_latest_declined,
    payer_gateway_account,
    payer_link_get,
    payer_methods,
    payer_receipt,
)
from portal.services import (
    payer_checkout_back,
    payer_checkout_confirm_from_gateway,
    payer_checkout_open,
    payer_checkout_returned,
    payer_checkouts_settle,
    payer_new_link_send,
)
from portal.throttle import payer_throttled
from recovery.enums import PaymentMethodType, TransactionStatus

# WCAG 2.1 AA for normal text: white on the merchant's colour, and that colour on white.
MIN_CONTRAST = 4.5

METHOD_COPY: dict[str, tuple[Promise, Promise]] = {
    PaymentMethodType.UPI: (_("UPI"), _("Pay from any UPI app.")),
    PaymentMethodType.NETBANKING: (_("Netbanking"), _("Pay from your bank account.")),
    PaymentMethodType.CARD: (_("Card"), _("Debit or credit card.")),
    PaymentMethodType.WALLET: (_("Wallet"), _("Pay from a mobile wallet.")),
}

# Messages the pay page shows after a redirect (?m=…): a decline, a checkout left, an outage.
NOTICES: dict[str, Promise] = {
    "declined": _("Your payment was declined. Nothing was charged. Please choose another way to pay."),
    "left": _("You left the payment page before paying. Nothing was charged."),
    "unavailable": _("Paying this way is not available right now. Please try again in a minute or choose another way."),
}


def _link(request: HtmxHttpRequest, link_id: str) -> RecoveryLink:
    """The link this browser opened; 404 for one it did not open, one that does not exist, and one of
    an organization being deleted: all three look the same from outside."""
    if not payer_link_granted(request.session, link_id=link_id):
        raise Http404("No such page.")
    link = payer_link_get(link_id=link_id)
    if link is None:
        raise Http404("No such page.")
    return link


def _accent(colour: str) -> str:
    if colour and contrast_with_white(colour) >= MIN_CONTRAST:
        return colour
    return DEFAULT_ACCENT


def _page(
    request: HtmxHttpRequest,
    template: str,
    *,
    link: RecoveryLink,
    language: str,
    status: int = 200,
    provider: str | None = None,
    **context: Any,
) -> HttpResponse:
    organization = link.organization
    transaction = link.transaction
    branding = organization_branding(organization=organization)
    accent_css = f":root{{--accent:{_accent(branding.accent_colour)}}}"
    with translation.override(language):
        response = render(
            request,
            template,
            {
                "language": language,
                "other_language": "en" if language == "hi" else "hi",
                "brand": branding,
                "accent_css": accent_css,
                "link": link,
                "transaction": transaction,
                "amount": amount_display(amount=transaction.amount, currency=transaction.currency, language=language),
                **context,
            },
            status=status,
        )
    return payer_headers(response, language=language, provider=provider, styles=(style_hash(accent_css),))


def _throttled(request: HtmxHttpRequest, link: RecoveryLink, *, scope: str, language: str) -> HttpResponse | None:
    wait = payer_throttled(ip=client_ip(request), link_id=link.public_id, scope=scope)
    if wait is None:
        return None
    response = _page(request, "portal/limited.html", link=link, language=language, status=429)
    response["Retry-After"] = str(max(1, int(wait)))
    return response


def _pay_url(link: RecoveryLink, notice: str = "") -> str:
    path = reverse("portal:pay", args=[link.public_id])
    return f"{path}?{urlencode({'m': notice})}" if notice else path


def _receipt_url(link: RecoveryLink) -> str:
    return reverse("portal:receipt", args=[link.public_id])


def _unavailable(
    request: HtmxHttpRequest, link: RecoveryLink, *, state: str, language: str, **context: Any
) -> HttpResponse:
    transaction = link.transaction
    can_ask = state == LinkState.EXPIRED and bool(transaction.customer_email)
    return _page(
        request,
        "portal/unavailable.html",
        link=link,
        language=language,
        status=410,
        state=state,
        can_ask=can_ask,
        masked_email=email_mask(transaction.customer_email) if transaction.customer_email else "",
        **context,
    )


@require_GET
def pay(request: HtmxHttpRequest, link_id: str) -> HttpResponse:
    """What failed and why, the amount, and the ways to pay it, best first; or why the link no longer
    works; or, once paid, the receipt."""
    link = _link(request, link_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="page", language=language):
        return limited
    transaction = link.transaction
    state = recovery_link_state(link=link, now=timezone.now())
    if transaction.status == TransactionStatus.RECOVERED:
        return HttpResponseRedirect(_receipt_url(link))
    if state != LinkState.USABLE:
        return _unavailable(request, link, state=state, language=language)
    if link.opened_at is None:
        recovery_link_mark_opened(link=link)
    account = payer_gateway_account(transaction=transaction)
    declined = payer_checkout_latest_declined(link=link) if request.GET.get("m") == "declined" else None
    methods = payer_methods(
        transaction=transaction,
        account=account,
        alternatives=getattr(link, "alternatives", None),
        declined=declined.method if declined else None,
    )
    copy = decline_copy(category=transaction.category, currency=transaction.currency)
    description = transaction.metadata.get("description") if isinstance(transaction.metadata, dict) else None
    return _page(
        request,
        "portal/pay.html",
        link=link,
        language=language,
        provider=account.provider if account else None,
        headline=copy.headline,
        advice=copy.advice,
        description=str(description) if description else "",
        notice=NOTICES.get(request.GET.get("m", "")),
        methods=[(method, *METHOD_COPY[method]) for method in methods],
        masked_email=email_mask(transaction.customer_email) if transaction.customer_email else "",
        expires=moment_display(
            moment=link.expires_at,
            time_zone=str(link.organization.time_zone),
            language=language,
            currency=transaction.currency,
        ),
    )


@require_POST
def checkout(request: HtmxHttpRequest, link_id: str) -> HttpResponse:
    """The payer chose a method: to the gateway's hosted checkout for it (the same one on a reload or
    a second click)."""
    link = _link(request, link_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="checkout", language=language):
        return limited
    transaction = link.transaction
    if transaction.status == TransactionStatus.RECOVERED:
        return HttpResponseRedirect(_receipt_url(link), status=303)
    state = recovery_link_state(link=link, now=timezone.now())
    if state != LinkState.USABLE:
        return _unavailable(request, link, state=state, language=language)
    account = payer_gateway_account(transaction=transaction)
    method = request.POST.get("method", "")
    offered = payer_methods(transaction=transaction, account=account, alternatives=getattr(link, "alternatives", None))
    if account is None or method not in offered:
        return HttpResponse("Choose one of the ways to pay on the page.", status=400, content_type="text/plain")
    try:
        opened = payer_checkout_open(link=link, method=method, account=account, language=language)
    except CheckoutUnavailable:
        return HttpResponseRedirect(_pay_url(link, "unavailable"), status=303)
    if opened.status != CheckoutStatus.OPEN or not opened.url:
        return HttpResponseRedirect(_pay_url(link), status=303)
    response = HttpResponseRedirect(opened.url, status=303)
    return payer_headers(response, language=language, provider=account.provider)


def _checkout(link: RecoveryLink, checkout_id: str) -> PayerCheckout:
    found = payer_checkout_get(link=link, checkout_id=checkout_id)
    if found is None:
        raise Http404("No such page.")
    return found


@require_GET
def back(request: HtmxHttpRequest, link_id: str, checkout_id: str) -> HttpResponse:
    """The payer came back from the gateway's page without paying (its back or cancel link): the pay
    page again, saying whether the payment was declined, with the other methods first."""
    link = _link(request, link_id)
    found = _checkout(link, checkout_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="page", language=language):
        return limited
    if link.transaction.status == TransactionStatus.RECOVERED:
        return HttpResponseRedirect(_receipt_url(link))
    result = payer_checkout_back(checkout=found)
    return HttpResponseRedirect(_pay_url(link, "declined" if result.declined else "left"))


def _settled(request: HtmxHttpRequest, link: RecoveryLink) -> HttpResponse:
    payer_checkouts_settle(transaction=link.transaction)
    if request.htmx:
        return HttpResponseClientRedirect(_receipt_url(link))
    return HttpResponseRedirect(_receipt_url(link))


@require_GET
def checkout_return(request: HtmxHttpRequest, link_id: str, checkout_id: str) -> HttpResponse:
    """Back from the gateway after paying: "confirming…" until the verified webhook settles it (htmx
    polls the status fragment), then the receipt. After PORTAL_CONFIRM_SECONDS the gateway is asked
    directly once; if it still cannot say, the page says what happens next."""
    link = _link(request, link_id)
    found = _checkout(link, checkout_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="poll", language=language):
        return limited
    payer_checkout_returned(checkout=found)
    transaction = link.transaction
    if transaction.status == TransactionStatus.RECOVERED:
        return _settled(request, link)
    waited = (timezone.now() - (found.returned_at or timezone.now())).total_seconds()
    timed_out = waited >= settings.PORTAL_CONFIRM_SECONDS
    if timed_out and payer_checkout_confirm_from_gateway(checkout=found):
        transaction.refresh_from_db()
        return _settled(request, link)
    template = "portal/return.html#status" if request.htmx else "portal/return.html"
    return _page(
        request,
        template,
        link=link,
        language=language,
        checkout=found,
        timed_out=timed_out,
        poll_seconds=settings.PORTAL_POLL_SECONDS,
        masked_email=email_mask(transaction.customer_email) if transaction.customer_email else "",
    )


@require_GET
def receipt(request: HtmxHttpRequest, link_id: str) -> HttpResponse:
    """The receipt of a paid transaction (amount, merchant, date, reference), printable."""
    link = _link(request, link_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="page", language=language):
        return limited
    found = payer_receipt(transaction=link.transaction, language=language)
    if found is None:
        return HttpResponseRedirect(_pay_url(link))
    return _page(request, "portal/receipt.html", link=link, language=language, receipt=found)


@require_http_methods(["POST"])
def new_link(request: HtmxHttpRequest, link_id: str) -> HttpResponse:
    """ "Send me a new link" on an expired link: to the address on file, a few times an hour at most."""
    link = _link(request, link_id)
    language = payer_language_pick(request, organization=link.organization)
    if limited := _throttled(request, link, scope="new_link", language=language):
        return limited
    state = recovery_link_state(link=link, now=timezone.now())
    if state != LinkState.EXPIRED:
        return HttpResponseRedirect(_pay_url(link), status=303)
    log = payer_new_link_send(link=link, language=language)
    if log is None:
        return _unavailable(request, link, state=state, language=language)
    response = _unavailable(request, link, state=state, language=language, new_link_sent=True)
    response.status_code = 200
    return response
