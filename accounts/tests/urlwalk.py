"""Walk the URL resolver: every route, with the view and the kwargs it takes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

CONSOLE_PREFIX = "app/"
API_PREFIX = "v1/"
# `<int:pk>` in a route, and `(?P<pk>…)` in a regex route.
_PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    kwargs: tuple[str, ...]
    callback: Callable[..., Any]

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    @property
    def is_admin(self) -> bool:
        return self.route.startswith(settings.ADMIN_URL_PATH)

    def path(self, values: dict[str, str] | None = None) -> str:
        if not self.name or self.name.endswith(":"):
            raise AssertionError(f"Name the URL /{self.route} so tests can reverse it.")
        return reverse(self.name, kwargs=values or {})

    def fill(self, values: dict[str, str]) -> str:
        """The path with the route's kwargs taken from `values`, for unnamed routes too (the admin has some)."""
        values = {kwarg: values[kwarg] for kwarg in self.kwargs}
        if self.name:
            return self.path(values)
        filled = _PATH_PARAMETER.sub(lambda match: values[match.group(1)], self.route)
        return "/" + _REGEX_GROUP.sub(lambda match: values[match.group(1)], filled)

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.route}"


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), child_namespace)
        elif isinstance(entry, URLPattern):
            route = (prefix + str(entry.pattern)).replace("^", "").replace("$", "")
            kwargs = tuple(entry.pattern.regex.groupindex)
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(route=route, name=name, kwargs=kwargs, callback=entry.callback)


def all_routes() -> list[Route]:
    """Every route of the URLconf, the admin's and allauth's included."""
    return list(_walk(get_resolver().url_patterns))


def is_api_catch_all(route: Route) -> bool:
    """The pattern that answers unknown /v1/ and /api/ paths in the API's error envelope."""
    return "(?:" in route.route


def console_and_api_routes() -> list[Route]:
    """Every route under /app/ and /v1/ (the catch-all for unknown API paths excluded)."""
    return [
        route
        for route in all_routes()
        if route.route.startswith((CONSOLE_PREFIX, API_PREFIX)) and not is_api_catch_all(route)
    ]
