"""POST /webhooks/<provider>/<endpoint_id>/: verify, store once, enqueue after commit, answer fast."""

import json
import logging
import time

import pytest
from django.db import IntegrityError
from django.test import Client

from payments.enums import WebhookEventStatus
from payments.models import WebhookEvent
from payments.selectors import webhook_rejections_count
from payments.tests.factories import RAZORPAY_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET, GatewayAccountFactory
from payments.tests.payloads import fixture, fixture_bytes, razorpay_signature, stripe_signature


def _url(account) -> str:
    return f"/webhooks/{account.provider}/{account.webhook_endpoint_id}/"


def _post_stripe(client: Client, account, body: bytes, *, secret: str = STRIPE_WEBHOOK_SECRET, signed_at=None):
    header = stripe_signature(body, secret, signed_at or int(time.time()))
    return client.post(_url(account), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.mark.django_db
def test_a_verified_stripe_event_is_stored_once_and_processing_is_enqueued_after_commit(
    client: Client, stripe_account, django_capture_on_commit_callbacks, monkeypatch
):
    from payments import tasks

    enqueued: list[int] = []
    monkeypatch.setattr(tasks.webhook_event_process_task, "apply_async", lambda args, countdown: enqueued.extend(args))
    body = fixture_bytes("stripe", "charge.failed.json")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post_stripe(client, stripe_account, body)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.event_type) == ("stripe", "evt_3QpChargeFailed01", "charge.failed")
    assert event.organization_id == stripe_account.organization_id
    assert event.gateway_account == stripe_account
    assert event.status == WebhookEventStatus.RECEIVED
    assert event.livemode is False
    assert len(callbacks) == 1
    assert enqueued == [event.pk]


@pytest.mark.django_db
def test_a_duplicate_delivery_is_acknowledged_and_ignored(
    client: Client, stripe_account, django_capture_on_commit_callbacks
):
    body = fixture_bytes("stripe", "charge.failed.json")
    with django_capture_on_commit_callbacks() as first:
        _post_stripe(client, stripe_account, body)

    with django_capture_on_commit_callbacks() as second:
        response = _post_stripe(client, stripe_account, body)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.count() == 1
    assert (len(first), len(second)) == (1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body_suffix": b"\n"}, "signature_mismatch"),
        ({"secret": "whsec_notTheEndpointSecret1"}, "signature_mismatch"),
        ({"age": 301}, "stale_timestamp"),
    ],
    ids=["tampered-body", "wrong-secret", "stale-timestamp"],
)
def test_a_bad_signature_is_400_and_stores_nothing_but_a_counter_and_a_log_line(
    client: Client, stripe_account, caplog, django_capture_on_commit_callbacks, change, reason
):
    body = fixture_bytes("stripe", "charge.failed.json")
    header = stripe_signature(
        body, change.get("secret", STRIPE_WEBHOOK_SECRET), int(time.time()) - change.get("age", 0)
    )

    with (
        caplog.at_level(logging.WARNING, logger="payments.services"),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        response = client.post(
            _url(stripe_account),
            data=body + change.get("body_suffix", b""),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == reason
    assert WebhookEvent.objects.count() == 0
    assert callbacks == []
    assert webhook_rejections_count(provider="stripe") == 1
    [record] = [r for r in caplog.records if r.getMessage() == "webhook_rejected"]
    assert record.reason == reason
    assert STRIPE_WEBHOOK_SECRET not in caplog.text
    assert "insufficient" not in caplog.text, "the body is never logged"


@pytest.mark.django_db
def test_a_missing_signature_is_400(client: Client, stripe_account):
    response = client.post(
        _url(stripe_account), data=fixture_bytes("stripe", "charge.failed.json"), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_signature"
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_endpoint_or_a_provider_mismatch_is_404(client: Client, stripe_account):
    body = fixture_bytes("stripe", "charge.failed.json")
    header = stripe_signature(body, STRIPE_WEBHOOK_SECRET, int(time.time()))

    wrong_id = client.post(
        "/webhooks/stripe/whep_nope/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    wrong_provider = client.post(
        f"/webhooks/razorpay/{stripe_account.webhook_endpoint_id}/", data=body, content_type="application/json"
    )
    unknown_provider = client.post(
        f"/webhooks/paypal/{stripe_account.webhook_endpoint_id}/", data=body, content_type="application/json"
    )

    assert [wrong_id.status_code, wrong_provider.status_code, unknown_provider.status_code] == [404, 404, 404]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_only_post_is_allowed(client: Client, stripe_account):
    assert client.get(_url(stripe_account)).status_code == 405


@pytest.mark.django_db
def test_razorpay_deliveries_are_deduplicated_on_the_event_id_header(client: Client, razorpay_account):
    body = fixture_bytes("razorpay", "payment.failed.json")
    headers = {
        "X-Razorpay-Signature": razorpay_signature(body, RAZORPAY_WEBHOOK_SECRET),
        "X-Razorpay-Event-Id": "evt_PqEvent0001",
    }

    first = client.post(_url(razorpay_account), data=body, content_type="application/json", headers=headers)
    again = client.post(_url(razorpay_account), data=body, content_type="application/json", headers=headers)

    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.event_type) == ("razorpay", "evt_PqEvent0001", "payment.failed")
    assert event.livemode is None


@pytest.mark.django_db
def test_razorpay_tampered_body_is_refused(client: Client, razorpay_account):
    body = fixture_bytes("razorpay", "payment.failed.json")

    response = client.post(
        _url(razorpay_account),
        data=body.replace(b"49900", b"100"),
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=razorpay_signature(body, RAZORPAY_WEBHOOK_SECRET),
        HTTP_X_RAZORPAY_EVENT_ID="evt_PqEvent0001",
    )

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert webhook_rejections_count(provider="razorpay") == 1


@pytest.mark.django_db
def test_the_same_event_id_at_two_providers_is_two_events(client: Client, stripe_account, razorpay_account):
    stripe_body = fixture_bytes("stripe", "charge.failed.json")
    razorpay_body = fixture_bytes("razorpay", "payment.failed.json")

    _post_stripe(client, stripe_account, stripe_body)
    client.post(
        _url(razorpay_account),
        data=razorpay_body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=razorpay_signature(razorpay_body, RAZORPAY_WEBHOOK_SECRET),
        HTTP_X_RAZORPAY_EVENT_ID="evt_3QpChargeFailed01",
    )

    assert sorted(WebhookEvent.objects.values_list("provider", "event_id")) == [
        ("razorpay", "evt_3QpChargeFailed01"),
        ("stripe", "evt_3QpChargeFailed01"),
    ]


@pytest.mark.django_db
def test_with_the_broker_down_the_event_is_still_acknowledged_and_kept_for_the_sweeper(
    client: Client, stripe_account, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from payments import tasks

    def broker_down(args: tuple[int, ...], countdown: float | None) -> None:
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.webhook_event_process_task, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = _post_stripe(client, stripe_account, fixture_bytes("stripe", "charge.failed.json"))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEventStatus.RECEIVED


def _post_razorpay(client: Client, account, body: bytes, event_id: str, signature: str | None = None):
    return client.post(
        _url(account),
        data=body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=signature
        if signature is not None
        else razorpay_signature(body, RAZORPAY_WEBHOOK_SECRET),
        HTTP_X_RAZORPAY_EVENT_ID=event_id,
    )


@pytest.mark.django_db
def test_one_gateway_account_connected_to_two_organizations_gives_each_its_own_copy_of_every_event(
    client: Client, outcomes, django_capture_on_commit_callbacks
):
    first = GatewayAccountFactory.stripe(external_account_id="acct_shared")
    second = GatewayAccountFactory.stripe(external_account_id="acct_shared")
    body = fixture_bytes("stripe", "charge.failed.json")

    with django_capture_on_commit_callbacks(execute=True):
        responses = [_post_stripe(client, first, body), _post_stripe(client, second, body)]
        again = _post_stripe(client, second, body)

    assert [r.json()["duplicate"] for r in responses] == [False, False]
    assert again.json()["duplicate"] is True
    rows = WebhookEvent.objects.order_by("pk")
    assert [(row.gateway_account_id, row.event_id, row.status) for row in rows] == [
        (first.pk, "evt_3QpChargeFailed01", WebhookEventStatus.DONE),
        (second.pk, "evt_3QpChargeFailed01", WebhookEventStatus.DONE),
    ]
    assert [account.organization_id for _, account in outcomes] == [first.organization_id, second.organization_id]


@pytest.mark.django_db
def test_an_integrity_error_other_than_the_duplicate_is_not_answered_duplicate(
    client: Client, stripe_account, monkeypatch
):
    def broken_insert(**fields: object) -> None:
        raise IntegrityError('null value in column "event_type" violates not-null constraint')

    monkeypatch.setattr(WebhookEvent.objects, "create", broken_insert)

    with pytest.raises(IntegrityError):
        _post_stripe(client, stripe_account, fixture_bytes("stripe", "charge.failed.json"))


@pytest.mark.django_db
def test_a_stripe_header_with_a_second_timestamp_is_refused(client: Client, stripe_account):
    body = fixture_bytes("stripe", "charge.failed.json")
    now = int(time.time())
    old = stripe_signature(body, STRIPE_WEBHOOK_SECRET, now - 3600)

    response = client.post(
        _url(stripe_account), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=f"{old},t={now}"
    )

    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_signature")
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("ahead", "status"), [(400, 400), (200, 200)], ids=["beyond-skew", "within-skew"])
def test_a_stripe_timestamp_in_the_future_is_refused_beyond_a_small_skew(client: Client, stripe_account, ahead, status):
    body = fixture_bytes("stripe", "charge.failed.json")

    response = _post_stripe(client, stripe_account, body, signed_at=int(time.time()) + ahead)

    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["code"] == "future_timestamp"
    assert WebhookEvent.objects.count() == (1 if status == 200 else 0)


@pytest.mark.django_db
def test_a_razorpay_replay_under_a_fresh_event_id_is_a_duplicate(client: Client, razorpay_account):
    body = fixture_bytes("razorpay", "payment.failed.json")

    first = _post_razorpay(client, razorpay_account, body, "evt_PqEvent0001")
    replay = _post_razorpay(client, razorpay_account, body, "evt_PqReplayed0002")

    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (replay.status_code, replay.json()["duplicate"]) == (200, True)
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == ["evt_PqEvent0001"]


@pytest.mark.django_db
def test_a_nul_character_in_a_payload_is_stripped_and_the_event_stored_and_processed(
    client: Client, stripe_account, outcomes, django_capture_on_commit_callbacks
):
    payload = fixture("stripe", "charge.failed.json")
    payload["data"]["object"]["failure_message"] = "Your card\u0000 was declined."
    payload["data"]["object"]["metadata"]["note\u0000"] = "\u0000"
    body = json.dumps(payload).encode()
    assert b"\\u0000" in body

    with django_capture_on_commit_callbacks(execute=True):
        response = _post_stripe(client, stripe_account, body)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEventStatus.DONE
    assert event.payload["data"]["object"]["failure_message"] == "Your card was declined."
    assert event.payload["data"]["object"]["metadata"]["note"] == ""
    [(outcome, _)] = outcomes
    assert outcome.failure.message == "Your card was declined."


@pytest.mark.django_db
def test_a_non_ascii_razorpay_signature_is_400(client: Client, razorpay_account):
    response = _post_razorpay(
        client, razorpay_account, fixture_bytes("razorpay", "payment.failed.json"), "evt_PqEvent0001", "sigé"
    )

    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_signature")
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_non_ascii_sandbox_signature_is_400(client: Client, sandbox_account):
    response = client.post(
        _url(sandbox_account),
        data=fixture_bytes("sandbox", "payment.failed.json"),
        content_type="application/json",
        HTTP_TINKO_SANDBOX_SIGNATURE=f"t={int(time.time())},v1=é{'0' * 63}",
    )

    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_signature")
    assert WebhookEvent.objects.count() == 0
