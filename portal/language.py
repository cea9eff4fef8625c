"""Which language a payer reads: the one asked for on the link or the switcher, then the one they
chose before on these pages, then their browser's, then the organization's "Language for payers"."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts.enums import PayerLanguage
from accounts.models import Organization

SESSION_KEY = "tinko_pay_language"


def _spoken(value: str | None) -> str | None:
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in PayerLanguage.values else None


def payer_language_pick(request: HttpRequest, *, organization: Organization) -> str:
    """The payer's language for this request; one asked for with ?lang= is remembered in the session."""
    asked = _spoken(request.GET.get("lang"))
    if asked:
        if request.session.get(SESSION_KEY) != asked:
            request.session[SESSION_KEY] = asked
        return asked
    remembered = _spoken(request.session.get(SESSION_KEY))
    if remembered:
        return remembered
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:255]):
        browser = _spoken(code)
        if browser:
            return browser
    return str(organization.payer_language)
