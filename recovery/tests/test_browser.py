import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_platform_admin_tests_a_decline_code_in_admin(page) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto("/admin/recovery/classifierrule/")
    page.get_by_role("link", name="Test a code").click()
    page.fill("#id_gateway", "other")
    page.fill("#id_code", "U69")
    page.select_option("#id_payment_method_type", "upi")
    page.get_by_role("button", name="Classify").click()

    row = page.locator("#classifier-results tbody tr")
    assert row.count() == 1
    assert "npci:U69" in row.inner_text()
    assert "auth_timeout" in row.inner_text()
