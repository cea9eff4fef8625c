"""Template helpers for the console."""

from django import template

from accounts.enums import role_at_least as _role_at_least
from accounts.models import Membership
from accounts.services import membership_may_manage

register = template.Library()


@register.filter
def role_at_least(membership: Membership | None, minimum: str) -> bool:
    """`{% if console.membership|role_at_least:"admin" %}`: the member's role reaches `minimum`."""
    return membership is not None and _role_at_least(membership.role, minimum)


@register.filter
def may_manage(by: Membership, target: Membership) -> bool:
    """`{% if request.membership|may_manage:member %}`: `by` may change or remove `target`."""
    return membership_may_manage(by=by, target=target)


@register.filter
def percent(rate: float) -> str:
    """`{{ 0.3333|percent }}` → `33.3%`: a share of 0 … 1 as people read it."""
    return f"{float(rate) * 100:.1f}%"
