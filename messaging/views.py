"""The payer's pages behind a recovery link and a stop link. The full payer portal comes later;
until then the recovery link shows what it is for, in the payer's language."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.enums import PayerLanguage
from accounts.models import Organization
from accounts.selectors import organization_branding
from messaging.copy import decline_copy
from messaging.enums import LinkState, OptOutSource
from messaging.i18n import amount_display, moment_display, payer_language_choose
from messaging.selectors import notification_find_by_stop_token, reminders_stopped
from messaging.services import recovery_link_open, reminders_stop
from recovery.enums import TransactionStatus
from recovery.models import Transaction

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
    """What the link is for while it works; why not (410) once it expired, was used or revoked, or the
    payment was settled; a plain 404 for a token Tinko never made."""
    visit = recovery_link_open(token)
    if visit is None:
        raise Http404("No such page.")
    link = visit.link
    organization = link.organization
    transaction = link.transaction
    language = payer_language_choose(organization=organization, requested=request.GET.get("lang"))
    context = _transaction_context(transaction, language=language)
    if visit.state != LinkState.USABLE:
        return _payer_page(
            request,
            "pay/retry_unavailable.html",
            organization=organization,
            language=language,
            status=410,
            state=visit.state,
            recovered=transaction.status == TransactionStatus.RECOVERED,
            **context,
        )
    copy = decline_copy(category=transaction.category, currency=transaction.currency)
    return _payer_page(
        request,
        "pay/retry.html",
        organization=organization,
        language=language,
        status=200,
        headline=copy.headline,
        advice=copy.advice,
        expires=moment_display(
            moment=link.expires_at,
            time_zone=str(organization.time_zone),
            language=language,
            currency=transaction.currency,
        ),
        **context,
    )


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
