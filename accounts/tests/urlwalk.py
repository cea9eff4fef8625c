"""Walk the URL resolver: every console and API route, with the view and the kwargs it takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

CONSOLE_PREFIX = "app/"
API_PREFIX = "v1/"


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    kwargs: tuple[str, ...]
    callback: Callable[..., Any]

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    def path(self, values: dict[str, str] | None = None) -> str:
        if not self.name or self.name.endswith(":"):
            raise AssertionError(f"Name the URL /{self.route} so tests can reverse it.")
        return reverse(self.name, kwargs=values or {})

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


def console_and_api_routes() -> list[Route]:
    """Every route under /app/ and /v1/ (the catch-all for unknown API paths excluded)."""
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if route.route.startswith((CONSOLE_PREFIX, API_PREFIX)) and "(?:" not in route.route
    ]
