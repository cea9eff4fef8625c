"""What the console layout needs on every page: the current membership and the organizations to switch to."""

from __future__ import annotations

from functools import cached_property
from typing import cast

from django.http import HttpRequest

from accounts.access import SESSION_ORGANIZATION_KEY
from accounts.models import Membership, User
from accounts.selectors import membership_current, membership_list_for_user


class ConsoleContext:
    """Lazy: pages that never show the console header run no query."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def membership(self) -> Membership | None:
        resolved = getattr(self._request, "membership", None)
        if isinstance(resolved, Membership):
            return resolved
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return membership_current(
            user=cast(User, user), organization_id=self._request.session.get(SESSION_ORGANIZATION_KEY)
        )

    @property
    def livemode(self) -> bool | None:
        """Whether the page shows live data (else test data); None on pages outside an organization."""
        livemode = getattr(self._request, "livemode", None)
        return livemode if isinstance(livemode, bool) else None

    @cached_property
    def memberships(self) -> list[Membership]:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(membership_list_for_user(user=cast(User, user)))


def console(request: HttpRequest) -> dict[str, ConsoleContext]:
    return {"console": ConsoleContext(request)}
