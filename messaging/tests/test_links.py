"""Recovery links: issued once per attempt, working until they expire, are used, revoked, or the payment settles."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from messaging.enums import LinkState, LinkStatus
from messaging.exceptions import TransactionClosed
from messaging.models import RecoveryLink
from messaging.services import (
    LinkRequest,
    recovery_link_issue,
    recovery_link_mark_used,
    recovery_link_open,
    recovery_link_resolve,
    recovery_links_issue,
    recovery_links_revoke,
)
from messaging.tests.factories import failed_transaction, issued_link, transaction_set_status
from messaging.tokens import recovery_link_token
from recovery.enums import TransactionStatus

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 09:00:00Z"


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@time_machine.travel(NOW, tick=False)
@override_settings(PUBLIC_BASE_URL="https://pay.tinko.test")
def test_issuing_a_link_gives_a_signed_url_under_the_public_base(organization) -> None:
    transaction = failed_transaction(organization=organization)

    issued = recovery_link_issue(transaction=transaction, lifetime=timedelta(hours=48), attempt_number=2)

    link = issued.link
    assert issued.url == f"https://pay.tinko.test/pay/retry/{recovery_link_token(link.public_id)}/"
    assert issued.expires_at == timezone.now() + timedelta(hours=48)
    assert (link.organization_id, link.transaction_id, link.attempt_number) == (organization.pk, transaction.pk, 2)
    assert link.status == LinkStatus.ACTIVE
    assert (link.opened_at, link.used_at, link.revoked_at) == (None, None, None)
    assert link.public_id.startswith("rlk_")


def test_an_attempt_issued_twice_hands_out_its_first_link(organization) -> None:
    transaction = failed_transaction(organization=organization)
    first = issued_link(transaction=transaction, attempt_number=1)

    again = recovery_link_issue(transaction=transaction, lifetime=timedelta(days=9), attempt_number=1)

    assert again.link.pk == first.link.pk
    assert (again.url, again.expires_at) == (first.url, first.expires_at)
    assert RecoveryLink.objects.count() == 1


def test_links_without_an_attempt_are_each_new(organization) -> None:
    transaction = failed_transaction(organization=organization)

    first = issued_link(transaction=transaction, attempt_number=None)
    second = issued_link(transaction=transaction, attempt_number=None)

    assert first.link.pk != second.link.pk
    assert first.url != second.url


def test_links_issued_together_are_logged_in_one_line(organization, caplog) -> None:
    transactions = [failed_transaction(organization=organization) for _ in range(3)]
    transaction_set_status(transactions[1], TransactionStatus.RECOVERED)
    caplog.set_level(logging.INFO, logger="messaging")
    caplog.clear()

    issued = recovery_links_issue(
        requests=[LinkRequest(transaction=txn, lifetime=timedelta(days=1), attempt_number=1) for txn in transactions]
    )

    assert [link is not None for link in issued] == [True, False, True]
    assert [(record.message, record.count) for record in caplog.records] == [("recovery_links_issued", 2)]


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(seconds=-1)])
def test_a_link_needs_a_positive_lifetime(organization, lifetime) -> None:
    transaction = failed_transaction(organization=organization)

    with pytest.raises(ValueError, match="positive lifetime"):
        recovery_link_issue(transaction=transaction, lifetime=lifetime)
    assert not RecoveryLink.objects.exists()


@pytest.mark.parametrize(
    "status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED]
)
def test_no_link_is_issued_for_a_settled_transaction(organization, status) -> None:
    transaction = failed_transaction(organization=organization)
    transaction_set_status(transaction, status)

    with pytest.raises(TransactionClosed):
        recovery_link_issue(transaction=transaction, lifetime=timedelta(days=1))
    assert not RecoveryLink.objects.exists()


def test_a_fresh_link_resolves_to_itself(organization) -> None:
    issued = issued_link(transaction=failed_transaction(organization=organization))

    resolved = recovery_link_resolve(_token(issued.url))

    assert resolved is not None
    assert resolved.pk == issued.link.pk
    assert resolved.transaction.pk == issued.link.transaction_id


def test_a_forged_token_resolves_to_nothing(organization) -> None:
    issued = issued_link(transaction=failed_transaction(organization=organization))
    token = _token(issued.url)

    assert recovery_link_resolve(token[:-2] + "xx") is None
    assert recovery_link_open(token[:-2] + "xx") is None
    assert recovery_link_resolve(recovery_link_token("rlk_0000000000000000000000")) is None


def test_a_link_stops_working_when_it_expires_and_says_so(organization) -> None:
    with time_machine.travel(NOW, tick=False):
        issued = issued_link(transaction=failed_transaction(organization=organization), lifetime=timedelta(hours=1))
    token = _token(issued.url)

    with time_machine.travel("2026-11-20 09:59:59Z", tick=False):
        assert recovery_link_resolve(token) is not None
    with time_machine.travel("2026-11-20 10:00:00Z", tick=False):
        assert recovery_link_resolve(token) is None
        visit = recovery_link_open(token)

    assert visit is not None
    assert visit.state == LinkState.EXPIRED
    issued.link.refresh_from_db()
    assert issued.link.status == LinkStatus.EXPIRED
    assert issued.link.opened_at is None


@pytest.mark.parametrize(
    "status", [TransactionStatus.RECOVERED, TransactionStatus.CANCELLED, TransactionStatus.ABANDONED]
)
def test_a_link_is_dead_once_its_transaction_settles(organization, status) -> None:
    transaction = failed_transaction(organization=organization)
    issued = issued_link(transaction=transaction)

    transaction_set_status(transaction, status)

    assert recovery_link_resolve(_token(issued.url)) is None
    visit = recovery_link_open(_token(issued.url))
    assert visit is not None
    assert visit.state == LinkState.CLOSED


def test_revoking_stops_every_active_link_of_the_transaction_only(organization) -> None:
    transaction = failed_transaction(organization=organization)
    first, second = (
        issued_link(transaction=transaction, attempt_number=1),
        issued_link(transaction=transaction, attempt_number=2),
    )
    other = issued_link(transaction=failed_transaction(organization=organization))
    recovery_link_mark_used(link=first.link)

    revoked = recovery_links_revoke(transaction=transaction)

    assert revoked == 1
    assert recovery_link_resolve(_token(second.url)) is None
    assert recovery_link_resolve(_token(other.url)) is not None
    statuses = dict(RecoveryLink.objects.values_list("pk", "status"))
    assert statuses == {first.link.pk: "used", second.link.pk: "revoked", other.link.pk: "active"}
    second.link.refresh_from_db()
    assert second.link.revoked_at is not None
    assert recovery_links_revoke(transaction=transaction) == 0


def test_a_link_is_used_once(organization) -> None:
    issued = issued_link(transaction=failed_transaction(organization=organization))

    assert recovery_link_mark_used(link=issued.link) is True
    assert recovery_link_mark_used(link=issued.link) is False

    issued.link.refresh_from_db()
    assert issued.link.status == LinkStatus.USED
    assert issued.link.used_at is not None
    assert recovery_link_resolve(_token(issued.url)) is None
    visit = recovery_link_open(_token(issued.url))
    assert visit is not None
    assert visit.state == LinkState.USED


def test_an_expired_or_revoked_link_cannot_be_used(organization) -> None:
    transaction = failed_transaction(organization=organization)
    with time_machine.travel(NOW, tick=False):
        expiring = issued_link(transaction=transaction, attempt_number=1, lifetime=timedelta(minutes=5))
    revoked = issued_link(transaction=transaction, attempt_number=2)
    RecoveryLink.objects.filter(pk=revoked.link.pk).update(status=LinkStatus.REVOKED, revoked_at=timezone.now())

    assert recovery_link_mark_used(link=expiring.link) is False
    assert recovery_link_mark_used(link=revoked.link) is False
    assert not RecoveryLink.objects.filter(status=LinkStatus.USED).exists()


def test_opening_a_working_link_records_the_first_time_only(organization) -> None:
    with time_machine.travel(NOW, tick=False):
        issued = issued_link(transaction=failed_transaction(organization=organization))
    token = _token(issued.url)

    with time_machine.travel("2026-11-21 08:00:00Z", tick=False):
        first = recovery_link_open(token)
    with time_machine.travel("2026-11-21 09:00:00Z", tick=False):
        recovery_link_open(token)

    assert first is not None
    assert first.state == LinkState.USABLE
    issued.link.refresh_from_db()
    assert issued.link.opened_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("livemode", [False, True])
def test_a_link_is_in_its_transactions_mode(organization, livemode) -> None:
    issued = issued_link(transaction=failed_transaction(organization=organization, livemode=livemode))

    assert issued.link.livemode is livemode
    assert RecoveryLink.objects.for_org(organization, livemode=livemode).get() == issued.link
    assert not RecoveryLink.objects.for_org(organization, livemode=not livemode).exists()
