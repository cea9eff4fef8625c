"""The transaction list: search, filters and sort in the URL, keyset pages, and a CSV export of
the filtered set, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponseBase, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import ConsoleRequest, console_view
from recovery.models import Transaction
from recovery.selectors import InvalidCursor, TransactionFilters, transaction_export_rows, transaction_list
from retries.views.forms import TransactionFilterForm
from tinko.money import Money

TEMPLATE = "console/transactions.html"
PAGE_SIZE = 25
EXPORT_COLUMNS = (
    "id",
    "reference",
    "status",
    "amount",
    "currency",
    "category",
    "gateway",
    "method",
    "customer_email",
    "customer_phone",
    "customer_name",
    "failures",
    "first_failed_at",
    "last_failed_at",
    "recovered_amount",
    "recovered_at",
    "recovered_by",
    "created_at",
)


def _filters(request: ConsoleRequest) -> tuple[TransactionFilterForm, TransactionFilters, bool]:
    """The form as the URL fills it, the filters it means, and whether oldest come first. An
    invalid field is shown with its error and left out of the filters."""
    form = TransactionFilterForm(request.GET)
    data, since, until = form.filtered(ZoneInfo(str(request.organization.time_zone)))
    filters = TransactionFilters(
        search=data.get("q") or None,
        status=data.get("status") or None,
        category=data.get("category") or None,
        gateway=data.get("gateway") or None,
        payment_method_type=data.get("method") or None,
        created_gte=since,
        created_lt=until,
    )
    return form, filters, data.get("sort") == "oldest"


def _query_without(request: ConsoleRequest, *names: str) -> str:
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
@console_view()
def transactions(request: ConsoleRequest) -> HttpResponseBase:
    form, filters, oldest_first = _filters(request)
    cursor = request.GET.get("cursor") or None
    try:
        page = transaction_list(
            organization=request.organization,
            livemode=request.livemode,
            filters=filters,
            limit=PAGE_SIZE,
            cursor=cursor,
            oldest_first=oldest_first,
        )
        bad_cursor = False
    except InvalidCursor:
        page = transaction_list(
            organization=request.organization,
            livemode=request.livemode,
            filters=filters,
            limit=PAGE_SIZE,
            oldest_first=oldest_first,
        )
        bad_cursor = True
    filtered = any(value for name, value in request.GET.items() if name not in ("cursor", "sort"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": _query_without(request, "cursor"),
        "first_page": bool(cursor) and not bad_cursor,
        "bad_cursor": bad_cursor,
        "filtered": filtered,
        "time_zone": str(request.organization.time_zone),
    }
    template = f"{TEMPLATE}#results" if request.htmx and not request.htmx.boosted else TEMPLATE
    return render(request, template, context)


class _Echo:
    """csv.writer writes into this and each row comes straight back: nothing is buffered."""

    def write(self, value: str) -> str:
        return value


def _row(txn: Transaction) -> list[str]:
    def major(amount: int | None) -> str:
        return str(Money(amount, txn.currency).decimal) if amount is not None else ""

    def moment(value: Any) -> str:
        return value.isoformat() if value is not None else ""

    return [
        txn.public_id,
        txn.transaction_ref,
        txn.status,
        major(txn.amount),
        txn.currency,
        txn.category,
        txn.gateway,
        txn.payment_method_type,
        txn.customer_email,
        txn.customer_phone,
        txn.customer_name,
        str(txn.failure_count),
        moment(txn.first_failed_at),
        moment(txn.last_failed_at),
        major(txn.recovered_amount),
        moment(txn.recovered_at),
        txn.recovered_by,
        moment(txn.created_at),
    ]


def _csv_safe(value: str) -> str:
    # A cell a spreadsheet would run as a formula (CSV injection) is kept as text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value) else value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@require_GET
@console_view()
def transactions_export(request: ConsoleRequest) -> HttpResponseBase:
    """Every transaction the list's filters select, as CSV (amounts in major units, times in UTC)."""
    _form, filters, _oldest_first = _filters(request)
    rows = transaction_export_rows(organization=request.organization, livemode=request.livemode, filters=filters)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(EXPORT_COLUMNS)
        for txn in rows:
            yield writer.writerow([_csv_safe(cell) for cell in _row(txn)])

    mode = "live" if request.livemode else "test"
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{request.organization.slug}-{mode}-transactions-{stamp}.csv"'
    )
    return response
