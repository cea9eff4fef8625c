"""Rate limits of the payer pages: per client address across every link, and per link, by kind of
request (pages, opening a checkout, polling, asking for a new link). Settings say how many."""

from __future__ import annotations

from django.conf import settings

from tinko.ratelimit import Rate, rate_limit_hit


def _rates() -> dict[str, str]:
    return {
        "page": settings.PORTAL_RATE_PAGE,
        "checkout": settings.PORTAL_RATE_CHECKOUT,
        "poll": settings.PORTAL_RATE_POLL,
        "new_link": settings.PORTAL_RATE_NEW_LINK,
    }


def payer_throttled(*, ip: str | None, link_id: str | None, scope: str) -> float | None:
    """Count one request; None when it is within the limits, else the seconds to wait."""
    waits = []
    if ip:
        waits.append(rate_limit_hit(scope="pay-ip", ident=ip, rate=Rate.parse(settings.PORTAL_RATE_PER_IP)))
    if link_id:
        waits.append(rate_limit_hit(scope=f"pay-{scope}", ident=link_id, rate=Rate.parse(_rates()[scope])))
    blocked = [wait for wait in waits if wait is not None]
    return max(blocked) if blocked else None
