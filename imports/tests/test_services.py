"""Importing files: each format, the mapping, bad rows, importing again, and resuming mid-file."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import SYSTEM
from imports.enums import AmountUnit, ImportFormat, ImportStatus
from imports.exceptions import ImportRefused
from imports.models import Import, ImportChunk, ImportRowError
from imports.selectors import import_preview
from imports.services import (
    MappingChoice,
    column_mapping,
    import_cancel,
    import_run,
    import_start,
    import_upload,
    imports_sweep,
    mapping_suggested,
)
from imports.tests.factories import started, tinko_csv, uploaded
from recovery.enums import EventSource
from recovery.models import FailureEvent, Transaction
from retries.models import RecoveryAttempt

pytestmark = pytest.mark.django_db


def _recent(days: int = 1) -> str:
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0).isoformat()


def _run_to_the_end(upload: Import) -> Import:
    assert import_run(import_id=upload.pk) is True
    upload.refresh_from_db()
    return upload


def test_tinkos_format_records_each_row_as_the_api_would(organization) -> None:
    upload = started(
        organization,
        "transaction_ref,amount,currency,occurred_at,gateway,failure_code,customer_email,metadata.plan\n"
        f"order-1,249900,INR,{_recent()},stripe,insufficient_funds,asha@example.com,annual\n"
        f"order-2,1999,usd,{_recent(2)},stripe,expired_card,,\n",
    )

    upload = _run_to_the_end(upload)

    assert (upload.status, upload.rows_created, upload.rows_failed, upload.rows_read) == (ImportStatus.DONE, 2, 0, 2)
    first = Transaction.objects.for_org(organization, livemode=False).get(transaction_ref="order-1")
    assert (first.amount, first.currency, first.customer_email, first.category, first.metadata) == (
        249900,
        "INR",
        "asha@example.com",
        "funds",
        {"plan": "annual"},
    )
    event = FailureEvent.objects.get(transaction=first)
    assert event.source == EventSource.IMPORT
    assert event.idempotency_key.startswith("import:row:")
    # A recent failure starts its recovery, as one sent to the API does.
    assert RecoveryAttempt.objects.filter(transaction=first).count() == 1
    assert not ImportChunk.objects.filter(upload=upload).exists(), "the file goes once it is imported"
    assert list(
        AuditEvent.objects.filter(target_id=upload.public_id).values_list("action", flat=True).order_by("pk")
    ) == [
        "import.uploaded",
        "import.started",
        "import.finished",
    ]


STRIPE_EXPORT = (
    "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,Decline Reason,Description,"
    "PaymentIntent ID,Payment Source Type,Status,Seller Message,Card ID,Card Name,Card Brand,Customer ID,"
    "Customer Email\n"
    "ch_3Ok1,{t1},24.99,0.00,usd,false,24.99,insufficient_funds,Plan,pi_3Ok1,card,Failed,"
    "The bank returned the decline code `insufficient_funds`.,card_1Ok1,Asha Rao,Visa,cus_Ok1,asha@example.com\n"
    "ch_3Ok2,{t1},10.00,0.00,usd,true,10.00,,Plan,pi_3Ok2,card,Paid,Payment complete.,card_1Ok2,,Visa,cus_Ok2,\n"
    'ch_3Ok3,{t2},"1,200",0.00,jpy,false,8.10,expired_card,Plan,,card,Failed,'
    "The bank returned the decline code `expired_card`.,card_1Ok3,,Visa,cus_Ok3,ken@example.com\n"
)


def test_a_stripe_payments_export_records_its_failed_rows_keyed_as_stripes_webhooks_are(organization) -> None:
    t1 = (timezone.now() - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")
    t2 = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    upload = uploaded(organization, STRIPE_EXPORT.format(t1=t1, t2=t2), file_name="unified_payments.csv")
    assert upload.format == ImportFormat.STRIPE
    assert upload.mapping["failure_code"] == "Decline Reason"
    assert upload.amount_unit == AmountUnit.MAJOR

    upload = import_start(upload=upload, choice=mapping_suggested(upload), actor=SYSTEM)
    upload = _run_to_the_end(upload)

    assert (upload.rows_created, upload.rows_skipped, upload.rows_failed) == (2, 1, 0)
    intent = Transaction.objects.for_org(organization, livemode=False).get(transaction_ref="pi_3Ok1")
    assert (intent.amount, intent.currency, intent.gateway, intent.gateway_payment_method_id) == (
        2499,
        "USD",
        "stripe",
        "card_1Ok1",
    )
    assert intent.last_failed_at == datetime.strptime(t1, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert FailureEvent.objects.get(transaction=intent).idempotency_key == "stripe:ch_3Ok1"
    # No PaymentIntent: the charge's id is the reference; yen have no minor unit.
    charge = Transaction.objects.for_org(organization, livemode=False).get(transaction_ref="ch_3Ok3")
    assert (charge.amount, charge.currency, charge.category) == (1200, "JPY", "card_invalid")


RAZORPAY_REPORT = (
    "id,amount,currency,status,order_id,method,amount_refunded,captured,description,email,contact,fee,tax,"
    "error_code,error_description,error_source,error_step,error_reason,created_at\n"
    "pay_N1,49900,INR,failed,order_N1,upi,0,false,Annual,ravi@example.com,+919876543210,0,0,BAD_REQUEST_ERROR,"
    "Payment failed due to insufficient balance.,customer,payment_authorization,insufficient_balance,{t}\n"
    "pay_N2,99900,INR,captured,order_N2,card,0,true,Annual,meera@example.com,+919812345678,2358,360,,,,,,{t}\n"
)

RAZORPAY_REPORTS_SCHEMA = (
    "Payment ID,Amount,Currency,Status,Payment Method,Customer Email,Customer Contact,Order ID,Created At,"
    "Error Code,Error Description\n"
    "pay_R1,150000,INR,failed,netbanking,dev@example.com,+919800000001,order_R1,{t},BAD_REQUEST_ERROR,"
    "Payment was unsuccessful due to a temporary issue at your bank.\n"
)


def test_a_razorpay_payments_report_reads_paise_and_india_time(organization) -> None:
    local = (timezone.now() - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(330)).replace(microsecond=0)
    upload = uploaded(organization, RAZORPAY_REPORT.format(t=local.strftime("%d/%m/%Y %H:%M:%S")))
    assert (upload.format, upload.time_zone, upload.mapping["failure_code"]) == (
        ImportFormat.RAZORPAY,
        "Asia/Kolkata",
        "error_reason",
    )

    upload = import_start(upload=upload, choice=mapping_suggested(upload), actor=SYSTEM)
    upload = _run_to_the_end(upload)

    assert (upload.rows_created, upload.rows_skipped) == (1, 1)
    txn = Transaction.objects.for_org(organization, livemode=False).get(transaction_ref="pay_N1")
    assert (txn.amount, txn.gateway, txn.payment_method_type, txn.customer_phone) == (
        49900,
        "razorpay",
        "upi",
        "+919876543210",
    )
    assert txn.last_failed_at == local.astimezone(UTC)
    event = FailureEvent.objects.get(transaction=txn)
    assert (event.idempotency_key, event.failure_code, event.category) == (
        "razorpay:pay_N1",
        "insufficient_balance",
        "funds",
    )


def test_the_razorpay_reports_schemas_column_names_are_known_too(organization) -> None:
    upload = uploaded(organization, RAZORPAY_REPORTS_SCHEMA.format(t=_recent()))

    assert upload.format == ImportFormat.RAZORPAY
    assert upload.mapping == {
        "event_id": "Payment ID",
        "transaction_ref": "Payment ID",
        "amount": "Amount",
        "currency": "Currency",
        "occurred_at": "Created At",
        "status": "Status",
        "failure_code": "Error Code",
        "failure_message": "Error Description",
        "payment_method_type": "Payment Method",
        "customer_email": "Customer Email",
        "customer_phone": "Customer Contact",
    }


def test_a_mapping_of_ones_own_columns_reads_them_and_the_preview_shows_the_rows_as_recorded(organization) -> None:
    text = (
        "Order;Total;Date;Reason;Email\n"
        f"A-1;12.50;{_recent()};card_declined;a@example.com\n"
        f"A-2;abc;{_recent()};;b@example.com\n"
    )
    upload = uploaded(organization, text)
    assert (upload.format, upload.delimiter, upload.mapping) == (ImportFormat.TINKO, ";", {})
    with pytest.raises(ImportRefused, match="transaction_ref, amount, occurred_at, currency"):
        column_mapping(upload)
    choice = MappingChoice(
        columns={"transaction_ref": "Order", "amount": "Total", "occurred_at": "Date", "failure_code": "Reason"},
        amount_unit=AmountUnit.MAJOR,
        time_zone="UTC",
        default_currency="EUR",
    )

    preview = import_preview(upload=upload, mapping=column_mapping(upload, choice))

    assert [row.row_number for row in preview] == [2, 3]
    assert preview[0].failure is not None
    assert str(preview[0].amount) == "12.50 EUR"
    assert preview[1].error is not None
    assert (preview[1].error.field, preview[1].error.message) == ("amount", "amount 'abc' is not a number.")
    assert not Transaction.objects.exists(), "a preview writes nothing"

    upload = import_start(upload=upload, choice=choice, actor=SYSTEM)
    upload = _run_to_the_end(upload)
    assert (upload.rows_created, upload.rows_failed) == (1, 1)


def test_bad_rows_are_reported_with_their_row_numbers_and_the_good_ones_recorded(organization) -> None:
    future = (timezone.now() + timedelta(days=2)).isoformat()
    upload = started(
        organization,
        tinko_csv(
            f"ok-1,1000,INR,{_recent()},,card,",
            f",1000,INR,{_recent()},,card,",
            f"bad-amount,10.5,INR,{_recent()},,card,",
            f"bad-currency,1000,XXY,{_recent()},,card,",
            "bad-date,1000,INR,yesterday,,card,",
            f"bad-future,1000,INR,{future},,card,",
            f"bad-email,1000,INR,{_recent()},,card,not-an-email",
            f"ok-1,2000,INR,{_recent(3)},,card,",
            f"ok-2,1000,INR,{_recent()},,card,",
        ),
    )

    upload = _run_to_the_end(upload)

    assert (upload.rows_created, upload.rows_failed) == (2, 7)
    errors = list(ImportRowError.objects.filter(upload=upload).values_list("row_number", "field"))
    assert errors == [
        (3, "transaction_ref"),
        (4, "amount"),
        (5, "currency"),
        (6, "occurred_at"),
        (7, "occurred_at"),
        (8, "customer.email"),
        (9, "amount"),
    ]
    conflict = ImportRowError.objects.get(upload=upload, row_number=9)
    assert conflict.message == "Transaction 'ok-1' exists with amount 1000, not 2000."
    assert conflict.raw.startswith("ok-1,2000,INR,")
    assert set(Transaction.objects.values_list("transaction_ref", flat=True)) == {"ok-1", "ok-2"}


def test_importing_the_same_file_again_creates_nothing_twice(organization) -> None:
    text = tinko_csv(*(f"order-{n},{1000 + n},INR,{_recent()},do_not_honor,card," for n in range(5)))
    _run_to_the_end(started(organization, text))
    events = FailureEvent.objects.count()
    attempts = RecoveryAttempt.objects.count()

    again = _run_to_the_end(started(organization, text))

    assert (again.rows_created, again.rows_unchanged) == (0, 5)
    assert (FailureEvent.objects.count(), RecoveryAttempt.objects.count(), Transaction.objects.count()) == (
        events,
        attempts,
        5,
    )


def test_the_same_failure_twice_in_one_file_is_recorded_once(organization) -> None:
    row = f"order-1,1000,INR,{_recent()},do_not_honor,card,"

    upload = _run_to_the_end(started(organization, tinko_csv(row, row)))

    assert (upload.rows_created, upload.rows_unchanged) == (1, 1)
    assert FailureEvent.objects.count() == 1


def test_test_and_live_imports_write_their_own_data(organization) -> None:
    row = f"order-1,1000,INR,{_recent()},do_not_honor,card,"

    _run_to_the_end(started(organization, tinko_csv(row), livemode=True))

    assert Transaction.objects.for_org(organization, livemode=True).count() == 1
    assert Transaction.objects.for_org(organization, livemode=False).count() == 0


def test_a_large_file_goes_in_batches_across_chunks_and_resumes_after_a_worker_dies(organization, settings) -> None:
    settings.IMPORT_CHUNK_BYTES = 100
    settings.IMPORT_BATCH_ROWS = 3
    rows = [f"order-{n:03},{1000 + n},INR,{_recent()},do_not_honor,card,p{n}@example.com" for n in range(20)]
    upload = started(organization, tinko_csv(*rows))
    assert ImportChunk.objects.filter(upload=upload).count() > 15

    # One batch, then time is up: the rest is handed on.
    assert import_run(import_id=upload.pk, max_seconds=0) is False
    upload.refresh_from_db()
    assert (upload.status, upload.rows_read, upload.rows_created, upload.claimed_until) == (
        ImportStatus.RUNNING,
        3,
        3,
        None,
    )
    assert upload.bytes_done == len(tinko_csv(*rows[:3]).encode())

    # A worker claims it, writes two more batches and dies: its claim holds the import until it expires.
    assert import_run(import_id=upload.pk, max_seconds=0) is False
    Import.objects.filter(pk=upload.pk).update(
        claim_token="dead-worker", claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert import_run(import_id=upload.pk) is False, "a live claim is never taken over"
    assert imports_sweep(now=timezone.now() + timedelta(minutes=2)) == []
    later = timezone.now() + timedelta(minutes=6)
    assert imports_sweep(now=later) == [upload.pk]
    Import.objects.filter(pk=upload.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))

    upload = _run_to_the_end(upload)

    assert (upload.rows_read, upload.rows_created, upload.rows_unchanged, upload.rows_failed) == (20, 20, 0, 0)
    assert upload.bytes_done == upload.file_size
    assert Transaction.objects.count() == 20
    assert sorted(Transaction.objects.values_list("customer_email", flat=True)) == sorted(
        f"p{n}@example.com" for n in range(20)
    )


def test_rows_written_again_after_a_crash_are_recorded_once(organization, settings) -> None:
    settings.IMPORT_BATCH_ROWS = 2
    # The same file both times: each row's time is written once (the clock may pass a second between runs).
    rows = tinko_csv(*(f"o-{n},1000,INR,{_recent()},,card," for n in range(5)))
    upload = started(organization, rows)
    _run_to_the_end(upload)
    # As if the progress of every batch had been lost: the whole file is read again.
    Import.objects.filter(pk=upload.pk).update(
        status=ImportStatus.RUNNING, bytes_done=0, rows_read=0, rows_created=0, claimed_until=None
    )
    ImportChunk.objects.bulk_create(
        [
            ImportChunk(
                organization=organization,
                upload=upload,
                start=0,
                data=rows.encode(),
            )
        ]
    )

    upload = _run_to_the_end(upload)

    assert (upload.rows_created, upload.rows_unchanged) == (0, 5)
    assert FailureEvent.objects.count() == 5


def test_a_cancelled_import_stops_and_keeps_what_it_recorded(organization, settings) -> None:
    settings.IMPORT_BATCH_ROWS = 2
    upload = started(organization, tinko_csv(*(f"o-{n},1000,INR,{_recent()},,card," for n in range(6))))
    import_run(import_id=upload.pk, max_seconds=0)

    assert import_cancel(upload=upload, actor=SYSTEM) is True

    assert import_run(import_id=upload.pk) is False
    upload.refresh_from_db()
    assert (upload.status, upload.rows_created) == (ImportStatus.CANCELLED, 2)
    assert Transaction.objects.count() == 2
    assert not ImportChunk.objects.filter(upload=upload).exists()
    assert import_cancel(upload=upload, actor=SYSTEM) is False


def test_an_import_is_started_once(organization) -> None:
    upload = started(organization, tinko_csv(f"o-1,1000,INR,{_recent()},,card,"))

    with pytest.raises(ImportRefused, match="started or cancelled before"):
        import_start(upload=upload, choice=mapping_suggested(upload), actor=SYSTEM)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("transaction_ref,amount\nA,1\n".encode("utf-16"), "not UTF-8"),
        (b"just one column\nA\n", "fewer than two columns"),
        (b"\n\nA,B\n", "first line is empty"),
    ],
)
def test_a_file_that_is_not_a_utf8_csv_is_refused_and_nothing_is_stored(organization, content, message) -> None:
    with pytest.raises(ImportRefused, match=message):
        import_upload(
            organization=organization, livemode=False, actor=SYSTEM, file_name="x.csv", source=io.BytesIO(content)
        )

    assert not Import.objects.exists()
    assert not ImportChunk.objects.exists()
    assert not AuditEvent.objects.filter(action="import.uploaded").exists()


def test_a_file_over_the_limit_is_refused(organization, settings) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 50
    settings.IMPORT_CHUNK_BYTES = 16

    with pytest.raises(ImportRefused, match="larger than"):
        uploaded(organization, tinko_csv(f"o-1,1000,INR,{_recent()},,card,"))

    assert not ImportChunk.objects.exists()


def test_a_utf8_bom_and_quoted_newlines_are_read(organization) -> None:
    text = "\ufeff" + tinko_csv(f'"order, ""1""",1000,INR,{_recent()},,card,', f"order-2,1000,INR,{_recent()},,card,")
    text = text.replace("order-2", '"order\n2"')

    upload = _run_to_the_end(started(organization, text))

    assert upload.rows_created == 2
    assert set(Transaction.objects.values_list("transaction_ref", flat=True)) == {'order, "1"', "order\n2"}


def test_a_failure_older_than_the_retry_policy_is_recorded_without_an_attempt(organization) -> None:
    upload = started(organization, tinko_csv(f"old-1,1000,INR,{_recent(60)},do_not_honor,card,a@example.com"))

    _run_to_the_end(upload)

    txn = Transaction.objects.get(transaction_ref="old-1")
    assert txn.status == "failed"
    assert not RecoveryAttempt.objects.filter(transaction=txn).exists()
