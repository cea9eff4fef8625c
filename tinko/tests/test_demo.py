import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.enums import Role
from accounts.models import Membership, Organization, User
from tinko.demo import DEMO_EMAIL, DEMO_ORG_SLUG, DEMO_PASSWORD


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_the_demo_user_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo")
    User.objects.filter(email=DEMO_EMAIL).update(password="!")  # someone broke the password
    call_command("load_demo")

    assert Organization.objects.filter(slug=DEMO_ORG_SLUG).count() == 1
    membership = Membership.objects.get(organization__slug=DEMO_ORG_SLUG)
    assert membership.user.email == DEMO_EMAIL
    assert membership.role == Role.OWNER
    assert authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD) == membership.user
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in capsys.readouterr().out
