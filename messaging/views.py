"""The payer's way in from a recovery link (on to the portal's pages) and the stop link's page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import client_ip
from accounts.enums import PayerLanguage
from accounts.models import Organization
from accounts.selectors import organization_branding
from messaging.enums import OptOutSource
from messaging.i18n import amount_display, payer_language_choose
from messaging.selectors import notification_find_by_stop_token, reminders_stopped
from messaging.services import recovery_link_open, reminders_stop
from messaging.sessions import payer_link_grant
from recovery.models import Transaction
from tinko.ratelimit import Rate, rate_limit_hit

# Same-origin, not no-referrer: browsers send `Origin: null` on a form POST under no-referrer,
# which Django's CSRF check refuses (reference: payer-messaging-and-portal.md §5.4).
_PAYER_HEADERS = {
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _payer_page(
    request: HttpRequest, template: str, *, organization: Organization, language: str, status: int, **context: Any
) -> HttpResponse:
    branding = organization_branding(organization=organization)
    other = PayerLanguage.HINDI if language == PayerLanguage.ENGLISH else PayerLanguage.ENGLISH
    with translation.override(language):
        response = render(
            request,
            template,
            {
                "language": language,
                "other_language": other.value,
                "brand": branding,
                "accent_colour": branding.accent_colour,
                **context,
            },
            status=status,
        )
    for name, value in _PAYER_HEADERS.items():
        response[name] = value
    response["Content-Language"] = language
    return response


def _transaction_context(transaction: Transaction, *, language: str) -> dict[str, Any]:
    return {
        "transaction": transaction,
        "amount": amount_display(amount=transaction.amount, currency=transaction.currency, language=language),
    }


@never_cache
@require_GET
def recovery_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the payer's message: the token moves into the session and the browser goes on to the
    token-free pay page (as Django's password-reset view does), so the token is never in a later URL,
    a Referer or a log; a plain 404 for a token Tinko never made."""
    ip = client_ip(request)
    limits = [rate_limit_hit(scope="pay-ip", ident=ip, rate=Rate.parse(settings.PORTAL_RATE_PER_IP))] if ip else []
    # Per token (its signature, never the token itself, names the counter), so one leaked link cannot be hammered.
    limits.append(rate_limit_hit(scope="pay-token", ident=token[-16:], rate=Rate.parse(settings.PORTAL_RATE_PAGE)))
    waits = [wait for wait in limits if wait is not None]
    if waits:
        limited = HttpResponse("Too many requests. Please wait a minute.", status=429, content_type="text/plain")
        limited["Retry-After"] = str(max(1, int(max(waits))))
        return limited
    visit = recovery_link_open(token)
    if visit is None:
        raise Http404("No such page.")
    link = visit.link
    payer_link_grant(request.session, link_id=link.public_id)
    target = reverse("portal:pay", args=[link.public_id])
    language = request.GET.get("lang", "")
    if language in PayerLanguage.values:
        target = f"{target}?{urlencode({'lang': language})}"
    response = HttpResponseRedirect(target)
    for name, value in _PAYER_HEADERS.items():
        response[name] = value
    return response


# Mail programs POST the one-click unsubscribe with no cookies at all (RFC 8058 §3.2): the token in
# the URL is the whole credential, so there is no CSRF token to check.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reminders_stop_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks the payer to confirm (link scanners fetch every link in a message); POST stops the
    reminders and answers 200, never a redirect, whether the payer or their mail program sent it."""
    notification = notification_find_by_stop_token(token=token)
    if notification is None:
        raise Http404("No such page.")
    transaction = notification.transaction
    language = payer_language_choose(
        organization=notification.organization, requested=request.GET.get("lang") or notification.language
    )
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        reminders_stop(
            notification=notification, source=OptOutSource.ONE_CLICK if one_click else OptOutSource.STOP_PAGE
        )
        stopped = True
    else:
        stopped = reminders_stopped(transaction=transaction)
    return _payer_page(
        request,
        "pay/stop.html",
        organization=notification.organization,
        language=language,
        status=200,
        stopped=stopped,
        **_transaction_context(transaction, language=language),
    )
