"""Idempotency keys as the big gateways do them, for any endpoint that creates something.

Per organization and key: the first request claims the key by inserting a row (the unique
constraint decides, never a check-then-act), runs, and stores its response in the same
database transaction as its writes. A later request with the same key and the same body
gets that response back byte for byte with `Idempotent-Replayed: true`; with a different
body (or endpoint) it is refused with 422 `idempotency_key_reused`; while the first is still
running it is refused with 409 `idempotency_key_in_use`. A request that fails stores
nothing and releases the key, so it can be retried. Keys are kept at least 24 hours
(`IDEMPOTENCY_RETENTION`), then purged by a periodic task.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

from tinko.api import ApiError
from tinko.models import IdempotencyKey
from tinko.sql import insert_rows, update_rows

if TYPE_CHECKING:
    from accounts.models import Organization

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A claim whose request died without releasing it (a killed worker) can be taken over after this.
LOCK_TIMEOUT = timedelta(seconds=60)
_CLAIM_ATTEMPTS = 3


class ClaimState(enum.Enum):
    CLAIMED = "claimed"
    REPLAY = "replay"
    REUSED = "reused"
    IN_USE = "in_use"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    state: ClaimState
    row_id: int | None = None
    token: str = ""
    stored: StoredResponse | None = None


def idempotency_key_validate(value: str | None, *, param: str = IDEMPOTENCY_HEADER) -> str:
    """The key, or a 400 naming `param` when it is missing or malformed."""
    if value is None or value == "":
        raise ApiError(
            status_code=400,
            code="idempotency_key_missing",
            message=f"{param} is required: send a unique value (e.g. a UUID) per event, and the same one on retries.",
            param=param,
        )
    if not isinstance(value, str) or len(value) > MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in value):
        raise ApiError(
            status_code=400,
            code="invalid_idempotency_key",
            message=f"{param} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters without spaces.",
            param=param,
        )
    return value


def request_fingerprint(*, endpoint: str, payload: Any) -> str:
    """SHA-256 of the endpoint and the canonical JSON of the body (key order and spacing don't matter)."""
    canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(endpoint.encode() + b"\n" + canonical).hexdigest()


def _evaluate(row: IdempotencyKey, *, fingerprint: str, token: str, now: datetime) -> Claim:
    if row.lock_token == token:
        return Claim(key=row.key, state=ClaimState.CLAIMED, row_id=row.pk, token=token)
    if row.fingerprint != fingerprint:
        return Claim(key=row.key, state=ClaimState.REUSED)
    if row.response_status is not None:
        body = bytes(row.response_body) if row.response_body is not None else b""
        return Claim(key=row.key, state=ClaimState.REPLAY, stored=StoredResponse(row.response_status, body))
    if row.locked_at < now - LOCK_TIMEOUT:
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, lock_token=row.lock_token, response_status__isnull=True
        ).update(lock_token=token, locked_at=now)
        if taken == 1:
            logger.warning("idempotency_stale_claim_taken_over", extra={"org_id": row.organization_id})
            return Claim(key=row.key, state=ClaimState.CLAIMED, row_id=row.pk, token=token)
    return Claim(key=row.key, state=ClaimState.IN_USE)


def idempotency_claim_many(*, organization: Organization, requests: Sequence[tuple[str, str]]) -> dict[str, Claim]:
    """Claim each (key, fingerprint) for this request; keys must be distinct.

    One INSERT … ON CONFLICT DO NOTHING RETURNING claims every free key at once (committed at
    once, so other requests see the claim while this one runs); only keys that were taken are
    read back, to be replayed or refused.
    """
    token = secrets.token_hex(16)
    wanted = dict(requests)
    claims: dict[str, Claim] = {}
    for _ in range(_CLAIM_ATTEMPTS):
        pending = [key for key in wanted if key not in claims]
        if not pending:
            break
        now = timezone.now()
        inserted = insert_rows(
            IdempotencyKey,
            ("organization", "key", "fingerprint", "lock_token", "locked_at", "created_at"),
            [(organization.pk, key, wanted[key], token, now, now) for key in pending],
            ignore_conflicts=True,
            returning=("id", "key"),
        )
        for row_id, key in inserted:
            claims[key] = Claim(key=key, state=ClaimState.CLAIMED, row_id=row_id, token=token)
        taken = [key for key in pending if key not in claims]
        if not taken:
            break
        rows = IdempotencyKey.objects.filter(organization=organization, key__in=taken).only(
            "pk", "organization_id", "key", "fingerprint", "lock_token", "locked_at", "response_status", "response_body"
        )
        for row in rows:
            claims[row.key] = _evaluate(row, fingerprint=wanted[row.key], token=token, now=now)
        # A key missing here was released by its owner between our insert and our read: try again.
    for key in wanted:
        claims.setdefault(key, Claim(key=key, state=ClaimState.IN_USE))
    return claims


def idempotency_claim(*, organization: Organization, key: str, fingerprint: str) -> Claim:
    """Claim one key (see idempotency_claim_many)."""
    return idempotency_claim_many(organization=organization, requests=[(key, fingerprint)])[key]


def idempotency_complete(*, completions: Sequence[tuple[Claim, StoredResponse]]) -> None:
    """Store the responses of claimed keys, in the transaction that made the writes they answer for."""
    now = timezone.now()
    update_rows(
        IdempotencyKey,
        ("response_status", "response_body", "completed_at"),
        [(claim.row_id, stored.status, stored.body, now) for claim, stored in completions],
    )


def idempotency_release(*, claims: Iterable[Claim]) -> None:
    """Give claimed keys back (the request failed and stored nothing), so a retry can run."""
    condition = Q()
    for claim in claims:
        if claim.state is ClaimState.CLAIMED:
            condition |= Q(pk=claim.row_id, lock_token=claim.token)
    if condition:
        IdempotencyKey.objects.filter(condition, response_status__isnull=True).delete()


def claim_refusal(claim: Claim, *, param: str | None = IDEMPOTENCY_HEADER) -> ApiError:
    """The error for a claim that is neither ours nor replayable."""
    if claim.state is ClaimState.REUSED:
        return ApiError(
            status_code=422,
            code="idempotency_key_reused",
            message="This idempotency key was already used for a different request; use a new key for a new request.",
            param=param,
        )
    return ApiError(
        status_code=409,
        code="idempotency_key_in_use",
        message="A request with this idempotency key is still being processed; retry in a moment.",
        param=param,
    )


def replay_response(stored: StoredResponse) -> HttpResponse:
    response = HttpResponse(stored.body, status=stored.status, content_type="application/json")
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent_call(
    *, organization: Organization, key: str, fingerprint: str, handler: Callable[[], StoredResponse]
) -> HttpResponse:
    """Run `handler` at most once per (organization, key) and answer every request with the same bytes."""
    claim = idempotency_claim(organization=organization, key=key, fingerprint=fingerprint)
    if claim.state is ClaimState.REPLAY:
        assert claim.stored is not None
        return replay_response(claim.stored)
    if claim.state is not ClaimState.CLAIMED:
        raise claim_refusal(claim)
    try:
        with transaction.atomic():
            stored = handler()
            idempotency_complete(completions=[(claim, stored)])
    except BaseException:
        idempotency_release(claims=[claim])
        raise
    return HttpResponse(stored.body, status=stored.status, content_type="application/json")


def idempotency_retention() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)


def idempotency_purge(*, now: datetime | None = None, batch_size: int = 5000, max_batches: int = 200) -> int:
    """Delete keys older than the retention, in bounded batches; returns how many went."""
    cutoff = (now or timezone.now()) - idempotency_retention()
    deleted = 0
    for _ in range(max_batches):
        ids = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            break
    if deleted:
        logger.info("idempotency_keys_purged", extra={"count": deleted})
    return deleted
