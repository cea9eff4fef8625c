"""The payer's email is checked exactly as Django's validate_email checks it, only faster."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email

from recovery.api.parsing import validate_email

EMAILS = [
    "asha@example.com",
    "Asha.Rao+plan@Example.CO.IN",
    "user@[127.0.0.1]",
    "user@[IPv6:2001:db8::1]",
    "user@localhost",
    "उपयोगकर्ता@उदाहरण.भारत",
    "user@xn--p1ai",
    '"quoted name"@example.com',
    "no-at-sign.example.com",
    "two@@example.com",
    "user@-example.com",
    "user@example..com",
    "user@.example.com",
    "user name@example.com",
    "user@" + "a" * 64 + ".com",
    "a" * 321 + "@example.com",
    "",
]


def _accepts(check: object, email: str) -> bool:
    try:
        check(email)  # type: ignore[operator]
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("email", EMAILS)
def test_the_same_emails_are_accepted_and_refused_as_by_django(email: str) -> None:
    assert _accepts(validate_email, email) is _accepts(django_validate_email, email)


def test_the_list_holds_both_kinds() -> None:
    verdicts = {_accepts(django_validate_email, email) for email in EMAILS}
    assert verdicts == {True, False}
