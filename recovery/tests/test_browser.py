import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from accounts.tests.factories import STAFF_TOTP, OrganizationFactory, UserFactory
from recovery.enums import Action, Category, CodeSystem
from recovery.tests.factories import classifier_rule

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db(transaction=True)
def test_a_platform_admin_tests_a_decline_code_in_admin(page) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    acme = OrganizationFactory.create(name="Acme")
    # Its own rule: transactional tests may run after others that emptied the shipped table.
    classifier_rule(
        organization=acme,
        slug="acme:u69",
        code_system=CodeSystem.UPI,
        gateway="",
        code="U69",
        category=Category.AUTH_TIMEOUT,
        action=Action.RETRY_LATER,
    )
    # The admin signs in through allauth, with the authenticator app staff must have.
    page.goto("/admin/login/")
    page.fill("#id_login", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    counters = list(yield_hotp_counters_from_time())
    page.fill("#id_code", format_hotp_value(hotp_value(STAFF_TOTP, counters[len(counters) // 2])))
    page.click("button[type=submit]")

    page.goto("/admin/recovery/classifierrule/")
    page.get_by_role("link", name="Test a code").click()
    page.select_option("#id_organization", label="Acme")
    page.fill("#id_gateway", "other")
    page.fill("#id_code", "U69")
    page.select_option("#id_payment_method_type", "upi")
    page.get_by_role("button", name="Classify").click()

    row = page.locator("#classifier-results tbody tr")
    assert row.count() == 1
    assert "acme:u69" in row.inner_text()
    assert "auth_timeout" in row.inner_text()
