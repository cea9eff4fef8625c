"""Gateway accounts: connecting validates keys, secrets are encrypted at rest and never shown."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from payments.crypto import SecretDecryptionFailed, secret_decrypt, secret_encrypt, secret_hint
from payments.exceptions import GatewayCredentialsInvalid
from payments.gateways.sandbox.adapter import SandboxAdapter
from payments.interface import CredentialCheck
from payments.models import GatewayAccount
from payments.selectors import gateway_credentials
from payments.services import gateway_account_connect
from payments.tests.factories import (
    RAZORPAY_KEY_ID,
    RAZORPAY_KEY_SECRET,
    SANDBOX_SECRET_KEY,
    SANDBOX_WEBHOOK_SECRET,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    GatewayAccountFactory,
)
from payments.tests.payloads import fixture

NEW_KEY = Fernet.generate_key().decode()


def _raw_columns(account: GatewayAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_key_ciphertext, webhook_secret_ciphertext, secret_key_hint, webhook_secret_hint "
            "FROM payments_gatewayaccount WHERE id = %s",
            [account.pk],
        )
        return " ".join(cursor.fetchone())


def test_secrets_round_trip_and_hints_show_only_a_prefix_and_the_last_four() -> None:
    ciphertext = secret_encrypt(STRIPE_SECRET_KEY)

    assert STRIPE_SECRET_KEY not in ciphertext
    assert secret_decrypt(ciphertext) == STRIPE_SECRET_KEY
    assert secret_hint(STRIPE_SECRET_KEY) == "sk_test_…0001"
    assert secret_hint("whsec_abcdefgh1234") == "whsec_…1234"
    assert secret_hint("short") == "…"


def test_rotation_keeps_old_ciphertexts_readable_until_rewritten(settings) -> None:
    old_ciphertext = secret_encrypt("rzp-secret-value")
    settings.GATEWAY_ENCRYPTION_KEYS = [NEW_KEY, *settings.GATEWAY_ENCRYPTION_KEYS]

    assert secret_decrypt(old_ciphertext) == "rzp-secret-value"

    settings.GATEWAY_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(SecretDecryptionFailed):
        secret_decrypt(old_ciphertext)


@pytest.mark.django_db
def test_connecting_stripe_validates_the_key_and_stores_it_encrypted(organization, fake_gateway):
    fake_gateway.respond("GET", "/v1/account", fixture("stripe", "api/account.json"))

    connected = gateway_account_connect(
        organization=organization, provider="stripe", secret_key=STRIPE_SECRET_KEY, webhook_secret=STRIPE_WEBHOOK_SECRET
    )

    account = GatewayAccount.objects.get()
    assert connected.created is True
    assert (account.provider, account.mode, account.organization) == ("stripe", "test", organization)
    assert (account.external_account_id, account.display_name) == ("acct_1QpMerchant01", "Chai and Co")
    assert (account.secret_key_hint, account.webhook_secret_hint) == ("sk_test_…0001", "whsec_…0001")
    raw = _raw_columns(account)
    assert STRIPE_SECRET_KEY not in raw
    assert STRIPE_WEBHOOK_SECRET not in raw
    credentials = gateway_credentials(account=account)
    assert (credentials.secret_key, credentials.webhook_secrets) == (STRIPE_SECRET_KEY, (STRIPE_WEBHOOK_SECRET,))
    assert STRIPE_SECRET_KEY not in repr(credentials)
    assert connected.webhook_url == f"http://127.0.0.1:8000/webhooks/stripe/{account.webhook_endpoint_id}/"
    [request] = fake_gateway.requests
    assert request.header("Authorization") == f"Bearer {STRIPE_SECRET_KEY}"


@pytest.mark.django_db
def test_a_refused_key_stores_nothing(organization, fake_gateway):
    fake_gateway.respond(
        "GET", "/v1/account", {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}, status=401
    )

    with pytest.raises(GatewayCredentialsInvalid):
        gateway_account_connect(organization=organization, provider="stripe", secret_key=STRIPE_SECRET_KEY)

    assert GatewayAccount.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "fields", "message"),
    [
        ("stripe", {"secret_key": "pk_test_publishableKey01"}, "sk_test_"),
        ("stripe", {"secret_key": STRIPE_SECRET_KEY, "webhook_secret": "not-a-whsec"}, "whsec_"),
        ("stripe", {"secret_key": STRIPE_SECRET_KEY, "mode": "live"}, "test-mode key"),
        ("razorpay", {"key_id": "key_123", "secret_key": "x"}, "rzp_test_"),
        ("razorpay", {"secret_key": RAZORPAY_KEY_SECRET}, "key id"),
    ],
)
def test_malformed_keys_are_refused_without_calling_the_gateway(organization, fake_gateway, provider, fields, message):
    with pytest.raises(GatewayCredentialsInvalid, match=message):
        gateway_account_connect(organization=organization, provider=provider, **fields)

    assert fake_gateway.requests == []
    assert GatewayAccount.objects.count() == 0


@pytest.mark.django_db
def test_reconnecting_keeps_the_webhook_url_and_the_previous_webhook_secret_for_a_while(organization, fake_gateway):
    fake_gateway.respond("GET", "/v1/account", fixture("stripe", "api/account.json"))
    first = gateway_account_connect(organization=organization, provider="stripe", secret_key=STRIPE_SECRET_KEY)

    second = gateway_account_connect(
        organization=organization, provider="stripe", webhook_secret=STRIPE_WEBHOOK_SECRET, mode="test"
    )
    third = gateway_account_connect(
        organization=organization, provider="stripe", webhook_secret="whsec_rotatedSecret0002"
    )

    assert (first.created, second.created, third.created) == (True, False, False)
    assert first.webhook_url == second.webhook_url == third.webhook_url
    account = GatewayAccount.objects.get()
    assert gateway_credentials(account=account).webhook_secrets == ("whsec_rotatedSecret0002", STRIPE_WEBHOOK_SECRET)
    later = timezone.now() + timedelta(days=4)
    assert gateway_credentials(account=account, now=later).webhook_secrets == ("whsec_rotatedSecret0002",)


@pytest.mark.django_db
def test_connecting_razorpay_without_a_webhook_secret_makes_one_up_and_shows_it_once(organization, fake_gateway):
    fake_gateway.respond("GET", "/v1/payments", fixture("razorpay", "api/empty_collection.json"))

    connected = gateway_account_connect(
        organization=organization, provider="razorpay", key_id=RAZORPAY_KEY_ID, secret_key=RAZORPAY_KEY_SECRET
    )

    assert connected.generated_webhook_secret is not None
    assert len(connected.generated_webhook_secret) >= 32
    account = GatewayAccount.objects.get()
    assert (account.key_id, account.mode) == (RAZORPAY_KEY_ID, "test")
    assert gateway_credentials(account=account).webhook_secrets == (connected.generated_webhook_secret,)


@pytest.mark.django_db
def test_connecting_the_sandbox_needs_no_keys_and_is_idempotent(organization):
    first = gateway_account_connect(organization=organization, provider="sandbox")
    second = gateway_account_connect(organization=organization, provider="sandbox")

    account = GatewayAccount.objects.get()
    assert (account.provider, account.mode, account.display_name) == ("sandbox", "test", "Tinko sandbox")
    assert first.webhook_url == second.webhook_url
    credentials = gateway_credentials(account=account)
    assert credentials.secret_key.startswith("sbx_sk_")
    assert credentials.webhook_secrets[0].startswith("sbx_whsec_")


@pytest.mark.django_db
def test_a_second_connect_of_the_same_account_updates_its_row(organization, fake_gateway):
    fake_gateway.respond("GET", "/v1/account", fixture("stripe", "api/account.json"))
    first = gateway_account_connect(organization=organization, provider="stripe", secret_key=STRIPE_SECRET_KEY)

    second = gateway_account_connect(
        organization=organization, provider="stripe", secret_key="sk_test_51QpTinkoTestKey0000000002"
    )

    account = GatewayAccount.objects.get()
    assert (first.created, second.created) == (True, False)
    assert first.account.pk == second.account.pk == account.pk
    assert account.connected_at == first.account.connected_at
    assert account.verified_at == second.account.verified_at != first.account.verified_at
    assert account.secret_key_hint == "sk_test_…0002"
    assert gateway_credentials(account=account).secret_key == "sk_test_51QpTinkoTestKey0000000002"
    assert (account.webhook_secret_hint, account.previous_webhook_secret_ciphertext) == ("", "")


@pytest.mark.django_db
def test_an_account_another_connect_inserted_meanwhile_is_updated_not_duplicated(organization, monkeypatch):
    # The other connect commits while this one checks its keys, after this one looked for an account.
    def validate_while_another_connect_commits(self, *, credentials):
        GatewayAccountFactory.sandbox(organization=organization, display_name="the other connect")
        return CredentialCheck(display_name="Tinko sandbox")

    monkeypatch.setattr(SandboxAdapter, "validate_credentials", validate_while_another_connect_commits)

    connected = gateway_account_connect(
        organization=organization,
        provider="sandbox",
        secret_key="sbx_sk_thisConnectKey0001",
        webhook_secret="sbx_whsec_thisConnectSecret0001",
    )

    account = GatewayAccount.objects.get()
    assert connected.created is False
    assert connected.account.pk == account.pk
    assert account.display_name == "Tinko sandbox"
    credentials = gateway_credentials(account=account)
    assert credentials.secret_key == "sbx_sk_thisConnectKey0001"
    assert credentials.webhook_secrets == ("sbx_whsec_thisConnectSecret0001", SANDBOX_WEBHOOK_SECRET)
    assert SANDBOX_SECRET_KEY not in (credentials.secret_key, *credentials.webhook_secrets)


@pytest.mark.django_db
def test_connect_gateway_prints_the_webhook_url_alone_on_the_last_line(organization, capsys):
    call_command("connect_gateway", "--org", organization.slug, "--provider", "sandbox")

    out = capsys.readouterr().out
    account = GatewayAccount.objects.get()
    assert out.strip().splitlines()[-1] == f"http://127.0.0.1:8000/webhooks/sandbox/{account.webhook_endpoint_id}/"
    credentials = gateway_credentials(account=account)
    assert credentials.secret_key not in out
    assert credentials.webhook_secrets[0] not in out


@pytest.mark.django_db
def test_connect_gateway_reports_refused_keys_as_a_command_error(organization, fake_gateway):
    fake_gateway.respond(
        "GET", "/v1/account", {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}, status=401
    )

    with pytest.raises(CommandError, match="Stripe refused the key"):
        call_command(
            "connect_gateway", "--org", organization.slug, "--provider", "stripe", "--secret-key", STRIPE_SECRET_KEY
        )
    with pytest.raises(CommandError, match="No organization"):
        call_command("connect_gateway", "--org", "nope", "--provider", "sandbox")


@pytest.mark.django_db
def test_rotate_gateway_keys_re_encrypts_every_secret_under_the_new_key(settings, capsys):
    account = GatewayAccountFactory.stripe()
    before = _raw_columns(account)
    settings.GATEWAY_ENCRYPTION_KEYS = [NEW_KEY, *settings.GATEWAY_ENCRYPTION_KEYS]

    call_command("rotate_gateway_keys")

    assert capsys.readouterr().out.strip() == "Re-encrypted the secrets of 1 gateway account(s) under the current key."
    account.refresh_from_db()
    assert _raw_columns(account) != before
    settings.GATEWAY_ENCRYPTION_KEYS = [NEW_KEY]
    credentials = gateway_credentials(account=account)
    assert (credentials.secret_key, credentials.webhook_secrets) == (STRIPE_SECRET_KEY, (STRIPE_WEBHOOK_SECRET,))


@pytest.mark.django_db
def test_rotate_gateway_keys_refuses_when_a_key_was_dropped_too_early(settings):
    GatewayAccountFactory.stripe()
    settings.GATEWAY_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(CommandError, match="Keep the old key"):
        call_command("rotate_gateway_keys")


@pytest.mark.django_db
def test_admin_shows_hints_never_secrets(client: Client):
    account = GatewayAccountFactory.stripe()
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)

    change = client.get(f"/admin/payments/gatewayaccount/{account.pk}/change/")
    listing = client.get("/admin/payments/gatewayaccount/")

    assert change.status_code == listing.status_code == 200
    for page in (change.content.decode(), listing.content.decode()):
        assert STRIPE_SECRET_KEY not in page
        assert STRIPE_WEBHOOK_SECRET not in page
        assert account.secret_key_ciphertext not in page
        assert "sk_test_…0001" in page
    assert f"/webhooks/stripe/{account.webhook_endpoint_id}/" in change.content.decode()
