"""The admin answers only the networks the deployment allows (ADMIN_ALLOWED_NETWORKS)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from accounts.access import client_ip


def _allowed(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


class AdminNetworkMiddleware:
    """Answers 404 under ADMIN_URL_PATH to clients outside ADMIN_ALLOWED_NETWORKS (when any are set):
    from elsewhere the admin does not exist, and its sign-in page is not there to be tried."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = settings.ADMIN_ALLOWED_NETWORKS
        if (
            networks
            and request.path_info.startswith(f"/{settings.ADMIN_URL_PATH}")
            and not _allowed(client_ip(request), networks)
        ):
            raise Http404
        return self.get_response(request)
