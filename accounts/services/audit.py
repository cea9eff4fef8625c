"""The audit log: one row per security-relevant action, written in the transaction of the change."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from accounts.models import ApiKey, AuditEvent, Organization, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person, an API key, or Tinko itself (label only), and from where."""

    user: User | None = None
    api_key: ApiKey | None = None
    ip_address: str | None = None
    label: str = ""

    @property
    def display(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key is not None:
            return self.api_key.display_prefix
        return self.label or "Tinko"


SYSTEM = Actor(label="Tinko")


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for the fields whose value differs (values as JSON-safe text)."""
    return {
        name: [_json_safe(before.get(name)), _json_safe(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_record(
    *,
    organization: Organization | None,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    changes: Mapping[str, list[Any]] | None = None,
) -> AuditEvent:
    """Record `action` (`<entity>.<verb>`) by `actor` on `target`, inside the caller's transaction.

    Call it from the service that makes the change, within the same `transaction.atomic`
    block, so the change and its audit row are committed (or rolled back) together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction that makes the change.")
    target_id = ""
    target_type = ""
    if target is not None:
        target_type = target._meta.model_name or ""
        target_id = str(getattr(target, "public_id", None) or target.pk)
        target_label = target_label or str(target)
    event = AuditEvent.objects.create(
        organization=organization,
        action=action,
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        actor_label=actor.display[:254],
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:254],
        changes=dict(changes or {}),
        ip_address=actor.ip_address,
    )
    logger.info(
        "audit_recorded",
        extra={"org_id": organization.public_id if organization else None, "action": action, "target_id": target_id},
    )
    return event
