"""Idempotency keys as the big gateways do them, for any endpoint that creates something.

Per organization, mode (test or live) and key, a request runs in one database transaction that reads what became of
the key, does its work and stores its response beside that work (a row that the unique
(organization, livemode, key) constraint admits once). A later request with the same key and the same
body gets that response back byte for byte with `Idempotent-Replayed: true`; with a different
body (or endpoint) it is refused with 422 `idempotency_key_reused`. A request that fails
stores nothing, so it can be retried. Keys are kept at least 24 hours
(`IDEMPOTENCY_RETENTION`), then purged by a periodic task.

While a request runs, a second one with its key is refused with 409 `idempotency_key_in_use`:
on PostgreSQL the first holds a transaction-scoped advisory lock on the key, which goes with
its transaction even if its process dies. (SQLite, the embedded default, runs one write
transaction at a time, so there the second simply waits and then replays.) A batch reads its
keys without locks, a thousand of which would crowd PostgreSQL's lock table: an event of the
batch whose key another request is writing waits for it at the unique constraint, and the batch
then runs again and replays it.

An endpoint whose common case is a few new rows can write them with one statement instead
(`idempotent_insert`, PostgreSQL): the key's lock and its absence are that statement's guards
and its stored response is its last row; any other case falls back to `idempotent_run`.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone

from tinko.api import ApiError
from tinko.models import IdempotencyKey
from tinko.races import RACE_ERRORS, atomic_retrying
from tinko.sql import ChainLink, Guard, delete_oldest, find_rows, insert_chain, insert_rows, row_absent

if TYPE_CHECKING:
    from accounts.models import Organization

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Printable ASCII without spaces: a regular expression checks it in C, for a batch's thousand keys.
_KEY_PATTERN = re.compile(rf"[!-~]{{1,{MAX_KEY_LENGTH}}}")
# An hourly purge stops after this long, so that runs never overlap; the next run goes on.
PURGE_MAX_SECONDS = 50 * 60


class ClaimState(enum.Enum):
    FREE = "free"  # never used (or purged): run the request
    REPLAY = "replay"  # done before with the same request: send its response again
    REUSED = "reused"  # done before with a different request: 422
    IN_USE = "in_use"  # another request with this key is running: 409


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    """What a request with a key is answered: its own response, or the first one's again."""

    response: StoredResponse
    replayed: bool

    def as_http(self) -> HttpResponse:
        response = HttpResponse(self.response.body, status=self.response.status, content_type="application/json")
        if self.replayed:
            response[REPLAYED_HEADER] = "true"
        return response


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    state: ClaimState
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
    if not isinstance(value, str) or not _KEY_PATTERN.fullmatch(value):
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


def _lock_id(organization_id: int, livemode: bool, key: str) -> int:
    # A signed 64-bit number for pg_try_advisory_xact_lock, from the organization, the mode and the key.
    digest = hashlib.blake2b(f"{organization_id}:{int(livemode)}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _state(row: tuple[Any, ...] | None, *, fingerprint: str, locked: bool) -> tuple[ClaimState, StoredResponse | None]:
    if row is not None:
        stored_fingerprint, status, body = row
        if stored_fingerprint != fingerprint:
            return ClaimState.REUSED, None
        return ClaimState.REPLAY, StoredResponse(status, bytes(body))
    return (ClaimState.FREE if locked else ClaimState.IN_USE), None


def _locking_read_sql() -> str:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    # One row whether or not the key was stored. Only the model's table name is interpolated.
    return (
        "SELECT pg_try_advisory_xact_lock(%s), stored.fingerprint, stored.response_status, stored.response_body "  # noqa: S608
        f"FROM (SELECT 1) AS one LEFT JOIN {table} AS stored "
        "ON stored.organization_id = %s AND stored.livemode = %s AND stored.key = %s"
    )


def idempotency_claim_many(
    *, organization: Organization, livemode: bool, requests: Sequence[tuple[str, str]]
) -> dict[str, Claim]:
    """What became of each (key, fingerprint): free to run, to replay, reused or in use.

    Call it inside the transaction that will do the work and `idempotency_store` the responses.
    A single key is also locked for that transaction on PostgreSQL (another transaction holding
    it makes the key IN_USE); many keys are only read (see the module's docstring).
    """
    if len(requests) == 1 and connection.vendor == "postgresql":
        ((key, fingerprint),) = requests
        with connection.cursor() as cursor:
            cursor.execute(
                _locking_read_sql(), [_lock_id(organization.pk, livemode, key), organization.pk, livemode, key]
            )
            locked, *row = cursor.fetchone()
        state, stored = _state(tuple(row) if row[0] is not None else None, fingerprint=fingerprint, locked=locked)
        return {key: Claim(key=key, state=state, stored=stored)}
    wanted = dict(requests)
    rows = {
        key: (fingerprint, status, body)
        for key, fingerprint, status, body in find_rows(
            IdempotencyKey,
            "key",
            list(wanted),
            where={"organization": organization.pk, "livemode": livemode},
            columns=("key", "fingerprint", "response_status", "response_body"),
        )
    }
    claims = {}
    for key, fingerprint in wanted.items():
        state, stored = _state(rows.get(key), fingerprint=fingerprint, locked=True)
        claims[key] = Claim(key=key, state=state, stored=stored)
    return claims


def idempotency_claim(*, organization: Organization, livemode: bool, key: str, fingerprint: str) -> Claim:
    """What became of one key, locking it for this transaction (see idempotency_claim_many)."""
    return idempotency_claim_many(organization=organization, livemode=livemode, requests=[(key, fingerprint)])[key]


def idempotency_store(
    *, organization: Organization, livemode: bool, responses: Sequence[tuple[str, str, StoredResponse]]
) -> None:
    """Store the response to each (key, fingerprint), in the transaction that made the writes they
    answer for. A key stored meanwhile by another request fails the transaction (IntegrityError)."""
    now = timezone.now()
    insert_rows(
        IdempotencyKey,
        ("organization", "livemode", "key", "fingerprint", "response_status", "response_body", "created_at"),
        [
            (organization.pk, livemode, key, fingerprint, stored.status, stored.body, now)
            for key, fingerprint, stored in responses
        ],
    )


def idempotent_insert(
    *,
    organization: Organization,
    livemode: bool,
    key: str,
    fingerprint: str,
    stored: StoredResponse,
    links: Sequence[ChainLink],
    guards: Sequence[Guard] = (),
) -> list[int] | None:
    """PostgreSQL: in one statement (`tinko.sql.insert_chain`), insert `links` and then `stored` as
    the key's response, if the key is free (locked for the statement, never stored) and every
    guard holds. The new ids of `links`; None, having written nothing, in any other case
    (another database, a guard that fails, a link not inserted, a lost race): the caller then
    takes `idempotent_run`, which gives the same answer the transactional way."""
    if connection.vendor != "postgresql":
        return None
    key_guards = [
        Guard("pg_try_advisory_xact_lock(%s)", (_lock_id(organization.pk, livemode, key),)),
        row_absent(IdempotencyKey, {"organization": organization.pk, "livemode": livemode, "key": key}),
    ]
    response = ChainLink(
        model=IdempotencyKey,
        values={
            "organization": organization.pk,
            "livemode": livemode,
            "key": key,
            "fingerprint": fingerprint,
            "response_status": stored.status,
            "response_body": stored.body,
            "created_at": timezone.now(),
        },
    )
    # In a caller's transaction a savepoint keeps a lost race from spoiling it; on its own the
    # statement is its own transaction.
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            _, ids = insert_chain([*links, response], guards=[*key_guards, *guards])
    except IntegrityError:
        return None
    if any(pk is None for pk in ids):
        return None
    return [pk for pk in ids[: len(links)] if pk is not None]


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


def idempotent_run(
    *,
    organization: Organization,
    livemode: bool,
    key: str,
    fingerprint: str,
    handler: Callable[[], StoredResponse],
) -> IdempotentResult:
    """Run `handler` at most once per (organization, livemode, key), in one transaction with its stored
    response, and answer every request with the same bytes. Raises the claim's refusal (409, 422);
    a handler that raises stores nothing."""

    def run() -> IdempotentResult:
        claim = idempotency_claim(organization=organization, livemode=livemode, key=key, fingerprint=fingerprint)
        if claim.state is ClaimState.REPLAY:
            assert claim.stored is not None
            return IdempotentResult(response=claim.stored, replayed=True)
        if claim.state is not ClaimState.FREE:
            raise claim_refusal(claim)
        stored = handler()
        idempotency_store(organization=organization, livemode=livemode, responses=[(key, fingerprint, stored)])
        return IdempotentResult(response=stored, replayed=False)

    # A request that lost a race on the unique key (or deadlocked with one sharing its keys)
    # runs once more and replays the winner.
    return atomic_retrying(run, errors=RACE_ERRORS)


def idempotency_retention() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)


def idempotency_purge(
    *, now: datetime | None = None, batch_size: int = 50_000, max_seconds: float = PURGE_MAX_SECONDS
) -> int:
    """Delete keys older than the retention, oldest first, in batches of one statement each, until
    none is left or `max_seconds` have passed (the next run goes on); returns how many went."""
    cutoff = (now or timezone.now()) - idempotency_retention()
    started = time.monotonic()
    deleted = 0
    while True:
        batch = delete_oldest(IdempotencyKey, "created_at", before=cutoff, limit=batch_size)
        deleted += batch
        if batch < batch_size or time.monotonic() - started > max_seconds:
            break
    if deleted:
        logger.info(
            "idempotency_keys_purged",
            extra={"count": deleted, "seconds": round(time.monotonic() - started, 1), "finished": batch < batch_size},
        )
    return deleted
