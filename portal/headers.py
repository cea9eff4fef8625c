"""What every payer page answers with: no caching, no referrer to other sites, and a CSP that allows
Tinko's own static files and, for the form that opens a checkout, the gateways' checkout hosts."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

# Where a gateway's hosted checkout lives: Chrome applies form-action to the redirect after a POST,
# so the POST that 303s there needs the host listed (payer reference §5.4). The sandbox checkout is
# Tinko itself.
CHECKOUT_HOSTS: dict[str, tuple[str, ...]] = {
    "stripe": ("https://checkout.stripe.com",),
    "razorpay": ("https://rzp.io", "https://razorpay.me", "https://pages.razorpay.com", "https://api.razorpay.com"),
    "sandbox": (),
}


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline <style> (the merchant's colour), nothing else."""
    digest = hashlib.sha256(css.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def payer_headers(
    response: HttpResponse, *, language: str, provider: str | None = None, styles: tuple[str, ...] = ()
) -> HttpResponse:
    form_action = ["'self'", _origin(settings.PUBLIC_BASE_URL), *CHECKOUT_HOSTS.get(provider or "", ())]
    style_src = ["'self'", *styles]
    response["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {' '.join(style_src)}",
            "img-src 'self'",
            "connect-src 'self'",
            f"form-action {' '.join(dict.fromkeys(form_action))}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )
    # same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on form POSTs,
    # which Django's CSRF check refuses (payer reference §5.4).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["X-Frame-Options"] = "DENY"
    response["Content-Language"] = language
    add_never_cache_headers(response)
    return response
