"""The payer's session holds the links they opened: the token leaves the URL on the first request
(as Django's password-reset view does), and every later page asks the session, never a token."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "tinko_pay_links"
# A payer with many emails open still has a short list; the oldest falls off.
MAX_LINKS = 20


def payer_link_grant(session: SessionBase, *, link_id: str) -> None:
    """Let this browser open `link_id`'s pages."""
    granted = [item for item in session.get(SESSION_KEY, []) if item != link_id]
    session[SESSION_KEY] = [*granted[-(MAX_LINKS - 1) :], link_id]


def payer_link_granted(session: SessionBase, *, link_id: str) -> bool:
    return link_id in session.get(SESSION_KEY, [])
