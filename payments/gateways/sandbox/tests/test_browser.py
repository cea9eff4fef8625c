"""A person on the sandbox checkout, on a phone: fail with a chosen code, then pay."""

import pytest

from payments.enums import OutcomeType
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import CheckoutRequest, PaymentReferences
from payments.models import SandboxEvent
from payments.selectors import gateway_credentials
from tinko.money import Money

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_payer_fails_then_pays_on_the_sandbox_checkout(page, live_server, settings, sandbox_account, outcomes):
    settings.PUBLIC_BASE_URL = live_server.url
    session = SandboxAdapter().create_checkout(
        credentials=gateway_credentials(account=sandbox_account),
        request=CheckoutRequest(
            amount=Money(49900, "INR"),
            description="Order 1042",
            idempotency_key="checkout-browser",
            references=PaymentReferences(transaction_ref="order-1042"),
            success_url=f"{live_server.url}/",
        ),
    )
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(session.url)

    assert page.get_by_role("note").inner_text().startswith("Sandbox")
    assert page.get_by_role("heading", level=1).inner_text() == f"Pay {sandbox_account.organization.name}"
    assert page.get_by_test_id("amount").inner_text() == "499.00 INR"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

    page.get_by_label("Decline code").select_option("card_velocity_exceeded")
    page.get_by_role("button", name="Decline payment").click()

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Payment declined" in alert.inner_text()
    assert "card_velocity_exceeded" in alert.inner_text()
    [(failure, _)] = outcomes
    assert (failure.type, failure.failure.decline_code) == (OutcomeType.PAYMENT_FAILED, "card_velocity_exceeded")

    page.get_by_role("button", name="Pay 499.00 INR").click()

    page.wait_for_url(f"{live_server.url}/")
    assert [outcome.type for outcome, _ in outcomes] == [OutcomeType.PAYMENT_FAILED, OutcomeType.PAYMENT_SUCCEEDED]
    assert SandboxEvent.objects.filter(delivered_at__isnull=True).count() == 0
